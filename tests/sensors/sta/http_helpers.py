"""Small helpers for the tests of the SensorThings HTTP layer (/sta/v1.1/); the fixtures
are in ``http_fixtures.py``."""

import base64
import json

from smartcity.sensors import models as m
from smartcity.sensors.sta import write
from tests.sensors.sta.write_helpers import (
    datastream_payload,
    location_payload,
    property_payload,
    sensor_payload,
)

ROOT = "/sta/v1.1"
BASE = "http://testserver/sta/v1.1"


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def basic(secret: str, user: str = "logger") -> dict:
    encoded = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {encoded}"}


def send(client, method: str, path: str, body=None, *, content_type="application/json", **extra):
    """A request with a JSON body (or raw bytes/str) to a path below the service root."""
    data = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
    call = getattr(client, method.lower())
    if data is None:
        return call(f"{ROOT}/{path}", **extra)
    return call(f"{ROOT}/{path}", data=data, content_type=content_type, **extra)


def new_station(organisation=None, *, name="Weather station", private=False):
    """A Thing with a Location and a Datastream (Sensor, ObservedProperty) with 3 values."""
    thing = write.create(
        "Things",
        {
            "name": name,
            "description": "A weather station",
            "properties": {"district": "Altstadt"},
            "Locations": [location_payload()],
            "Datastreams": [
                datastream_payload(Sensor=sensor_payload(), ObservedProperty=property_payload())
            ],
        },
    )
    m.Thing.objects.filter(pk=thing.pk).update(organisation=organisation, is_private=private)
    thing.refresh_from_db()
    stream = thing.datastreams.get()
    for hour, value in ((10, 20.5), (11, 21.0), (12, 19.5)):
        write.create(
            "Observations",
            {
                "phenomenonTime": f"2024-05-01T{hour}:00:00Z",
                "result": value,
                "Datastream": {"@iot.id": stream.pk},
            },
        )
    return thing
