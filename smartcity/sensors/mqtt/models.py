"""What the MQTT ingest keeps: idempotency keys and the messages it could not store."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["DeadLetter", "IngestKey"]


class IngestKey(models.Model):
    """A message already stored: SHA-256 of its topic and canonical JSON payload.

    Written in the same transaction as the Observation, so a QoS 1 redelivery (or the same
    message after a consumer crash before its acknowledgement) finds it and is not stored
    again. Kept for ``MQTT ingest key TTL`` days, then purged by the consumer.
    """

    key = models.CharField(_("key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("MQTT ingest key")
        verbose_name_plural = _("MQTT ingest keys")

    def __str__(self):
        return self.key


class DeadLetter(models.Model):
    """An MQTT message the ingest refused, with the reason, for the operators."""

    topic = models.TextField(_("topic"))
    payload = models.TextField(_("payload"), help_text=_("Truncated after 64 kB."))
    payload_size = models.PositiveIntegerField(_("payload size in bytes"))
    reason = models.TextField(_("reason"))
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("MQTT dead letter")
        verbose_name_plural = _("MQTT dead letters")
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.topic}: {self.reason[:80]}"
