"""Alert use cases: managing rules, evaluating observations, the alert life cycle.

Ingest calls :func:`evaluate_new_observations` (or enqueues ``tasks.evaluate_datastream``)
after its transaction commits; the worker runs :func:`evaluate_staleness` every minute. An
alert that opens or closes is announced twice: as a notification to the people the rule
names (topic ``sensor-alerts``) and as an event on the bus (``sensors.alert.opened``,
``sensors.alert.closed``, ``sensors.alert.acknowledged``) for other apps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from smartcity.core import events
from smartcity.core.accounts.models import Organisation, User
from smartcity.core.audit.context import acting_as
from smartcity.core.notifications import services as notifications
from smartcity.core.permissions import (
    is_authenticated,
    is_city_staff,
    is_platform_admin,
    organisation_ids,
    require,
)
from smartcity.sensors import access
from smartcity.sensors.alerting import rules
from smartcity.sensors.alerting.models import Alert, AlertRule, render_message
from smartcity.sensors.models import Datastream, Observation, ResultType

TOPIC = "sensor-alerts"
OPENED = "sensors.alert.opened"
CLOSED = "sensors.alert.closed"
ACKNOWLEDGED = "sensors.alert.acknowledged"
# Transitions older than this (a backfill of old data) are recorded and announced on the
# bus, marked "historical", but nobody is notified about them.
NOTIFY_MAX_AGE = timedelta(hours=24)
# Observations evaluated per step when a task catches up with many of them.
BATCH_SIZE = 5000
NOTE_MAX_LENGTH = 2000
RULE_FIELDS = frozenset(
    {
        "name",
        "kind",
        "parameters",
        "severity",
        "organisation",
        "notify_organisation",
        "recipients",
        "is_active",
    }
)
_RESTARTING_FIELDS = frozenset({"kind", "parameters", "is_active"})


@dataclass
class Outcome:
    """What an evaluation did: alerts opened and closed, in the order it happened."""

    opened: list[Alert] = field(default_factory=list)
    closed: list[Alert] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.opened.extend(other.opened)
        self.closed.extend(other.closed)


# --- Rules -------------------------------------------------------------------------------


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("The note is longer than %(max)d characters.") % {"max": NOTE_MAX_LENGTH}}
        )
    return note


def _require_staff(user) -> None:
    if not is_city_staff(user):
        raise PermissionDenied(_("Only staff of an organisation can manage alert rules."))


def _default_organisation(user):
    ids = organisation_ids(user)
    if len(ids) != 1:
        raise ValidationError({"organisation": _("Choose the organisation that owns this rule.")})
    return Organisation.objects.get(pk=next(iter(ids)))


def _check_recipients(rule: AlertRule, recipients) -> list:
    """Further recipients must be active accounts that may read the rule's Thing."""
    recipients = list(recipients)
    thing = rule.datastream.thing
    for user in recipients:
        if not user.is_active or not access.may_read(user, thing):
            raise ValidationError(
                {
                    "recipients": _(
                        "%(user)s cannot receive these alerts: the account is inactive or "
                        "may not read this sensor's data."
                    )
                    % {"user": user}
                }
            )
    return recipients


def _validate(rule: AlertRule) -> None:
    # The related objects were checked by the caller; this checks the rule's own fields.
    rule.full_clean(exclude=["datastream", "organisation", "created_by"])


def _checked_fields(fields: dict) -> dict:
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise TypeError(f"unknown alert rule field(s): {', '.join(sorted(unknown))}")
    return fields


def create_rule(user, datastream: Datastream, **fields) -> AlertRule:
    """Create a rule on ``datastream`` for ``user``'s organisation.

    ``fields``: ``name``, ``kind``, ``parameters`` (see :mod:`rules`), ``severity``
    (default warning), ``organisation`` (default: the user's only organisation),
    ``notify_organisation`` (default True), ``recipients`` (further users), ``is_active``.
    The rule starts from the stream's recent observations, so a condition that holds already
    opens an alert at once. PermissionDenied unless the user is a member of the organisation
    and may read the Datastream; ValidationError (per field, translated) for bad input.
    """
    fields = _checked_fields(dict(fields))
    _require_staff(user)
    recipients = fields.pop("recipients", ())
    organisation = fields.pop("organisation", None) or _default_organisation(user)
    rule = AlertRule(datastream=datastream, organisation=organisation, created_by=user, **fields)
    require(user, "change", rule)
    if not access.may_read(user, datastream.thing):
        raise PermissionDenied(_("You may not read this datastream."))
    _validate(rule)
    recipients = _check_recipients(rule, recipients)
    now = timezone.now()
    with transaction.atomic(), acting_as(user):
        rule.state = rule.rule.initial_state(now)
        rule.save()
        rule.recipients.set(recipients)
        if rule.is_active:
            _prime(rule, now)
    return rule


def update_rule(user, rule: AlertRule, **fields) -> AlertRule:
    """Change a rule (same fields as :func:`create_rule`; the Datastream stays).

    Changing its kind or parameters, or switching it off or on, starts it afresh: an active
    alert of the rule is closed ("The rule was changed.") and the rule re-reads recent data.
    """
    fields = _checked_fields(dict(fields))
    require(user, "change", rule)
    recipients = fields.pop("recipients", None)
    if "organisation" in fields:
        if fields["organisation"] is None:
            raise ValidationError(
                {"organisation": _("Choose the organisation that owns this rule.")}
            )
        # Handing a rule to another organisation needs membership there too.
        require(user, "change", AlertRule(organisation=fields["organisation"]))
    before = {name: getattr(rule, name) for name in _RESTARTING_FIELDS}
    for name, value in fields.items():
        setattr(rule, name, value)
    _validate(rule)
    if recipients is not None:
        recipients = _check_recipients(rule, recipients)
    restart = any(getattr(rule, name) != value for name, value in before.items())
    now = timezone.now()
    with transaction.atomic(), acting_as(user):
        if restart:
            reason = (
                rules.gettext_noop("The rule was changed.")
                if rule.is_active
                else rules.gettext_noop("The rule was switched off.")
            )
            _close_active(rule, user, rules.Message(reason), now)
            rule.state = rule.rule.initial_state(now)
        rule.save()
        if recipients is not None:
            rule.recipients.set(recipients)
        if restart and rule.is_active:
            _prime(rule, now)
    return rule


def delete_rule(user, rule: AlertRule) -> None:
    """Delete a rule and its alerts (department admins); an active alert is announced closed."""
    require(user, "delete", rule)
    with transaction.atomic(), acting_as(user):
        _close_active(
            rule, user, rules.Message(rules.gettext_noop("The rule was deleted.")), timezone.now()
        )
        rule.delete()


def visible_rules(user):
    """The rules ``user`` may see: their organisations' (all for platform admins)."""
    rules_ = AlertRule.objects.select_related("datastream", "organisation")
    if is_platform_admin(user):
        return rules_
    return rules_.filter(organisation_id__in=organisation_ids(user))


def visible_alerts(user, *, status: str | None = None):
    """Alerts ``user`` may see, newest first; ``status`` "active" means open or acknowledged."""
    alerts = Alert.objects.select_related("rule", "rule__datastream", "rule__organisation")
    if status == "active":
        alerts = alerts.filter(status__in=Alert.ACTIVE)
    elif status is not None:
        if status not in Alert.Status.values:
            raise ValueError(f"unknown alert status {status!r}")
        alerts = alerts.filter(status=status)
    if is_platform_admin(user):
        return alerts
    if not is_authenticated(user):
        return alerts.none()
    mine = Q(rule__organisation_id__in=organisation_ids(user))
    told = Q(rule__in=AlertRule.objects.filter(recipients=user).values("pk"))
    return alerts.filter(mine | told)


# --- Life cycle --------------------------------------------------------------------------


def acknowledge(alert: Alert, user, note: str = "") -> Alert:
    """An organisation member takes the open alert on; it stays active until it closes."""
    require(user, "change", alert)
    note = _check_note(note)
    with transaction.atomic(), acting_as(user):
        alert = Alert.objects.select_for_update().select_related("rule").get(pk=alert.pk)
        if alert.status != Alert.Status.OPEN:
            raise ValidationError(
                _("This alert is acknowledged already.")
                if alert.status == Alert.Status.ACKNOWLEDGED
                else _("This alert is closed.")
            )
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = user
        alert.acknowledge_note = note
        alert.save()
        events.publish(
            ACKNOWLEDGED,
            _payload(alert, alert.acknowledged_at, alert.last_value, _english(alert.reason_message))
            | {"note": note},
        )
    return alert


def close(alert: Alert, user, note: str = "") -> Alert:
    """Close an active alert by hand (the rule reopens only after its condition cleared)."""
    require(user, "change", alert)
    note = _check_note(note)
    with transaction.atomic(), acting_as(user):
        alert = Alert.objects.select_for_update().select_related("rule").get(pk=alert.pk)
        if not alert.is_active:
            raise ValidationError(_("This alert is closed."))
        _close_by_hand(alert, user, note, None, timezone.now())
    return alert


def _close_by_hand(alert: Alert, user, note: str, message, now: datetime) -> None:
    alert.status = Alert.Status.CLOSED
    alert.closed_at = now
    alert.closed_by = user
    alert.close_note = note
    alert.close_message = message.as_dict() if message is not None else None
    alert.save()
    reason = _english(alert.close_message) if message is not None else note
    events.publish(
        CLOSED,
        _payload(alert, now, alert.last_value, reason) | {"manual": True, "note": note},
    )


def _close_active(rule: AlertRule, user, message: rules.Message, now: datetime) -> None:
    alert = Alert.objects.select_for_update().filter(rule=rule, status__in=Alert.ACTIVE).first()
    if alert is not None:
        _close_by_hand(alert, user, "", message, now)


# --- Evaluation --------------------------------------------------------------------------


def _numeric(samples) -> list[rules.Sample]:
    """Numeric results only: a string or boolean result is not something to compare."""
    return [
        (time, value)
        for time, value in samples
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]


def _locked_rules(datastream_id: int) -> list[AlertRule]:
    return list(
        AlertRule.objects.select_for_update(of=("self",))
        .select_related("datastream", "organisation")
        .filter(datastream_id=datastream_id, is_active=True)
        .order_by("pk")
    )


def _active_alerts(rules_: list[AlertRule]) -> dict[int, Alert]:
    return {
        alert.rule_id: alert
        for alert in Alert.objects.filter(rule__in=rules_, status__in=Alert.ACTIVE)
    }


def evaluate_new_observations(datastream_id: int, samples) -> Outcome:
    """Evaluate the Datastream's active rules on new ``samples`` [(time, value)].

    Called by ingest after its commit. Non-numeric values are skipped; samples at or before
    what a rule has seen already are ignored by that rule (see :mod:`rules`). The rules are
    loaded once and locked, so concurrent calls for one stream take turns.
    """
    samples = _numeric(samples)
    if not samples:
        return Outcome()
    now = timezone.now()
    with transaction.atomic():
        rules_ = _locked_rules(datastream_id)
        if not rules_:
            return Outcome()
        active = _active_alerts(rules_)
        outcome = Outcome()
        for rule in rules_:
            outcome.add(_apply(rule, rule.rule.evaluate(rule.state, samples), now, active))
        return outcome


def _observations(datastream_id: int, **filters):
    return Observation.objects.filter(
        datastream_id=datastream_id,
        result_type=ResultType.NUMBER,
        result_number__isnull=False,
        **filters,
    )


def _batches(rows, size: int):
    """Consecutive batches of (time, value) that never split the samples of one time."""
    batch: list[rules.Sample] = []
    for time, value in rows:
        if len(batch) >= size and time != batch[-1][0]:
            yield batch
            batch = []
        batch.append((time, value))
    if batch:
        yield batch


def evaluate_stored_observations(datastream_id: int, since: datetime | None = None) -> Outcome:
    """Evaluate the Datastream's active rules on its stored numeric Observations.

    Each rule reads on from the latest time it has seen; a rule that has seen nothing yet
    reads from ``since``, or without it everything (a rule that has seen nothing found no
    data when it started, so all there is came later). Observations are read once for all rules,
    in time order and in batches, so catching up after a backlog stays within memory.
    """
    now = timezone.now()
    with transaction.atomic():
        rules_ = _locked_rules(datastream_id)
        if not rules_:
            return Outcome()
        starts = [rules.last_time(rule.state) or since for rule in rules_]
        rows = _observations(datastream_id)
        if None not in starts:
            rows = rows.filter(phenomenon_time_start__gte=min(starts))
        rows = rows.order_by("phenomenon_time_start", "pk").values_list(
            "phenomenon_time_start", "result_number"
        )
        active = _active_alerts(rules_)
        outcome = Outcome()
        for batch in _batches(rows.iterator(chunk_size=BATCH_SIZE), BATCH_SIZE):
            for rule in rules_:
                outcome.add(_apply(rule, rule.rule.evaluate(rule.state, batch), now, active))
        return outcome


def evaluate_staleness(now: datetime | None = None) -> Outcome:
    """Let the clock run for every active rule that depends on it (periodic, every minute).

    Staleness rules open when their stream has been silent too long; open rolling-sum rules
    close once their amounts have left the window. Each rule is checked without a lock and
    locked only to record a change, so the check stays cheap for many quiet rules.
    """
    now = now or timezone.now()
    candidates = AlertRule.objects.filter(is_active=True).filter(
        Q(kind=rules.Staleness.kind) | Q(kind=rules.RollingSum.kind, state__open=True)
    )
    outcome = Outcome()
    for candidate in candidates.only("pk", "kind", "parameters", "state", "created_at"):
        if not candidate.rule.advance(_state(candidate), now).transitions:
            continue
        with transaction.atomic():
            rule = (
                AlertRule.objects.select_for_update(of=("self",))
                .select_related("datastream", "organisation")
                .filter(pk=candidate.pk, is_active=True)
                .first()
            )
            if rule is None:
                continue
            evaluation = rule.rule.advance(_state(rule), now)
            outcome.add(_apply(rule, evaluation, now, _active_alerts([rule])))
    return outcome


def _state(rule: AlertRule) -> dict:
    # A rule saved without this module (admin, shell) starts watching from its creation.
    return rule.state or rule.rule.initial_state(rule.created_at)


def _prime(rule: AlertRule, now: datetime) -> None:
    """Feed a new (or restarted) rule the recent data it needs to judge the present."""
    history = rule.rule.history()
    ordered = _observations(rule.datastream_id).order_by("-phenomenon_time_start", "-pk")
    rows = ordered.values_list("phenomenon_time_start", "result_number")
    if history.count is not None:
        samples = list(rows[: history.count])[::-1]
    else:
        latest = ordered.values_list("phenomenon_time_start", flat=True).first()
        if latest is None:
            return
        samples = list(rows.filter(phenomenon_time_start__gte=latest - history.window))[::-1]
    if samples:
        _apply(rule, rule.rule.evaluate(rule.state, samples), now, _active_alerts([rule]))


def _apply(rule: AlertRule, evaluation: rules.Evaluation, now, active: dict) -> Outcome:
    """Record an evaluation: alerts opened and closed, the rule's new state; announce them."""
    outcome = Outcome()
    announcements = []
    alert = active.get(rule.pk)
    for transition in evaluation.transitions:
        if transition.action == rules.OPEN:
            if alert is not None:
                continue
            alert = Alert.objects.create(
                rule=rule,
                opened_at=transition.time,
                trigger_value=transition.value,
                reason_message=transition.reason.as_dict(),
                last_value=transition.value,
                last_value_at=transition.time,
            )
            outcome.opened.append(alert)
            announcements.append((OPENED, alert, transition))
        elif alert is not None:
            alert.status = Alert.Status.CLOSED
            alert.closed_at = transition.time
            alert.close_message = transition.reason.as_dict()
            alert.last_value, alert.last_value_at = transition.value, transition.time
            alert.save()
            outcome.closed.append(alert)
            announcements.append((CLOSED, alert, transition))
            alert = None
        # A close without an active alert: someone closed it by hand; nothing to announce.
    seen = rules.last_time(evaluation.state)
    value = evaluation.state.get("value")
    if alert is not None and value is not None and seen and seen != alert.last_value_at:
        alert.last_value, alert.last_value_at = value, seen
        alert.save(update_fields=["last_value", "last_value_at"])
    if alert is None:
        active.pop(rule.pk, None)
    else:
        active[rule.pk] = alert
    rule.state, rule.last_evaluated_at = evaluation.state, now
    rule.save(update_fields=["state", "last_evaluated_at"])
    for event_type, announced, transition in announcements:
        _announce(event_type, announced, transition, now)
    return outcome


# --- Announcements -----------------------------------------------------------------------


def _english(message: dict | None) -> str:
    """A stored message in English: the bus carries one language, the code's."""
    if not message:
        return ""
    return str(rules.Message(message["text"], message.get("params", {})))


def _payload(alert: Alert, time: datetime, value, reason: str) -> dict:
    rule = alert.rule
    return {
        "alert_id": alert.pk,
        "rule_id": rule.pk,
        "rule_name": rule.name,
        "organisation_id": rule.organisation_id,
        "datastream_id": rule.datastream_id,
        "thing_id": rule.datastream.thing_id,
        "kind": rule.kind,
        "severity": rule.severity,
        "status": alert.status,
        "value": value,
        "time": time.isoformat(),
        "reason": reason,
    }


def _recipients(rule: AlertRule) -> list[User]:
    users = list(rule.recipients.filter(is_active=True))
    if rule.notify_organisation:
        users += User.objects.filter(
            memberships__organisation_id=rule.organisation_id, is_active=True
        )
    return users


def _notification(event_type: str, alert: Alert, transition: rules.Transition):
    """Title and body, rendered lazily in each recipient's language."""
    rule = alert.rule
    datastream = rule.datastream
    unit = (datastream.unit_of_measurement or {}).get("symbol") or ""

    def title() -> str:
        if event_type == OPENED:
            return _("Alert (%(severity)s): %(rule)s") % {
                "severity": rule.get_severity_display(),
                "rule": rule.name,
            }
        return _("Alert over: %(rule)s") % {"rule": rule.name}

    def body() -> str:
        lines = [
            render_message(transition.reason.as_dict()),
            "",
            _("Datastream: %(datastream)s (%(thing)s)")
            % {"datastream": datastream.name, "thing": datastream.thing.name},
        ]
        if unit:
            lines.append(_("Unit: %(unit)s") % {"unit": unit})
        moment = formats.date_format(timezone.localtime(transition.time), "DATETIME_FORMAT")
        lines.append(_("Time: %(time)s") % {"time": moment})
        return "\n".join(lines)

    return lazy(title, str)(), lazy(body, str)()


def _announce(event_type: str, alert: Alert, transition: rules.Transition, now) -> None:
    historical = now - transition.time > NOTIFY_MAX_AGE
    events.publish(
        event_type,
        _payload(alert, transition.time, transition.value, str(transition.reason))
        | {"historical": historical},
    )
    if historical:
        return
    rule = alert.rule
    title, body = _notification(event_type, alert, transition)
    # Information-only rules stay in the inbox; warnings and critical alerts go out.
    channels = [notifications.INAPP] if rule.severity == AlertRule.Severity.INFO else None
    notifications.notify_many(_recipients(rule), TOPIC, title, body, channels=channels)
