"""Fixtures for the MQTT tests: a real Mosquitto broker (never a mock), a station with a
Datastream and a MultiDatastream, a running consumer, an MQTT client.

The broker is ``MQTT_TEST_URL`` or ``mqtt://127.0.0.1:1883``. A test that finds no broker
fails: the MQTT extension is tested against a real one or not at all.
"""

import socket

import pytest

from smartcity.sensors import access
from smartcity.sensors import models as m
from smartcity.sensors.mqtt.broker import parse_url
from smartcity.sensors.sta import write

from .helpers import Client, broker_url, new_consumer, running

UNIT = {"name": "degree Celsius", "symbol": "°C", "definition": "ucum:Cel"}
POINT = {"type": "Point", "coordinates": [13.7373, 51.0504]}


@pytest.fixture
def broker(settings):
    """The test broker, set as ``MQTT_URL``; fails the test when it cannot be reached."""
    url = broker_url()
    target = parse_url(url)
    try:
        socket.create_connection((target.host, target.port), timeout=5).close()
    except OSError as problem:
        pytest.fail(
            f"no MQTT broker at {url} ({problem}); start Mosquitto "
            "(mosquitto -d -c /etc/mosquitto/mosquitto.conf) or set MQTT_TEST_URL"
        )
    settings.MQTT_URL = url
    settings.MQTT_REQUIRE_TOKEN = True
    return url


@pytest.fixture
def station(db, department):
    """A Thing with a Location, a Datastream and a MultiDatastream, and a token for it."""
    thing = write.create(
        "Things",
        {
            "name": "Weather station Altmarkt",
            "description": "Roof",
            "Locations": [
                {
                    "name": "Altmarkt",
                    "description": "Market square",
                    "encodingType": "application/geo+json",
                    "location": POINT,
                }
            ],
            "Datastreams": [
                {
                    "name": "Air temperature",
                    "description": "Ten-minute values",
                    "observationType": m.OM_MEASUREMENT,
                    "unitOfMeasurement": UNIT,
                    "Sensor": {
                        "name": "PT100",
                        "description": "",
                        "encodingType": "text/plain",
                        "metadata": "-",
                    },
                    "ObservedProperty": {
                        "name": "Air temperature",
                        "description": "",
                        "definition": "https://example.org/air-temperature",
                    },
                }
            ],
        },
    )
    m.Thing.objects.filter(pk=thing.pk).update(organisation=department)
    datastream = thing.datastreams.get()
    multi = write.create(
        "MultiDatastreams",
        {
            "name": "Wind",
            "description": "Speed and direction",
            "observationType": m.OM_COMPLEX,
            "multiObservationDataTypes": [m.OM_MEASUREMENT, m.OM_MEASUREMENT],
            "unitOfMeasurements": [
                {"name": "metre per second", "symbol": "m/s", "definition": "ucum:m/s"},
                {"name": "degree", "symbol": "°", "definition": "ucum:deg"},
            ],
            "Thing": {"@iot.id": thing.pk},
            "Sensor": {"@iot.id": datastream.sensor_id},
            "ObservedProperties": [
                {"name": "Wind speed", "description": "", "definition": "https://example.org/ws"},
                {"name": "Wind direction", "description": "", "definition": "https://e.org/wd"},
            ],
        },
    )
    feature = write.create(
        "FeaturesOfInterest",
        {
            "name": "Altmarkt",
            "description": "Market square",
            "encodingType": "application/geo+json",
            "feature": POINT,
        },
    )
    _token, secret = access.issue_token("station", thing=thing)
    return {
        "thing": m.Thing.objects.get(pk=thing.pk),
        "datastream": datastream,
        "multi": multi,
        "feature": feature,
        "token": secret,
    }


@pytest.fixture
def consumer(broker):
    with running(new_consumer()) as started:
        yield started


@pytest.fixture
def mqtt_client(broker):
    started = Client(broker)
    yield started
    started.close()
