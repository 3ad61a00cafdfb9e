"""Who may see and change concerns (see smartcity.core.permissions).

* Everyone, anonymous included, sees published concerns, and only their public data: the
  public history, the description and photos unless hidden, never contact data.
* The reporter also sees their own concern before it is published.
* Staff of the responsible organisation see and work their concerns, internal notes and
  contact data included; staff of other organisations see what the public sees.
* The responsible organisation's admins also manage them (escalations arrive there).
* Platform admins may do everything, contact data included.
"""

from smartcity.core.permissions import (
    Policy,
    is_admin_of,
    is_authenticated,
    is_member_of,
    is_platform_admin,
)


def is_reporter(user, concern) -> bool:
    return is_authenticated(user) and concern.reporter_id == user.pk


def is_responsible_staff(user, concern) -> bool:
    """Member of the responsible organisation, or platform admin: sees internal notes and
    contact data."""
    return is_platform_admin(user) or is_member_of(user, concern.organisation_id)


class ConcernPolicy(Policy):
    def view(self, user, obj):
        return obj.is_published or is_reporter(user, obj) or is_member_of(user, obj.organisation_id)

    def change(self, user, obj):
        return is_member_of(user, obj.organisation_id)

    def manage(self, user, obj):
        return is_admin_of(user, obj.organisation_id)


class ConcernEventPolicy(Policy):
    def view(self, user, obj):
        if obj.is_public:
            return ConcernPolicy().view(user, obj.concern)
        return is_member_of(user, obj.concern.organisation_id)


class CategoryPolicy(Policy):
    """The catalogue is public; admins of an organisation it routes to edit its texts and
    templates; routing, workflow and attributes are the platform admins' (the default)."""

    def view(self, user, obj):
        return obj.is_active or is_platform_admin(user)

    def change(self, user, obj):
        organisation_ids = obj.routing_rules.values_list("organisation_id", flat=True)
        return any(is_admin_of(user, pk) for pk in organisation_ids)


class FollowPolicy(Policy):
    def view(self, user, obj):
        return is_authenticated(user) and obj.user_id == user.pk

    delete = view
