"""Datastreams and Observations made through the ORM, independent of the write path."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from smartcity.sensors import models as m

UNIT = {"name": "degree Celsius", "symbol": "°C", "definition": "ucum:Cel"}
POINT = {"type": "Point", "coordinates": [13.7373, 51.0504]}


def make_stream(name="Air temperature", *, retention_days=None, thing=None, private=False):
    thing = thing or m.Thing.objects.create(name=f"Station {name}", is_private=private)
    sensor = m.Sensor.objects.create(name="DS18B20", encoding_type="text/html", metadata="-")
    prop = m.ObservedProperty.objects.create(name=name, definition="http://example.org/air")
    return m.Datastream.objects.create(
        name=name,
        thing=thing,
        sensor=sensor,
        observed_property=prop,
        unit_of_measurement=UNIT,
        retention_days=retention_days,
    )


def feature():
    found = m.FeatureOfInterest.objects.filter(name="Altmarkt").first()
    return found or m.FeatureOfInterest.objects.create(name="Altmarkt", feature=POINT)


def observation(stream, moment, value, *, multi=None, foi=None):
    row = m.Observation(
        datastream=None if multi else stream,
        multi_datastream=multi,
        feature_of_interest=foi or feature(),
        phenomenon_time_start=moment,
    )
    row.set_result(value)
    return row


def add(stream, points):
    """Store ``(time, value)`` pairs; values of any SensorThings result type."""
    foi = feature()
    return m.Observation.objects.bulk_create(
        [observation(stream, moment, value, foi=foi) for moment, value in points]
    )


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def stream(db):
    return make_stream()


@pytest.fixture(autouse=True)
def _english():
    """The platform speaks German first; these tests read the English messages."""
    with translation.override("en"):
        yield
