"""Entity changes published for MQTT subscribers (OGC 18-088, 14.2) through Mosquitto."""

import json
import logging

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.mqtt import broker as mqtt_broker
from smartcity.sensors.sta import write

from .helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
STA = "/sta/v1.1"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def with_id(mqtt_client, topic: str) -> list[dict]:
    """Entities the server published on ``topic`` (sensors' raw readings have no id)."""
    return [body for body in mqtt_client.messages(topic) if "@iot.id" in body]


@pytest.fixture
def site(settings):
    # selfLinks over MQTT are built from SITE_URL; the test client's host is testserver.
    settings.SITE_URL = "http://testserver"


def test_an_observation_posted_over_http_is_published(station, site, mqtt_client, client):
    datastream = station["datastream"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    mqtt_client.subscribe(topic)

    response = client.post(
        f"{STA}/Observations",
        {
            "phenomenonTime": "2024-05-01T10:00:00Z",
            "result": 20.5,
            "Datastream": {"@iot.id": datastream.pk},
        },
        content_type="application/json",
        **bearer(station["token"]),
    )

    assert response.status_code == 201
    published = wait_until(lambda: mqtt_client.messages(topic))
    assert published == [response.json()]
    assert published[0]["result"] == 20.5
    assert published[0]["@iot.selfLink"] == (
        f"http://testserver/sta/v1.1/Observations({published[0]['@iot.id']})"
    )
    assert mqtt_client.received[0][2] == [("origin", "smartcity")]


def test_every_collection_of_a_new_observation_is_told(station, site, mqtt_client, client):
    datastream = station["datastream"]
    mqtt_client.subscribe("v1.1/#")

    response = client.post(
        f"{STA}/Datastreams({datastream.pk})/Observations",
        {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 1},
        content_type="application/json",
        **bearer(station["token"]),
    )

    body = response.json()
    feature = m.Observation.objects.get().feature_of_interest_id
    expected = {
        "v1.1/Observations",
        f"v1.1/Datastreams({datastream.pk})/Observations",
        f"v1.1/FeaturesOfInterest({feature})/Observations",
        # The FeatureOfInterest derived from the Thing's Location is new as well.
        "v1.1/FeaturesOfInterest",
    }
    wait_until(lambda: {topic for topic, _p, _u in mqtt_client.received} >= expected)
    topics = sorted(topic for topic, _payload, _user in mqtt_client.received)
    assert topics == sorted(expected)
    for name in expected - {"v1.1/FeaturesOfInterest"}:
        assert mqtt_client.messages(name) == [body]


def test_observations_of_create_observations_are_published(station, broker, mqtt_client):
    datastream = station["datastream"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    mqtt_client.subscribe(topic)

    links = write.create_observations(
        [
            {
                "Datastream": {"@iot.id": datastream.pk},
                "components": ["phenomenonTime", "result"],
                "dataArray": [["2024-05-01T10:00:00Z", 20.5], ["2024-05-01T10:10:00Z", 20.7]],
            }
        ],
        base_url="http://localhost:8000/sta/v1.1",
    )

    published = wait_until(
        lambda: len(mqtt_client.messages(topic)) == 2 and mqtt_client.messages(topic)
    )
    assert [(o["result"], o["phenomenonTime"]) for o in published] == [
        (20.5, "2024-05-01T10:00:00Z"),
        (20.7, "2024-05-01T10:10:00Z"),
    ]
    assert [o["@iot.selfLink"] for o in published] == list(links)


def test_an_update_is_published_on_the_entity_and_changed_property_topics(
    station, site, mqtt_client, client
):
    thing = station["thing"]
    mqtt_client.subscribe(f"v1.1/Things({thing.pk})/#")

    response = client.patch(
        f"{STA}/Things({thing.pk})",
        {"name": "Weather station Neumarkt"},
        content_type="application/json",
        **bearer(station["token"]),
    )

    assert response.status_code == 200
    wait_until(lambda: len(mqtt_client.received) >= 2)
    assert mqtt_client.messages(f"v1.1/Things({thing.pk})") == [response.json()]
    assert mqtt_client.messages(f"v1.1/Things({thing.pk})/name") == [
        {"name": "Weather station Neumarkt"}
    ]
    # Unchanged properties are not published.
    assert sorted(topic for topic, _p, _u in mqtt_client.received) == [
        f"v1.1/Things({thing.pk})",
        f"v1.1/Things({thing.pk})/name",
    ]


def test_a_new_datastream_is_published_in_its_things_collection(station, broker, mqtt_client):
    thing, sensor = station["thing"], station["datastream"].sensor
    mqtt_client.subscribe(f"v1.1/Things({thing.pk})/Datastreams")
    mqtt_client.subscribe(f"v1.1/Sensors({sensor.pk})/Datastreams")

    datastream = write.create(
        "Datastreams",
        {
            "name": "Humidity",
            "description": "",
            "observationType": m.OM_MEASUREMENT,
            "unitOfMeasurement": {"name": "percent", "symbol": "%", "definition": "ucum:%"},
            "Sensor": {"@iot.id": sensor.pk},
            "ObservedProperty": {"name": "Humidity", "description": "", "definition": "x:rh"},
        },
        parent=thing,
    )

    wait_until(lambda: len(mqtt_client.received) >= 2)
    for topic in (f"v1.1/Things({thing.pk})/Datastreams", f"v1.1/Sensors({sensor.pk})/Datastreams"):
        assert [(d["@iot.id"], d["name"]) for d in mqtt_client.messages(topic)] == [
            (datastream.pk, "Humidity")
        ]


def test_a_deep_insert_is_published_in_every_collection_it_joined(broker, mqtt_client, db):
    mqtt_client.subscribe("v1.1/#")

    thing = write.create(
        "Things",
        {
            "name": "Gauge",
            "description": "",
            "Locations": [
                {
                    "name": "Elbe",
                    "description": "",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.74, 51.05]},
                }
            ],
        },
    )

    location = thing.locations.get()
    historical = thing.historical_locations.get()
    expected = {
        "v1.1/Things": thing.pk,
        f"v1.1/Locations({location.pk})/Things": thing.pk,
        "v1.1/Locations": location.pk,
        f"v1.1/Things({thing.pk})/Locations": location.pk,
        f"v1.1/HistoricalLocations({historical.pk})/Locations": location.pk,
        "v1.1/HistoricalLocations": historical.pk,
        f"v1.1/Things({thing.pk})/HistoricalLocations": historical.pk,
        f"v1.1/Locations({location.pk})/HistoricalLocations": historical.pk,
    }
    wait_until(lambda: len(mqtt_client.received) >= len(expected))
    assert {
        topic: json.loads(payload)["@iot.id"] for topic, payload, _user in mqtt_client.received
    } == expected
    assert len(mqtt_client.received) == len(expected)


def test_nothing_about_a_private_thing_is_published(station, broker, mqtt_client):
    private = station["thing"]
    private.is_private = True
    private.save()
    public = write.create(
        "Things",
        {
            "name": "Public gauge",
            "description": "",
            "Locations": [
                {
                    "name": "Elbe",
                    "description": "",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.74, 51.05]},
                }
            ],
            "Datastreams": [
                {
                    "name": "Level",
                    "description": "",
                    "observationType": m.OM_MEASUREMENT,
                    "unitOfMeasurement": {"name": "cm", "symbol": "cm", "definition": "ucum:cm"},
                    "Sensor": {"@iot.id": station["datastream"].sensor_id},
                    "ObservedProperty": {"@iot.id": station["datastream"].observed_property_id},
                }
            ],
        },
    )
    mqtt_client.subscribe("v1.1/#")

    write.create("Observations", {"result": 1}, parent=station["datastream"])
    write.update(private, {"name": "Hospital meter"})
    write.create("Observations", {"result": 2}, parent=public.datastreams.get())

    wait_until(
        lambda: any(body.get("result") == 2 for body in with_id(mqtt_client, "v1.1/Observations"))
    )
    texts = [payload.decode() for _topic, payload, _user in mqtt_client.received]
    assert not any(f"Things({private.pk})" in topic for topic, _p, _u in mqtt_client.received)
    assert not any(f"Datastreams({station['datastream'].pk})" in t for t in texts)
    assert not any("Hospital meter" in text for text in texts)
    assert [body["result"] for body in with_id(mqtt_client, "v1.1/Observations")] == [2]


def test_a_write_succeeds_while_the_broker_is_down(station, settings, client, caplog):
    settings.MQTT_URL = "mqtt://127.0.0.1:1"  # nothing listens there
    datastream = station["datastream"]

    with caplog.at_level(logging.WARNING, logger="smartcity.sensors.mqtt"):
        response = client.post(
            f"{STA}/Datastreams({datastream.pk})/Observations",
            {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 20.5},
            content_type="application/json",
            **bearer(station["token"]),
        )

    assert response.status_code == 201
    read = client.get(f"{STA}/Datastreams({datastream.pk})/Observations")
    assert [o["result"] for o in read.json()["value"]] == [20.5]
    assert "MQTT broker mqtt://127.0.0.1:1 unreachable" in caplog.text


CREATE = "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation"
RECEIVE = "http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates"


def test_the_service_root_claims_mqtt_only_with_a_broker(settings):
    settings.MQTT_URL = ""
    assert mqtt_broker.conformance() == ()
    assert mqtt_broker.server_settings() == {}

    settings.MQTT_URL = "mqtts://ingest:s%40cret@broker.example:8883"
    assert mqtt_broker.conformance() == (CREATE, RECEIVE)
    # The endpoints never show the broker's credentials.
    assert json.loads(json.dumps(mqtt_broker.server_settings())) == {
        CREATE: {"endpoints": ["mqtts://broker.example:8883"]},
        RECEIVE: {"endpoints": ["mqtts://broker.example:8883"]},
    }
    assert mqtt_broker.parse_url(settings.MQTT_URL).password == "s@cret"


def test_separate_brokers_for_sensors_and_subscribers_are_announced(settings):
    settings.MQTT_URL = "mqtts://ingest:secret@ingest.internal:8883"
    settings.MQTT_PUBLISH_URL = "mqtts://publisher:secret@updates.internal"
    assert mqtt_broker.server_settings() == {
        CREATE: {"endpoints": ["mqtts://ingest.internal:8883"]},
        RECEIVE: {"endpoints": ["mqtts://updates.internal:8883"]},
    }
    settings.MQTT_PUBLIC_URL = "mqtts://sensors.smartcity.example"
    settings.MQTT_PUBLIC_UPDATES_URL = "wss://live.smartcity.example/mqtt"
    assert mqtt_broker.server_settings() == {
        CREATE: {"endpoints": ["mqtts://sensors.smartcity.example"]},
        RECEIVE: {"endpoints": ["wss://live.smartcity.example/mqtt"]},
    }


def test_changes_go_to_the_publish_broker(station, settings, mqtt_client, caplog):
    """With MQTT_PUBLISH_URL set, nothing is published on the ingest broker (MQTT_URL)."""
    settings.MQTT_PUBLISH_URL = "mqtt://127.0.0.1:2"  # down: the publication is dropped
    datastream = station["datastream"]
    mqtt_client.subscribe("v1.1/#")

    with caplog.at_level(logging.WARNING, logger="smartcity.sensors.mqtt"):
        write.create("Observations", {"result": 1}, parent=datastream)
    settings.MQTT_PUBLISH_URL = ""
    write.create("Observations", {"result": 2}, parent=datastream)

    wait_until(lambda: mqtt_client.messages("v1.1/Observations"))
    assert [body["result"] for body in mqtt_client.messages("v1.1/Observations")] == [2]
    assert "MQTT broker mqtt://127.0.0.1:2 unreachable" in caplog.text
