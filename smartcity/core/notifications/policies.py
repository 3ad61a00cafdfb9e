"""Who may see and change notifications and push subscriptions (smartcity.core.permissions)."""

from smartcity.core.permissions import Policy, is_authenticated


class NotificationPolicy(Policy):
    """A message is its recipient's alone: not even platform admins read it."""

    platform_admin_may = ()

    def view(self, user, obj):
        return is_authenticated(user) and obj.recipient_id == user.pk

    change = delete = view


class PushSubscriptionPolicy(Policy):
    """A browser subscription belongs to its user; platform admins may see and remove it."""

    platform_admin_may = ("view", "delete")

    def view(self, user, obj):
        return is_authenticated(user) and obj.user_id == user.pk

    delete = view
