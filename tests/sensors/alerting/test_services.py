"""Alert rules on real Observations: life cycle, notifications, permissions, validation."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from smartcity.core.accounts.models import Membership
from smartcity.core.audit.models import AuditEntry
from smartcity.core.notifications.models import Notification
from smartcity.core.permissions import can
from smartcity.sensors.alerting import services, tasks
from smartcity.sensors.alerting.models import Alert, AlertRule
from tests.conftest import make_user
from tests.sensors.alerting.conftest import make_datastream, minutes_ago, observe

pytestmark = pytest.mark.django_db

ELBE_ALARM_1 = {"name": "Elbe Alarmstufe 1", "kind": "threshold", "severity": "critical"}


@pytest.fixture(autouse=True)
def _english(users):
    """Assert on the English texts, whatever the German catalogue says."""
    for user in users.values():
        if user is not None:
            user.language = "en"
            user.save(update_fields=["language"])
    with translation.override("en"):
        yield


def alarm_rule(user, gauge, **fields):
    params = {"parameters": {"level": 400, "hysteresis": 10}}
    return services.create_rule(user, gauge, **(ELBE_ALARM_1 | params | fields))


def test_rising_water_opens_one_alert_and_notifies_the_organisation(
    users, staff, department_admin, citizen, gauge, now
):
    rule = alarm_rule(staff, gauge)
    samples = [observe(gauge, minutes_ago(now, 30), 390), observe(gauge, minutes_ago(now, 15), 405)]

    outcome = services.evaluate_new_observations(gauge.pk, samples)

    alert = Alert.objects.get(rule=rule)
    assert outcome.opened == [alert]
    assert alert.status == "open"
    assert alert.opened_at == minutes_ago(now, 15)
    assert alert.trigger_value == 405
    assert alert.reason == "Value 405 is above the level 400."
    titles = Notification.objects.filter(topic="sensor-alerts").values_list(
        "recipient__email", "title"
    )
    assert sorted(titles) == [
        ("head@example.org", "Alert (Critical): Elbe Alarmstufe 1"),
        ("staff@example.org", "Alert (Critical): Elbe Alarmstufe 1"),
    ]
    body = Notification.objects.filter(recipient=staff).get().body
    assert body.startswith("Value 405 is above the level 400.\n")
    assert "Datastream: Water level Pegel Dresden (Pegel Dresden)" in body
    assert "Unit: cm" in body
    assert sorted(message.to[0] for message in mail.outbox) == [
        "head@example.org",
        "staff@example.org",
    ]
    assert "Alert (Critical): Elbe Alarmstufe 1" in mail.outbox[0].subject

    # Higher water: the same alert, with the latest value.
    later = [observe(gauge, minutes_ago(now, 0), 420)]
    assert services.evaluate_new_observations(gauge.pk, later).opened == []
    alert.refresh_from_db()
    assert Alert.objects.filter(rule=rule).count() == 1
    assert (alert.last_value, alert.last_value_at) == (420, now)
    assert Notification.objects.count() == 2


def test_the_alert_closes_when_the_water_falls_below_the_release_level(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    services.evaluate_new_observations(gauge.pk, [observe(gauge, minutes_ago(now, 45), 405)])
    samples = [observe(gauge, minutes_ago(now, 30), 395), observe(gauge, minutes_ago(now, 15), 389)]

    outcome = services.evaluate_new_observations(gauge.pk, samples)

    alert = Alert.objects.get(rule=rule)
    assert outcome.closed == [alert]
    assert alert.status == "closed"
    assert alert.closed_at == minutes_ago(now, 15)
    assert alert.closed_by is None
    assert alert.close_reason == "Value 389 is back below 390."
    assert alert.last_value == 389
    titles = list(Notification.objects.filter(recipient=staff).values_list("title", flat=True))
    assert titles == ["Alert over: Elbe Alarmstufe 1", "Alert (Critical): Elbe Alarmstufe 1"]


def test_acknowledge_then_close_by_hand(staff, department_admin, gauge, now):
    rule = alarm_rule(staff, gauge)
    services.evaluate_new_observations(gauge.pk, [observe(gauge, minutes_ago(now, 10), 410)])
    alert = Alert.objects.get(rule=rule)

    services.acknowledge(alert, staff, note="  Deichwache informiert  ")
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert alert.acknowledged_by == staff
    assert alert.acknowledge_note == "Deichwache informiert"
    with pytest.raises(ValidationError) as error:
        services.acknowledge(alert, department_admin)
    assert error.value.messages == ["This alert is acknowledged already."]

    # Acknowledged alerts stay active: higher water does not open a second one.
    services.evaluate_new_observations(gauge.pk, [observe(gauge, minutes_ago(now, 5), 430)])
    assert Alert.objects.filter(rule=rule).count() == 1

    services.close(alert, department_admin, note="Handled by the flood defence team")
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert alert.closed_by == department_admin
    assert alert.close_reason == "Handled by the flood defence team"
    with pytest.raises(ValidationError) as error:
        services.close(alert, staff)
    assert error.value.messages == ["This alert is closed."]
    with pytest.raises(ValidationError) as error:
        services.acknowledge(alert, staff)
    assert error.value.messages == ["This alert is closed."]


def test_a_closed_by_hand_alert_reopens_only_after_the_condition_cleared(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    services.evaluate_new_observations(gauge.pk, [observe(gauge, minutes_ago(now, 60), 410)])
    services.close(Alert.objects.get(rule=rule), staff)

    still_high = [observe(gauge, minutes_ago(now, 45), 415)]
    assert services.evaluate_new_observations(gauge.pk, still_high).opened == []
    cleared = [observe(gauge, minutes_ago(now, 30), 380)]
    assert services.evaluate_new_observations(gauge.pk, cleared).closed == []
    again = [observe(gauge, minutes_ago(now, 15), 402)]
    assert len(services.evaluate_new_observations(gauge.pk, again).opened) == 1
    assert list(Alert.objects.filter(rule=rule).values_list("status", flat=True)) == [
        "open",
        "closed",
    ]


def test_the_database_refuses_a_second_active_alert_of_a_rule(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    Alert.objects.create(rule=rule, opened_at=now, status="acknowledged")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(rule=rule, opened_at=now)
    Alert.objects.create(rule=rule, opened_at=now, status="closed")
    assert Alert.objects.filter(rule=rule).count() == 2


def test_a_new_rule_starts_from_the_recent_data(staff, gauge, now):
    observe(gauge, minutes_ago(now, 30), 380)
    observe(gauge, minutes_ago(now, 15), 408)

    rule = alarm_rule(staff, gauge)

    alert = Alert.objects.get(rule=rule)
    assert (alert.status, alert.trigger_value) == ("open", 408)
    assert rule.state["last_time"] == minutes_ago(now, 15).isoformat()
    assert Notification.objects.filter(recipient=staff).count() == 1


def test_a_rain_rule_starts_with_the_last_hour(staff, gauge, now):
    for minutes, amount in [(80, 30), (50, 9), (30, 9), (10, 9)]:
        observe(gauge, minutes_ago(now, minutes), amount)
    rule = services.create_rule(
        staff,
        gauge,
        name="Heftiger Starkregen",
        kind="rolling_sum",
        parameters={"limit": 25, "window_minutes": 60},
    )
    alert = Alert.objects.get(rule=rule)
    # The 30 mm 80 minutes ago fell before the last hour; 27 mm fell within it.
    assert (alert.opened_at, alert.trigger_value) == (minutes_ago(now, 10), 27)
    assert alert.reason == "Sum over 60 minutes is 27, more than 25."


def test_old_data_is_recorded_but_nobody_is_notified(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    two_days_ago = now - timedelta(days=2)
    samples = [
        observe(gauge, two_days_ago, 450),
        observe(gauge, two_days_ago + timedelta(hours=1), 300),
    ]

    outcome = services.evaluate_new_observations(gauge.pk, samples)

    assert len(outcome.opened) == len(outcome.closed) == 1
    assert list(Alert.objects.filter(rule=rule).values_list("status", flat=True)) == ["closed"]
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_information_rules_notify_in_the_inbox_only(staff, gauge, now):
    alarm_rule(staff, gauge, severity="info")
    services.evaluate_new_observations(gauge.pk, [observe(gauge, now, 401)])
    assert Notification.objects.get(recipient=staff).title == "Alert (Info): Elbe Alarmstufe 1"
    assert mail.outbox == []


def test_further_recipients_are_notified_and_may_see_but_not_handle_the_alert(
    staff, department, other_department, gauge, now
):
    engineer = make_user("floodtwin@example.org", language="en")
    Membership.objects.create(user=engineer, organisation=other_department)
    rule = alarm_rule(staff, gauge, notify_organisation=False, recipients=[engineer])
    services.evaluate_new_observations(gauge.pk, [observe(gauge, now, 401)])
    alert = Alert.objects.get(rule=rule)

    assert list(Notification.objects.values_list("recipient__email", flat=True)) == [
        "floodtwin@example.org"
    ]
    assert list(services.visible_alerts(engineer)) == [alert]
    assert can(engineer, "view", alert)
    assert not can(engineer, "view", rule)
    with pytest.raises(PermissionDenied):
        services.acknowledge(alert, engineer)


def test_non_numeric_results_and_inactive_rules_are_skipped(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    assert services.evaluate_new_observations(gauge.pk, [(now, "high"), (now, True)]).opened == []
    services.update_rule(staff, rule, is_active=False)
    assert services.evaluate_new_observations(gauge.pk, [(now, 500.0)]).opened == []
    assert Alert.objects.count() == 0


def test_changing_a_rule_closes_its_alert_and_starts_afresh(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    services.evaluate_new_observations(gauge.pk, [observe(gauge, minutes_ago(now, 5), 405)])

    services.update_rule(staff, rule, parameters={"level": 410})

    alert = Alert.objects.get(rule=rule)
    assert alert.status == "closed"
    assert alert.close_reason == "The rule was changed."
    assert alert.closed_by == staff
    rule.refresh_from_db()
    assert rule.parameters == {"direction": "above", "level": 410.0, "hysteresis": 0.0}
    assert rule.state["open"] is False  # 405 is below the new level
    # Renaming changes nothing about the alerts.
    services.update_rule(staff, rule, name="Elbe: Alarmstufe 1 (4 m)")
    assert Alert.objects.filter(rule=rule).count() == 1


def test_deleting_a_rule_takes_its_alerts(department_admin, gauge, now):
    rule = alarm_rule(department_admin, gauge)
    services.evaluate_new_observations(gauge.pk, [observe(gauge, now, 405)])
    services.delete_rule(department_admin, rule)
    assert AlertRule.objects.count() == Alert.objects.count() == 0


# --- Background tasks ----------------------------------------------------------------------


def test_the_ingest_task_reads_what_the_rules_have_not_seen(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    observe(gauge, minutes_ago(now, 30), 395)
    observe(gauge, minutes_ago(now, 20), 401)
    observe(gauge, minutes_ago(now, 10), 385)

    result = tasks.evaluate_datastream.enqueue(gauge.pk, minutes_ago(now, 30).isoformat())

    assert result.return_value == {"opened": 1, "closed": 1}
    alert = Alert.objects.get(rule=rule)
    assert (alert.opened_at, alert.closed_at) == (minutes_ago(now, 20), minutes_ago(now, 10))
    # Nothing new: nothing happens.
    again = tasks.evaluate_datastream.enqueue(gauge.pk, minutes_ago(now, 30).isoformat())
    assert again.return_value == {"opened": 0, "closed": 0}


def test_catching_up_in_small_batches_gives_the_same_alerts(staff, gauge, now, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    rule = services.create_rule(
        staff,
        gauge,
        name="Three in a row",
        kind="consecutive",
        parameters={"level": 400, "count": 3},
    )
    for minutes, value in [(60, 401), (50, 402), (40, 399), (40, 403), (30, 404), (20, 300)]:
        observe(gauge, minutes_ago(now, minutes), value)

    result = tasks.evaluate_datastream.enqueue(gauge.pk)

    # Two values 40 minutes ago, in one batch: the one stored last (403) counts and makes
    # the third in a row.
    assert result.return_value == {"opened": 1, "closed": 1}
    alert = Alert.objects.get(rule=rule)
    assert (alert.opened_at, alert.trigger_value) == (minutes_ago(now, 40), 403)
    assert alert.closed_at == minutes_ago(now, 20)


def test_a_bad_time_for_the_task_is_an_error(gauge):
    with pytest.raises(ValueError, match="ISO 8601"):
        tasks.evaluate_datastream.call(gauge.pk, "yesterday")


def test_staleness_opens_when_the_gauge_falls_silent_and_closes_on_data(staff, gauge, now):
    observe(gauge, minutes_ago(now, 20), 300)
    rule = services.create_rule(
        staff, gauge, name="Pegel silent", kind="staleness", parameters={"minutes": 30}
    )
    assert services.evaluate_staleness(now).opened == []

    outcome = services.evaluate_staleness(now + timedelta(minutes=11))

    alert = Alert.objects.get(rule=rule)
    assert outcome.opened == [alert]
    assert alert.opened_at == now + timedelta(minutes=11)
    assert alert.reason.startswith("No data for more than 30 minutes; the latest value is from ")
    assert services.evaluate_staleness(now + timedelta(minutes=20)).opened == []
    assert Notification.objects.filter(recipient=staff).count() == 1

    services.evaluate_new_observations(gauge.pk, [observe(gauge, now + timedelta(minutes=25), 301)])
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert alert.close_reason == "Data arrived again after a gap of 45 minutes."


def test_the_staleness_task_closes_rain_alerts_when_the_rain_stopped(staff, gauge, now):
    rule = services.create_rule(
        staff,
        gauge,
        name="Starkregen",
        kind="rolling_sum",
        parameters={"limit": 15, "window_minutes": 60},
    )
    services.evaluate_new_observations(gauge.pk, [observe(gauge, minutes_ago(now, 65), 20)])
    assert Alert.objects.get(rule=rule).status == "open"

    result = tasks.evaluate_staleness_task.enqueue()

    assert result.return_value == {"opened": 0, "closed": 1}
    alert = Alert.objects.get(rule=rule)
    assert alert.closed_at == minutes_ago(now, 5)
    assert alert.close_reason == "Sum over 60 minutes fell to 0, below 15."


# --- Permissions and validation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("citizen", False),
        ("staff", True),
        ("department_admin", True),
        ("platform_admin", True),
    ],
)
def test_who_may_create_a_rule(users, department, gauge, role, allowed):
    user = users[role]
    if allowed:
        rule = alarm_rule(user, gauge, organisation=department)
        assert rule.created_by == user
    else:
        with pytest.raises(PermissionDenied):
            alarm_rule(user, gauge, organisation=department)
        assert AlertRule.objects.count() == 0


def test_staff_create_rules_for_their_own_organisation_only(staff, department, other_department):
    other_gauge = make_datastream(other_department, name="Pegel Pirna")
    # Reading a public gauge of another department is fine: the rule is the Umweltamt's.
    rule = alarm_rule(staff, other_gauge)
    assert rule.organisation == department
    with pytest.raises(PermissionDenied):
        alarm_rule(staff, other_gauge, organisation=other_department)
    private = make_datastream(other_department, name="Klinikum", private=True)
    with pytest.raises(PermissionDenied):
        alarm_rule(staff, private)


@pytest.mark.parametrize(
    ("role", "view", "change", "delete"),
    [
        ("anonymous", False, False, False),
        ("citizen", False, False, False),
        ("staff", True, True, False),
        ("department_admin", True, True, True),
        ("platform_admin", True, True, True),
        ("other_staff", False, False, False),
    ],
)
def test_rule_and_alert_permissions(
    users, staff, gauge, other_department, now, role, view, change, delete
):
    if role == "other_staff":
        users[role] = make_user("other@example.org")
        Membership.objects.create(user=users[role], organisation=other_department)
    rule = alarm_rule(staff, gauge)
    services.evaluate_new_observations(gauge.pk, [observe(gauge, now, 410)])
    alert = Alert.objects.get()
    user = users[role]

    assert (can(user, "view", rule), can(user, "change", rule)) == (view, change)
    assert can(user, "delete", rule) == delete
    assert (can(user, "view", alert), can(user, "change", alert)) == (view, change)
    assert (alert in services.visible_alerts(user)) == view
    assert (rule in services.visible_rules(user)) == view
    if change:
        services.acknowledge(alert, user)
        assert Alert.objects.get().status == "acknowledged"
    else:
        with pytest.raises(PermissionDenied):
            services.acknowledge(alert, user)
    if delete:
        services.delete_rule(user, rule)
        assert not AlertRule.objects.exists()
    else:
        with pytest.raises(PermissionDenied):
            services.delete_rule(user, rule)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"parameters": {}}, {"parameters": ["The parameter level is required."]}),
        (
            {"parameters": {"level": 400, "hysteresis": -5}},
            {"parameters": ["The parameter hysteresis must not be negative."]},
        ),
        ({"kind": "flood"}, {"kind": ["Value 'flood' is not a valid choice."]}),
        ({"name": ""}, {"name": ["This field cannot be blank."]}),
        ({"severity": "panic"}, {"severity": ["Value 'panic' is not a valid choice."]}),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_message(staff, gauge, fields, errors):
    with pytest.raises(ValidationError) as error:
        alarm_rule(staff, gauge, **fields)
    assert error.value.message_dict == errors
    assert AlertRule.objects.count() == 0


def test_reasons_are_shown_with_the_readers_number_format(staff, gauge, now):
    alarm_rule(staff, gauge, parameters={"level": 400.5})
    services.evaluate_new_observations(gauge.pk, [observe(gauge, now, 401.25)])
    alert = Alert.objects.get()
    with translation.override("de"):
        assert "401,25" in alert.reason
        assert "400,5" in alert.reason
    assert alert.reason == "Value 401.25 is above the level 400.5."


def test_recipients_must_be_able_to_read_the_data(staff, department, other_department, citizen):
    private = make_datastream(department, name="Klinikum", private=True)
    with pytest.raises(ValidationError) as error:
        alarm_rule(staff, private, recipients=[citizen])
    assert error.value.message_dict == {
        "recipients": [
            "citizen@example.org cannot receive these alerts: the account is inactive or "
            "may not read this sensor's data."
        ]
    }


def test_members_of_several_organisations_must_choose_one(staff, other_department, gauge):
    Membership.objects.create(user=staff, organisation=other_department)
    with pytest.raises(ValidationError) as error:
        alarm_rule(staff, gauge)
    assert error.value.message_dict == {
        "organisation": ["Choose the organisation that owns this rule."]
    }
    assert alarm_rule(staff, gauge, organisation=other_department).organisation == other_department


def test_staff_writes_are_audited(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    services.evaluate_new_observations(gauge.pk, [observe(gauge, now, 410)])
    services.acknowledge(Alert.objects.get(), staff, note="Seen")

    entries = AuditEntry.objects.filter(actor=staff).order_by("pk")
    assert [(e.content_type.model, e.action) for e in entries] == [
        ("alertrule", "create"),
        ("alert", "update"),
    ]
    assert entries[0].after["name"] == rule.name
    assert entries[1].before["status"] == "open"
    assert entries[1].after["status"] == "acknowledged"


def test_switching_a_rule_off_closes_its_alert(staff, gauge, now):
    rule = alarm_rule(staff, gauge)
    services.evaluate_new_observations(gauge.pk, [observe(gauge, now, 405)])
    services.update_rule(staff, rule, is_active=False)
    alert = Alert.objects.get(rule=rule)
    assert (alert.status, alert.close_reason) == ("closed", "The rule was switched off.")
    assert rule.state == {"open": False, "last_time": None, "value": None}
    # Switched on again, it reads the recent data and opens anew.
    services.update_rule(staff, rule, is_active=True)
    assert list(Alert.objects.filter(rule=rule).values_list("status", flat=True)) == [
        "open",
        "closed",
    ]
