"""Other apps (the flood twin, traffic management) learn about alerts from the event bus."""

from datetime import timedelta

import pytest
from django.utils import timezone

from smartcity.core import events
from smartcity.sensors.alerting import services
from smartcity.sensors.alerting.models import Alert
from tests.sensors.alerting.conftest import observe

EVENTS = ("sensors.alert.opened", "sensors.alert.acknowledged", "sensors.alert.closed")
received = []


def remember(event_type, payload):
    received.append((event_type, payload))


@pytest.fixture(autouse=True)
def _subscribed():
    received.clear()
    for event_type in EVENTS:
        events.subscribe(event_type, remember)
    yield
    for event_type in EVENTS:
        events._subscribers[event_type].remove("tests.sensors.alerting.test_events:remember")


@pytest.mark.django_db(transaction=True)
def test_opened_acknowledged_and_closed_are_announced_after_commit(staff, gauge):
    now = timezone.now().replace(microsecond=0)
    rule = services.create_rule(
        staff,
        gauge,
        name="Elbe Alarmstufe 2",
        kind="threshold",
        parameters={"level": 500, "hysteresis": 10},
        severity="critical",
    )
    services.evaluate_new_observations(gauge.pk, [observe(gauge, now - timedelta(minutes=15), 512)])
    alert = Alert.objects.get()
    common = {
        "alert_id": alert.pk,
        "rule_id": rule.pk,
        "rule_name": "Elbe Alarmstufe 2",
        "organisation_id": rule.organisation_id,
        "datastream_id": gauge.pk,
        "thing_id": gauge.thing_id,
        "kind": "threshold",
        "severity": "critical",
    }
    assert received == [
        (
            "sensors.alert.opened",
            common
            | {
                "status": "open",
                "value": 512.0,
                "time": (now - timedelta(minutes=15)).isoformat(),
                "reason": "Value 512 is above the level 500.",
                "historical": False,
            },
        )
    ]

    services.acknowledge(alert, staff, note="Krisenstab informiert")
    alert.refresh_from_db()
    assert received[1] == (
        "sensors.alert.acknowledged",
        common
        | {
            "status": "acknowledged",
            "value": 512.0,
            "time": alert.acknowledged_at.isoformat(),
            "reason": "Value 512 is above the level 500.",
            "note": "Krisenstab informiert",
        },
    )

    services.evaluate_new_observations(gauge.pk, [observe(gauge, now, 489.5)])
    assert received[2] == (
        "sensors.alert.closed",
        common
        | {
            "status": "closed",
            "value": 489.5,
            "time": now.isoformat(),
            "reason": "Value 489.5 is back below 490.",
            "historical": False,
        },
    )
    assert len(received) == 3


@pytest.mark.django_db(transaction=True)
def test_backfilled_alerts_are_marked_historical_and_manual_closes_say_so(staff, gauge):
    old = timezone.now().replace(microsecond=0) - timedelta(days=3)
    services.create_rule(
        staff, gauge, name="Alarmstufe 1", kind="threshold", parameters={"level": 400}
    )
    services.evaluate_new_observations(gauge.pk, [observe(gauge, old, 420)])
    assert [(event, payload["historical"]) for event, payload in received] == [
        ("sensors.alert.opened", True)
    ]

    services.close(Alert.objects.get(), staff, note="Backfill, long over")
    event, payload = received[1]
    assert event == "sensors.alert.closed"
    assert (payload["manual"], payload["note"], payload["reason"]) == (
        True,
        "Backfill, long over",
        "Backfill, long over",
    )


@pytest.mark.django_db(transaction=True)
def test_a_failed_evaluation_announces_nothing(staff, gauge, monkeypatch):
    services.create_rule(
        staff, gauge, name="Alarmstufe 1", kind="threshold", parameters={"level": 400}
    )

    def broken(*args, **kwargs):
        raise RuntimeError("notification store unavailable")

    monkeypatch.setattr(services.notifications, "notify_many", broken)
    with pytest.raises(RuntimeError):
        services.evaluate_new_observations(gauge.pk, [observe(gauge, timezone.now(), 420)])
    assert received == []
    assert Alert.objects.count() == 0
