"""The one permission helper every app uses for object-level checks.

Roles (ARCHITECTURE section 8):

* anonymous: not logged in;
* citizen: any active account;
* staff: member of an organisation (department, municipal enterprise or partner);
* department admin: member with the admin role;
* platform admin: superuser.

An app registers a :class:`Policy` for each of its models and then asks ``can(user,
action, obj)`` or ``require(...)`` in its services. Policies answer four actions:
``view``, ``change``, ``delete`` and ``manage`` (administer the object's members or
settings). A platform admin may do everything a policy does not explicitly forbid.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

ACTIONS = ("view", "change", "delete", "manage")


def is_authenticated(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_platform_admin(user) -> bool:
    return is_authenticated(user) and user.is_superuser


def _memberships(user) -> dict[int, str]:
    """organisation id -> role, cached on the user object for the request."""
    if not is_authenticated(user):
        return {}
    cache = getattr(user, "_membership_roles", None)
    if cache is None:
        cache = dict(user.memberships.values_list("organisation_id", "role"))
        user._membership_roles = cache
    return cache


def is_staff_member(user) -> bool:
    return bool(_memberships(user))


def is_city_staff(user) -> bool:
    """Staff of any organisation or a platform admin: who may enter the staff pages."""
    return is_staff_member(user) or is_platform_admin(user)


def organisation_ids(user, *, admin_only: bool = False) -> set[int]:
    roles = _memberships(user)
    return {org for org, role in roles.items() if not admin_only or role == "admin"}


def is_member_of(user, organisation_id) -> bool:
    return organisation_id is not None and organisation_id in _memberships(user)


def is_admin_of(user, organisation_id) -> bool:
    return _memberships(user).get(organisation_id) == "admin"


def role_of(user) -> str:
    """The highest role a user holds, for display and for the test matrix."""
    if not is_authenticated(user):
        return "anonymous"
    if user.is_superuser:
        return "platform_admin"
    roles = set(_memberships(user).values())
    if "admin" in roles:
        return "department_admin"
    if roles:
        return "staff"
    return "citizen"


class Policy:
    """Default policy: only platform admins. Subclasses open up what their model allows."""

    def view(self, user, obj) -> bool:
        return False

    def change(self, user, obj) -> bool:
        return False

    def delete(self, user, obj) -> bool:
        return False

    def manage(self, user, obj) -> bool:
        return False

    platform_admin_may = ACTIONS


class DepartmentOwnedPolicy(Policy):
    """Objects owned by one organisation (``organisation_field``, an id attribute).

    ``public_field`` names a boolean attribute that makes the object visible to everyone;
    without it, only the owning organisation's members see it.
    """

    organisation_field = "organisation_id"
    public_field: str | None = None

    def owner(self, obj):
        return getattr(obj, self.organisation_field)

    def view(self, user, obj):
        if self.public_field and getattr(obj, self.public_field):
            return True
        return is_member_of(user, self.owner(obj))

    def change(self, user, obj):
        return is_member_of(user, self.owner(obj))

    def delete(self, user, obj):
        return is_admin_of(user, self.owner(obj))

    def manage(self, user, obj):
        return is_admin_of(user, self.owner(obj))


_policies: dict[type, Policy] = {}


def register(model, policy: Policy):
    _policies[model] = policy
    return policy


def policy_for(obj) -> Policy:
    for cls in type(obj).__mro__:
        if cls in _policies:
            return _policies[cls]
    raise LookupError(f"no permission policy registered for {type(obj).__name__}")


def can(user, action: str, obj) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    if not is_authenticated(user) and action != "view":
        return False
    policy = policy_for(obj)
    if getattr(policy, action)(user, obj):
        return True
    return is_platform_admin(user) and action in policy.platform_admin_may


def require(user, action: str, obj) -> None:
    """Raise PermissionDenied (HTTP 403) unless ``user`` may do ``action`` on ``obj``."""
    if not can(user, action, obj):
        raise PermissionDenied(_("You are not allowed to do this."))
