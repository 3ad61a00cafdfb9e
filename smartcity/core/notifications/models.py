"""Notifications: the in-app inbox, users' channel choices, browsers' push subscriptions and
the delivery record of every e-mail and push message sent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smartcity.core.notifications.topics import EMAIL, INAPP, SLUG_MAX_LENGTH, WEBPUSH

TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 500
ENDPOINT_MAX_LENGTH = 2048


class Channel(models.TextChoices):
    INAPP = INAPP, _("In-app")
    EMAIL = EMAIL, _("E-mail")
    WEBPUSH = WEBPUSH, _("Push notification")


class Notification(models.Model):
    """One message to one user; it is the inbox entry and the anchor of its deliveries."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    topic = models.CharField(_("topic"), max_length=SLUG_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=URL_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ChannelPreference(models.Model):
    """A user's choice for one topic and channel where it differs from the topic's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences"
    )
    topic = models.CharField(_("topic"), max_length=SLUG_MAX_LENGTH)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "topic", "channel"], name="unique_channel_preference"
            )
        ]

    def __str__(self):
        state = _("on") if self.enabled else _("off")
        return f"{self.topic} / {self.get_channel_display()}: {state}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (PushSubscription.toJSON(), RFC 8030 and 8291)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.CharField(_("endpoint"), max_length=ENDPOINT_MAX_LENGTH, unique=True)
    p256dh = models.CharField(_("P-256 public key"), max_length=100)
    auth = models.CharField(_("authentication secret"), max_length=40)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    failure_count = models.PositiveIntegerField(_("failures since last delivery"), default=0)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.user_agent or self.endpoint[:60]

    def as_webpush_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class Delivery(models.Model):
    """One attempt to carry a notification over e-mail or to one browser; the statistics."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        GONE = "gone", _("subscription gone")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=[(c.value, c.label) for c in (Channel.EMAIL, Channel.WEBPUSH)],
    )
    # Push deliveries go to one browser; the row outlives a subscription that is gone.
    subscription = models.ForeignKey(
        PushSubscription,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    attempted_at = models.DateTimeField(_("attempted"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "status"], name="delivery_stats")]

    def __str__(self):
        return f"{self.get_channel_display()} #{self.notification_id}: {self.get_status_display()}"
