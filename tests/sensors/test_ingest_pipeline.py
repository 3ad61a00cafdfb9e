"""One ingest request keeps everything downstream current: aggregates and alert rules."""

from datetime import UTC, datetime, timedelta

import pytest

from smartcity.core.accounts.models import Membership
from smartcity.sensors import models as m
from smartcity.sensors.alerting.models import Alert
from smartcity.sensors.alerting.services import create_rule
from smartcity.sensors.sta import write
from smartcity.sensors.timeseries.models import ObservationAggregate

pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def gauge(department):
    thing = write.create(
        "Things",
        {
            "name": "Pegel Dresden",
            "description": "Elbe",
            "Locations": [
                {
                    "name": "Augustusbrücke",
                    "description": "Pegel",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.7388, 51.0545]},
                }
            ],
            "Datastreams": [
                {
                    "name": "Wasserstand",
                    "description": "cm",
                    "observationType": m.OM_MEASUREMENT,
                    "unitOfMeasurement": {"name": "cm", "symbol": "cm", "definition": "ucum:cm"},
                    "Sensor": {
                        "name": "Radar",
                        "description": "",
                        "encodingType": "text/plain",
                        "metadata": "-",
                    },
                    "ObservedProperty": {
                        "name": "Wasserstand",
                        "description": "",
                        "definition": "https://example.org/level",
                    },
                }
            ],
        },
    )
    m.Thing.objects.filter(pk=thing.pk).update(organisation=department)
    return thing.datastreams.get()


def send(datastream, values):
    rows = [[(START + timedelta(minutes=10 * i)).isoformat(), v] for i, v in enumerate(values)]
    payload = [
        {
            "Datastream": {"@iot.id": datastream.pk},
            "components": ["phenomenonTime", "result"],
            "dataArray": rows,
        }
    ]
    return write.create_observations(payload, base_url="http://testserver/sta/v1.1")


def test_ingest_refreshes_hourly_and_daily_aggregates(gauge):
    send(gauge, [100, 110, 120, 130, 140, 150, 160])  # 10:00 .. 11:00
    hourly = {
        a.bucket_start: (a.count, a.minimum, a.maximum)
        for a in ObservationAggregate.objects.filter(datastream=gauge, period="hour")
    }
    assert hourly == {
        START: (6, 100.0, 150.0),
        START + timedelta(hours=1): (1, 160.0, 160.0),
    }
    daily = ObservationAggregate.objects.get(datastream=gauge, period="day")
    assert daily.count == 7 and daily.total == pytest.approx(910.0)


def test_ingest_opens_an_alert_when_a_rule_trips(gauge, staff, department):
    assert Membership.objects.filter(user=staff, organisation=department).exists()
    create_rule(
        staff,
        gauge,
        name="Alarmstufe 1",
        kind="threshold",
        parameters={"level": 400, "hysteresis": 10},
    )
    send(gauge, [350, 380, 405])
    alert = Alert.objects.get()
    assert alert.status == "open" and alert.trigger_value == 405.0
