from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "smartcity.core.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from smartcity.core import permissions, privacy
        from smartcity.core.audit.registry import register as audit
        from smartcity.core.notifications import checks, services  # noqa: F401 - registers checks
        from smartcity.core.notifications.models import Notification, PushSubscription
        from smartcity.core.notifications.policies import (
            NotificationPolicy,
            PushSubscriptionPolicy,
        )

        services.register_topic(
            "platform",
            _("Platform news"),
            _("Messages about your account and about the platform as a whole."),
            default_channels=(services.EMAIL, services.WEBPUSH),
        )
        permissions.register(Notification, NotificationPolicy())
        permissions.register(PushSubscription, PushSubscriptionPolicy())
        privacy.register_exporter("notifications", services.export_user_data)
        # Admins removing a browser subscription is a staff write; its keys are secrets.
        audit(PushSubscription, masked=["p256dh", "auth"], exclude=["last_success_at"])
