"""Who may see and change areas (see smartcity.core.permissions)."""

from smartcity.core.permissions import Policy


class AreaPolicy(Policy):
    """Boundaries are public information; only platform admins change them (the default)."""

    def view(self, user, obj):
        return True
