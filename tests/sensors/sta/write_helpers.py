"""Small payloads and factories shared by the write-path tests."""

from smartcity.sensors.sta import write

POINT = {"type": "Point", "coordinates": [13.7373, 51.0504]}
MOVED = {"type": "Point", "coordinates": [13.7500, 51.0600]}
UNIT = {
    "name": "degree Celsius",
    "symbol": "°C",
    "definition": "http://unitsofmeasure.org/ucum.html#para-30",
}


def location_payload(name="Altmarkt", geometry=POINT):
    return {
        "name": name,
        "description": "Market square",
        "encodingType": "application/geo+json",
        "location": geometry,
    }


def sensor_payload(name="DS18B20"):
    return {
        "name": name,
        "description": "Air temperature sensor",
        "encodingType": "application/pdf",
        "metadata": "http://datasheets.maxim-ic.com/en/ds/DS18B20.pdf",
    }


def property_payload(name="Air temperature"):
    return {
        "name": name,
        "description": "Temperature of the air",
        "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/",
    }


def datastream_payload(**links):
    return {
        "name": "Air temperature at Altmarkt",
        "description": "Ten-minute values",
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "unitOfMeasurement": UNIT,
        **links,
    }


def make_thing(*, located=True, name="Weather station"):
    payload = {"name": name, "description": "A weather station"}
    if located:
        payload["Locations"] = [location_payload()]
    return write.create("Things", payload)


def make_datastream(thing=None):
    thing = thing or make_thing()
    return write.create(
        "Datastreams",
        datastream_payload(
            Thing={"@iot.id": thing.pk},
            Sensor=sensor_payload(),
            ObservedProperty=property_payload(),
        ),
    )


def make_multi_datastream(thing=None):
    thing = thing or make_thing()
    return write.create(
        "MultiDatastreams",
        {
            "name": "Wind",
            "description": "Wind speed and direction",
            "multiObservationDataTypes": [
                "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            ],
            "unitOfMeasurements": [
                {"name": "metre per second", "symbol": "m/s", "definition": "ucum:m/s"},
                {"name": "degree", "symbol": "deg", "definition": "ucum:deg"},
            ],
            "Thing": {"@iot.id": thing.pk},
            "Sensor": sensor_payload("Anemometer"),
            "ObservedProperties": [
                property_payload("Wind speed"),
                property_payload("Wind direction"),
            ],
        },
    )


def observe(datastream, result, time="2024-05-01T10:00:00Z", **extra):
    return write.create(
        "Observations",
        {
            "phenomenonTime": time,
            "result": result,
            "Datastream": {"@iot.id": datastream.pk},
            **extra,
        },
    )
