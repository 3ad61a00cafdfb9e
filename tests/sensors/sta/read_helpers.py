"""A small sensor network and a client-like reader for the read-engine tests."""

from urllib.parse import urlsplit

from django.http import QueryDict

from smartcity.sensors import models as m
from smartcity.sensors.odata import parse_query_options
from smartcity.sensors.sta import write
from smartcity.sensors.sta.entities import ENTITY_SETS
from smartcity.sensors.sta.reading import read_collection, read_entity

BASE = "http://testserver/sta/v1.1"
ALTMARKT = {"type": "Point", "coordinates": [13.7373, 51.0504]}
ZWINGER = {"type": "Point", "coordinates": [13.7340, 51.0530]}
KLINIKUM = {"type": "Point", "coordinates": [13.7800, 51.0560]}
CELSIUS = {"name": "degree Celsius", "symbol": "°C", "definition": "ucum:Cel"}
KWH = {"name": "kilowatt hour", "symbol": "kW.h", "definition": "ucum:kW.h"}
STATE = {"name": "state", "symbol": None, "definition": None}


def options(query: str = ""):
    return parse_query_options(QueryDict(query))


def get(entity_set: str, query: str = "", *, user=None, queryset=None, path=None):
    """What a client reads from ``/sta/v1.1/<entity_set>?<query>``."""
    es = ENTITY_SETS[entity_set]
    return read_collection(
        es.model.objects.all() if queryset is None else queryset,
        es,
        options(query),
        base_url=BASE,
        request_path=path or f"/sta/v1.1/{entity_set}",
        user=user,
    )


def get_one(entity, query: str = "", *, user=None):
    es = next(e for e in ENTITY_SETS.values() if isinstance(entity, e.model))
    return read_entity(entity, es, options(query), base_url=BASE, user=user)


def follow(link: str, *, user=None):
    """The page a next link points to (a top-level collection link)."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == "http://testserver"
    entity_set = parts.path.removeprefix("/sta/v1.1/")
    return get(entity_set, parts.query, user=user, path=parts.path)


def names(body) -> list[str]:
    return [item["name"] for item in body["value"]]


def location(name, geometry):
    return {
        "name": name,
        "description": f"{name} in Dresden",
        "encodingType": "application/geo+json",
        "location": geometry,
    }


def datastream(name, thing, *, unit=CELSIUS, sensor="DS18B20", prop="Air temperature", **extra):
    sensor_ = m.Sensor.objects.filter(name=sensor).first()
    prop_ = m.ObservedProperty.objects.filter(name=prop).first()
    return write.create(
        "Datastreams",
        {
            "name": name,
            "description": f"{name} values",
            "observationType": m.OM_MEASUREMENT,
            "unitOfMeasurement": unit,
            "Thing": {"@iot.id": thing.pk},
            "Sensor": {"@iot.id": sensor_.pk}
            if sensor_
            else {
                "name": sensor,
                "description": f"{sensor} sensor",
                "encodingType": "application/pdf",
                "metadata": f"https://example.org/{sensor}.pdf",
            },
            "ObservedProperty": {"@iot.id": prop_.pk}
            if prop_
            else {
                "name": prop,
                "description": f"The {prop.lower()}",
                "definition": f"https://example.org/{prop.replace(' ', '')}",
            },
            **extra,
        },
    )


def observe(stream, result, time, **extra):
    return write.create(
        "Observations",
        {"phenomenonTime": time, "result": result, "Datastream": {"@iot.id": stream.pk}, **extra},
    )


def wind(name, thing, time):
    """A MultiDatastream of wind speed and direction on ``thing`` with one observation
    (3.5 m/s from 270 degrees) at ``time``."""
    multi = write.create(
        "MultiDatastreams",
        {
            "name": name,
            "description": "Speed and direction",
            "multiObservationDataTypes": [m.OM_MEASUREMENT, m.OM_MEASUREMENT],
            "unitOfMeasurements": [
                {"name": "metre per second", "symbol": "m/s", "definition": "ucum:m/s"},
                {"name": "degree", "symbol": "deg", "definition": "ucum:deg"},
            ],
            "Thing": {"@iot.id": thing.pk},
            "Sensor": {"@iot.id": m.Sensor.objects.get(name="DS18B20").pk},
            "ObservedProperties": [
                {"name": "Wind speed", "description": "speed", "definition": "ucum:speed"},
                {"name": "Wind direction", "description": "from", "definition": "ucum:dir"},
            ],
        },
    )
    write.create(
        "Observations",
        {"phenomenonTime": time, "result": [3.5, 270], "MultiDatastream": {"@iot.id": multi.pk}},
    )
    return multi


def network(department):
    """Two public Things and one private Thing of ``department`` with their data.

    Altmarkt: air temperature 18.5, 21.0, 23.5 (10:00, 11:00, 12:00 on 2024-05-01) and a
    door state (true/false) and a status text ("ok", "maintenance").
    Zwinger: air temperature 19.0 (interval 10:00/10:30) and a JSON result.
    Klinikum (private): energy 1200 and 1350 kWh, its own Location, Sensor and property.
    """
    altmarkt = write.create(
        "Things",
        {
            "name": "Weather station Altmarkt",
            "description": "On the roof of the old town hall",
            "properties": {"owner": {"email": "umwelt@dresden.de"}, "floor": 3, "active": True},
            "Locations": [location("Altmarkt", ALTMARKT)],
        },
    )
    zwinger = write.create(
        "Things",
        {
            "name": "Weather station Zwinger",
            "description": "In the Zwinger garden",
            "properties": {"owner": {"email": "garten@dresden.de"}, "floor": "ground"},
            "Locations": [location("Zwinger", ZWINGER)],
        },
    )
    klinikum = write.create(
        "Things",
        {
            "name": "Stromzähler Klinikum",
            "description": "Main meter of the hospital",
            "properties": {"owner": {"email": "technik@klinikum.de"}, "floor": -1},
            "Locations": [location("Klinikum Keller", KLINIKUM)],
        },
    )
    m.Thing.objects.filter(pk=klinikum.pk).update(is_private=True, organisation=department)
    klinikum.refresh_from_db()
    temperature = datastream("Air temperature Altmarkt", altmarkt)
    door = datastream(
        "Door Altmarkt", altmarkt, unit=STATE, sensor="Reed contact", prop="Door state"
    )
    status = datastream("Status Altmarkt", altmarkt, unit=STATE, sensor="Controller", prop="Status")
    zwinger_temperature = datastream("Air temperature Zwinger", zwinger)
    energy = datastream(
        "Energy Klinikum", klinikum, unit=KWH, sensor="Meter EMH", prop="Electric energy"
    )
    for value, hour in ((18.5, 10), (21.0, 11), (23.5, 12)):
        observe(temperature, value, f"2024-05-01T{hour}:00:00Z")
    observe(door, True, "2024-05-01T10:00:00Z")
    observe(door, False, "2024-05-01T11:00:00Z", resultTime="2024-05-01T11:00:05Z")
    observe(status, "ok", "2024-05-01T10:00:00Z")
    observe(status, "maintenance", "2024-05-01T12:00:00Z", parameters={"by": "Team Nord"})
    observe(zwinger_temperature, 19.0, "2024-05-01T10:00:00Z/2024-05-01T10:30:00Z")
    observe(zwinger_temperature, {"min": 17, "max": 21}, "2024-05-01T11:00:00Z")
    observe(energy, 1200, "2024-05-01T10:00:00Z")
    observe(energy, 1350, "2024-05-01T11:00:00Z")
    return {
        "altmarkt": altmarkt,
        "zwinger": zwinger,
        "klinikum": klinikum,
        "temperature": temperature,
        "door": door,
        "status": status,
        "zwinger_temperature": zwinger_temperature,
        "energy": energy,
    }
