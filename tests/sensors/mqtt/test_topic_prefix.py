"""``MQTT_TOPIC_PREFIX``: every topic the platform subscribes to and publishes on starts with
it, so that several platforms can share one broker."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import translation

from smartcity.sensors import models as m
from smartcity.sensors.mqtt import topics
from smartcity.sensors.mqtt.ingest import Message, ingest
from smartcity.sensors.mqtt.models import DeadLetter

from .helpers import new_consumer, running, wait_until

READING = {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 20.5}


@pytest.fixture
def prefix(settings):
    """A prefix of its own, so that nothing else on the broker reaches these tests."""
    settings.MQTT_TOPIC_PREFIX = f"test-{uuid.uuid4().hex[:8]}/"
    return settings.MQTT_TOPIC_PREFIX


def test_topics_start_with_the_prefix(settings):
    settings.MQTT_TOPIC_PREFIX = "dresden/"
    datastreams = topics.ENTITY_SETS["Datastreams"]

    assert topics.ingest_filters() == (
        "dresden/v1.1/Observations",
        "dresden/v1.1/+/Observations",
    )
    assert topics.collection_topic(datastreams) == "dresden/v1.1/Datastreams"
    assert topics.property_topic(datastreams, 5, "name") == "dresden/v1.1/Datastreams(5)/name"
    assert topics.navigation_topic(datastreams, 5, "Observations") == (
        "dresden/v1.1/Datastreams(5)/Observations"
    )
    route = topics.route("dresden/v1.1/Datastreams(5)/Observations")
    assert (route.resource, route.parent_set.name, route.parent_id) == (
        "Datastreams(5)/Observations",
        "Datastreams",
        5,
    )


def test_without_a_prefix_the_topics_are_the_standards(settings):
    settings.MQTT_TOPIC_PREFIX = ""
    assert topics.ingest_filters() == ("v1.1/Observations", "v1.1/+/Observations")
    assert topics.route("v1.1/Observations").resource == "Observations"


def test_a_prefix_without_a_slash_gets_one(settings):
    settings.MQTT_TOPIC_PREFIX = "dresden"
    assert topics.root() == "dresden/v1.1/"


def test_a_topic_without_the_prefix_is_refused_and_says_which_to_use(settings):
    settings.MQTT_TOPIC_PREFIX = "dresden/"
    with translation.override("en"), pytest.raises(topics.RouteError) as error:
        topics.route("v1.1/Datastreams(5)/Observations")
    assert str(error.value).startswith(
        "the topic does not start with dresden/v1.1/; publish to dresden/v1.1/Observations, "
        "dresden/v1.1/Datastreams(<id>)/Observations"
    )


@pytest.mark.parametrize("value", ["city/+/", "city/#", "$share/city/", "$SYS/", "ci\x00ty/"])
def test_a_prefix_that_cannot_start_a_topic_is_a_configuration_error(settings, value):
    settings.MQTT_TOPIC_PREFIX = value
    with pytest.raises(ImproperlyConfigured, match="MQTT_TOPIC_PREFIX"):
        topics.root()


def test_the_consumer_does_not_start_with_a_bad_prefix(settings):
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"
    settings.MQTT_TOPIC_PREFIX = "city/#"
    with pytest.raises(CommandError, match="MQTT_TOPIC_PREFIX 'city/#' cannot start a topic"):
        call_command("mqtt_ingest", "--client-id", "never-connects")


@pytest.mark.django_db
def test_a_batch_on_a_prefixed_topic_is_stored(settings, station):
    settings.MQTT_TOPIC_PREFIX = "dresden/"
    datastream = station["datastream"]
    topic = f"dresden/v1.1/Datastreams({datastream.pk})/Observations"

    outcome = ingest(
        [Message(topic, b'{"phenomenonTime": "2024-05-01T10:00:00Z", "result": 20.5}')],
        require_token=False,
    )

    assert (outcome.stored, outcome.dead_letters) == (1, 0)
    assert [o.result for o in m.Observation.objects.filter(datastream=datastream)] == [20.5]


@pytest.mark.django_db(transaction=True)
def test_the_consumer_ingests_from_the_prefixed_topic_only(prefix, broker, station, mqtt_client):
    datastream = station["datastream"]
    with running(new_consumer()) as consumer:
        assert consumer.filters[0].endswith(f"/{prefix}v1.1/Observations")
        # The same reading of another platform on the broker, unprefixed: not this one's.
        mqtt_client.publish(
            f"v1.1/Datastreams({datastream.pk})/Observations",
            {**READING, "result": 99},
            token=station["token"],
        )
        mqtt_client.publish(
            f"{prefix}v1.1/Datastreams({datastream.pk})/Observations",
            READING,
            token=station["token"],
        )
        stored = wait_until(lambda: list(m.Observation.objects.filter(datastream=datastream)))

    assert [o.result for o in stored] == [20.5]
    assert consumer.totals.stored == 1
    assert not DeadLetter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_notifications_go_to_the_prefixed_topics(prefix, broker, station, mqtt_client, client):
    datastream = station["datastream"]
    mqtt_client.subscribe(f"{prefix}v1.1/#")
    mqtt_client.subscribe("v1.1/#")

    response = client.post(
        f"/sta/v1.1/Datastreams({datastream.pk})/Observations",
        READING,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {station['token']}",
    )

    assert response.status_code == 201
    topic = f"{prefix}v1.1/Datastreams({datastream.pk})/Observations"
    published = wait_until(lambda: mqtt_client.messages(topic))
    assert [body["@iot.id"] for body in published] == [response.json()["@iot.id"]]
    wait_until(lambda: mqtt_client.messages(f"{prefix}v1.1/Observations"))
    # Everything this platform published (the origin property) went to its own topics.
    ours = {name for name, _body, user in mqtt_client.received if ("origin", "smartcity") in user}
    assert ours and all(name.startswith(f"{prefix}v1.1/") for name in ours)
