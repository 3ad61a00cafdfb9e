"""A real third-party SensorThings client, frost-sta-client, against the running service.

Fraunhofer IOSB's Python client (the one FROST-Server users script with) talks HTTP to
Django's live server with a platform token as HTTP Basic password: deep insert, find,
update, JSON-Patch, $filter, CreateObservations from a DataArrayDocument, reading the
Observations back, and delete.
"""

import frost_sta_client as fsc
import geojson
import pytest
import requests

from smartcity.sensors import access
from smartcity.sensors import models as m

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The client's URL library warns about its own deprecated attribute, which the client uses.
    pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning"),
]

UNIT = fsc.UnitOfMeasurement(
    name="degree Celsius",
    symbol="°C",
    definition="http://unitsofmeasure.org/ucum.html#para-30",
)


@pytest.fixture
def service(live_server):
    _token, secret = access.issue_token("frost-sta-client")
    return fsc.SensorThingsService(
        f"{live_server.url}/sta/v1.1",
        auth_handler=fsc.AuthHandler(username="client", password=secret),
    )


def _station() -> fsc.Thing:
    location = fsc.Location(
        name="Altmarkt",
        description="Market square",
        encoding_type="application/geo+json",
        location=geojson.Point((13.7373, 51.0504)),
    )
    datastream = fsc.Datastream(
        name="Air temperature at Altmarkt",
        description="Ten-minute values",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement=UNIT,
        sensor=fsc.Sensor(
            name="DS18B20",
            description="Air temperature sensor",
            encoding_type="application/pdf",
            metadata="http://datasheets.maxim-ic.com/en/ds/DS18B20.pdf",
        ),
        observed_property=fsc.ObservedProperty(
            name="Air temperature",
            definition="http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/",
            description="Temperature of the air",
        ),
    )
    return fsc.Thing(
        name="Weather station Altmarkt",
        description="Roof of the Kulturpalast",
        properties={"district": "Altstadt"},
        locations=[location],
        datastreams=[datastream],
    )


def test_round_trip_with_frost_sta_client(service, live_server):
    # Deep insert: a Thing with its Location and a Datastream with Sensor and property.
    thing = _station()
    service.create(thing)
    assert isinstance(thing.id, int)
    stored = m.Thing.objects.get(pk=thing.id)
    assert stored.locations.get().location == {"type": "Point", "coordinates": [13.7373, 51.0504]}

    # Find it again.
    found = service.things().find(thing.id)
    assert found.name == "Weather station Altmarkt"
    assert found.properties == {"district": "Altstadt"}
    [location] = found.get_locations().query().list()
    assert location.name == "Altmarkt"
    [datastream] = found.get_datastreams().query().list()
    assert datastream.unit_of_measurement.symbol == "°C"

    # Update it: PUT of the whole entity, then a JSON-Patch.
    found.description = "Roof of the Kulturpalast, 25 m"
    service.update(found)
    service.patch(found, [{"op": "add", "path": "/properties/height_m", "value": 25}])
    found = service.things().find(thing.id)
    assert found.description == "Roof of the Kulturpalast, 25 m"
    assert found.properties == {"district": "Altstadt", "height_m": 25}

    # Query with $filter.
    service.create(fsc.Thing(name="Pegel Dresden", description="Elbe water level"))
    matches = service.things().query().filter("startswith(name, 'Weather')").list()
    assert [t.id for t in matches] == [thing.id]
    counted = service.things().query().count().list()
    assert counted.count == 2

    # CreateObservations from a data array.
    values = fsc.DataArrayValue()
    values.datastream = datastream
    values.components = {
        fsc.DataArrayValue.Property.PHENOMENON_TIME,
        fsc.DataArrayValue.Property.RESULT,
    }
    for hour, result in ((10, 20.5), (11, 21.25), (12, 19.75)):
        values.add_observation(
            fsc.Observation(
                phenomenon_time=f"2024-05-01T{hour}:00:00Z", result=result, datastream=datastream
            )
        )
    document = fsc.DataArrayDocument()
    document.add_data_array_value(values)
    created = service.observations().create(document)
    assert len(created) == 3
    assert all(o.self_link.startswith(f"{live_server.url}/sta/v1.1/Observations(") for o in created)

    # Read them back, in time order.
    observations = list(
        datastream.get_observations().query().orderby("phenomenonTime", "asc").list()
    )
    assert [o.result for o in observations] == [20.5, 21.25, 19.75]
    assert observations[0].phenomenon_time == "2024-05-01T10:00:00Z"
    [stream] = m.Datastream.objects.filter(pk=datastream.id)
    assert stream.observations.count() == 3

    # Delete the Thing: its Datastream and Observations go with it.
    service.delete(found)
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        service.things().find(thing.id)
    assert raised.value.response.status_code == 404
    assert not m.Datastream.objects.filter(pk=datastream.id).exists()
    assert not m.Observation.objects.exists()


def test_the_client_without_credentials_cannot_write(live_server):
    anonymous = fsc.SensorThingsService(f"{live_server.url}/sta/v1.1")
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        anonymous.create(fsc.Thing(name="x", description="y"))
    assert raised.value.response.status_code == 401
    assert raised.value.response.headers["WWW-Authenticate"] == 'Basic realm="SensorThings", Bearer'
    assert not m.Thing.objects.exists()
