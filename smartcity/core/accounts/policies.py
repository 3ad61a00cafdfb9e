"""Who may see and change accounts and organisations (see smartcity.core.permissions)."""

from smartcity.core.permissions import Policy, is_admin_of, is_authenticated, is_member_of


class UserPolicy(Policy):
    """A person sees and changes their own account; platform admins everyone's."""

    def view(self, user, obj):
        return is_authenticated(user) and user.pk == obj.pk

    change = delete = view


class OrganisationPolicy(Policy):
    """Organisations are public; their admins edit them and manage their members."""

    def view(self, user, obj):
        return True

    def change(self, user, obj):
        return is_admin_of(user, obj.pk)

    def manage(self, user, obj):
        return is_admin_of(user, obj.pk)


class MembershipPolicy(Policy):
    """Members of an organisation see its member list; its admins change it."""

    def view(self, user, obj):
        return is_member_of(user, obj.organisation_id)

    def change(self, user, obj):
        return is_admin_of(user, obj.organisation_id)

    delete = manage = change
