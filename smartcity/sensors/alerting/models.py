"""Alert rules on Datastreams and the alerts they raise.

``smartcity.sensors.models`` imports these models (so that they belong to the ``sensors``
app); the rule logic itself is in :mod:`smartcity.sensors.alerting.rules`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smartcity.sensors.alerting import rules

__all__ = ["Alert", "AlertRule"]

KIND_CHOICES = [(kind, _(cls.label)) for kind, cls in rules.KINDS.items()]


def render_message(message: dict | None) -> str:
    """A stored :class:`rules.Message` in the active language, numbers and times localised."""
    if not message:
        return ""
    params = {name: _shown(name, value) for name, value in message.get("params", {}).items()}
    try:
        return gettext(message["text"]) % params
    except (KeyError, TypeError, ValueError):
        # A translation whose placeholders do not match must not hide the message.
        return str(rules.Message(message["text"], message.get("params", {})))


def _shown(name: str, value):
    if name.endswith("_time") and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number_format(value)
    return value


class AlertRule(models.Model):
    """A rule watching one Datastream, owned by an organisation (its members manage it)."""

    class Severity(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    datastream = models.ForeignKey(
        "sensors.Datastream",
        verbose_name=_("datastream"),
        on_delete=models.CASCADE,
        related_name="alert_rules",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    is_active = models.BooleanField(_("active"), default=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="alert_rules",
    )
    notify_organisation = models.BooleanField(
        _("notify the organisation's members"),
        default=True,
        help_text=_("Send alerts to every member of the organisation."),
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("further recipients"),
        blank=True,
        related_name="alert_rules_notified",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    state = models.JSONField(_("evaluation state"), default=dict, blank=True, editable=False)
    last_evaluated_at = models.DateTimeField(_("last evaluated"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["datastream", "is_active"], name="alertrule_ds_active")]

    def __str__(self):
        return self.name

    @property
    def rule(self) -> rules.Rule:
        return rules.rule_for(self.kind, self.parameters)

    def clean(self):
        super().clean()
        if self.kind in rules.KINDS:
            try:
                self.parameters = self.rule.params
            except rules.ParameterError as error:
                message = render_message(error.message.as_dict())
                raise ValidationError({"parameters": message}) from None


class Alert(models.Model):
    """One occurrence of a rule's condition: open, then maybe acknowledged, then closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    ACTIVE = (Status.OPEN, Status.ACKNOWLEDGED)

    rule = models.ForeignKey(
        AlertRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="alerts"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened"))
    trigger_value = models.FloatField(_("trigger value"), null=True, blank=True)
    reason_message = models.JSONField(_("reason"), default=dict)
    last_value = models.FloatField(_("latest value"), null=True, blank=True)
    last_value_at = models.DateTimeField(_("latest value at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledge_note = models.TextField(_("note on acknowledging"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    close_note = models.TextField(_("note on closing"), blank=True)
    close_message = models.JSONField(_("reason for closing"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["status", "opened_at"], name="alert_status_opened")]
        constraints = [
            # At most one open or acknowledged alert per rule, even under concurrent ingest.
            models.UniqueConstraint(
                fields=["rule"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="one_active_alert_per_rule",
            )
        ]

    def __str__(self):
        return f"{self.rule} ({self.get_status_display()}, {self.opened_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def reason(self) -> str:
        """Why the alert opened, in the active language."""
        return render_message(self.reason_message)

    @property
    def close_reason(self) -> str:
        """Why it closed: the rule's reason, or the note of whoever closed it."""
        return render_message(self.close_message) or self.close_note


def register_alerting() -> None:
    """Permissions, audit and the notification topic; called from SensorsConfig.ready()."""
    from smartcity.core import permissions
    from smartcity.core.audit.registry import register as audit
    from smartcity.core.notifications.topics import EMAIL, WEBPUSH, register_topic
    from smartcity.sensors.alerting.policies import AlertPolicy, AlertRulePolicy

    permissions.register(AlertRule, AlertRulePolicy())
    permissions.register(Alert, AlertPolicy())
    audit(AlertRule, exclude=["state", "last_evaluated_at", "updated_at"])
    audit(Alert, exclude=["last_value", "last_value_at"])
    register_topic(
        "sensor-alerts",
        _("Sensor alerts"),
        _("When an alert rule of your organisation opens or closes an alert."),
        default_channels=(EMAIL, WEBPUSH),
        staff_only=True,
    )
