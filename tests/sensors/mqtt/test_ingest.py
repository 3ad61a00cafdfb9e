"""Creating Observations by MQTT publish (OGC 18-088, 14.1) through a real Mosquitto."""

import uuid

import pytest

from smartcity.sensors import access
from smartcity.sensors import models as m
from smartcity.sensors.mqtt.models import DeadLetter, IngestKey

from .helpers import new_consumer, running, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def observations(**filters):
    return list(m.Observation.objects.filter(**filters).order_by("phenomenon_time_start"))


def test_a_reading_on_the_datastream_topic_is_stored(station, consumer, mqtt_client):
    datastream = station["datastream"]
    mqtt_client.publish(
        f"v1.1/Datastreams({datastream.pk})/Observations",
        {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 20.5},
        token=station["token"],
    )

    stored = wait_until(lambda: observations(datastream=datastream))

    assert [(o.result, o.phenomenon_time_start.isoformat()) for o in stored] == [
        (20.5, "2024-05-01T10:00:00+00:00")
    ]
    # The FeatureOfInterest is derived from the Thing's Location, as over HTTP.
    assert stored[0].feature_of_interest.feature == {
        "type": "Point",
        "coordinates": [13.7373, 51.0504],
    }
    datastream.refresh_from_db()
    assert datastream.phenomenon_time_start.isoformat() == "2024-05-01T10:00:00+00:00"


def test_a_reading_on_the_observations_topic_names_its_datastream(station, consumer, mqtt_client):
    datastream = station["datastream"]
    mqtt_client.publish(
        "v1.1/Observations",
        {
            "phenomenonTime": "2024-05-01T10:10:00Z",
            "result": 21,
            "Datastream": {"@iot.id": datastream.pk},
        },
        token=station["token"],
    )

    stored = wait_until(lambda: observations(datastream=datastream))

    assert [o.result for o in stored] == [21]


def test_a_reading_on_the_multidatastream_topic_is_stored(station, consumer, mqtt_client):
    multi = station["multi"]
    mqtt_client.publish(
        f"v1.1/MultiDatastreams({multi.pk})/Observations",
        {"phenomenonTime": "2024-05-01T10:00:00Z", "result": [3.5, 270]},
        token=station["token"],
    )

    stored = wait_until(lambda: observations(multi_datastream=multi))

    assert [o.result for o in stored] == [[3.5, 270]]


def test_a_reading_on_the_feature_topic_is_of_that_feature(station, consumer, mqtt_client):
    feature, datastream = station["feature"], station["datastream"]
    mqtt_client.publish(
        f"v1.1/FeaturesOfInterest({feature.pk})/Observations",
        {
            "phenomenonTime": "2024-05-01T10:20:00Z",
            "result": 19.0,
            "Datastream": {"@iot.id": datastream.pk},
        },
        token=station["token"],
    )

    stored = wait_until(lambda: observations(datastream=datastream))

    assert [(o.result, o.feature_of_interest_id) for o in stored] == [(19.0, feature.pk)]


def test_the_same_message_twice_is_stored_once(station, consumer, mqtt_client):
    datastream = station["datastream"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    reading = {"phenomenonTime": "2024-05-01T11:00:00Z", "result": 22.25}
    mqtt_client.publish(topic, reading, token=station["token"])
    wait_until(lambda: observations(datastream=datastream))
    mqtt_client.publish(topic, reading, token=station["token"])
    # Key order and spacing do not make another message: the key is the canonical JSON.
    mqtt_client.publish(
        topic,
        '{"result": 22.25,  "phenomenonTime": "2024-05-01T11:00:00Z"}',
        token=station["token"],
    )
    marker = {"phenomenonTime": "2024-05-01T11:10:00Z", "result": 1}
    mqtt_client.publish(topic, marker, token=station["token"])

    wait_until(lambda: len(observations(datastream=datastream)) == 2)

    assert [o.result for o in observations(datastream=datastream)] == [22.25, 1]
    assert wait_until(lambda: consumer.totals.duplicates == 2)
    assert IngestKey.objects.count() == 2


def test_messages_sent_while_the_consumer_is_away_are_stored_once_it_is_back(
    station, broker, mqtt_client
):
    """QoS 1 with a persistent session: the broker keeps what arrives during a restart."""
    datastream = station["datastream"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    client_id = f"test-ingest-restart-{uuid.uuid4().hex[:8]}"
    options = {"client_id": client_id, "group": None, "session_expiry_s": 60}
    with running(new_consumer(**options)):
        mqtt_client.publish(
            topic, {"phenomenonTime": "2024-05-01T12:00:00Z", "result": 1}, token=station["token"]
        )
        wait_until(lambda: observations(datastream=datastream))

    mqtt_client.publish(
        topic, {"phenomenonTime": "2024-05-01T12:10:00Z", "result": 2}, token=station["token"]
    )
    mqtt_client.publish(
        topic, {"phenomenonTime": "2024-05-01T12:20:00Z", "result": 3}, token=station["token"]
    )
    assert [o.result for o in observations(datastream=datastream)] == [1]

    with running(new_consumer(**options)):
        wait_until(lambda: len(observations(datastream=datastream)) == 3)

    assert [o.result for o in observations(datastream=datastream)] == [1, 2, 3]


GARBAGE = [
    (b"\xff\xfe not utf-8", "the payload is not UTF-8 text"),
    (b"{result: 1", "the payload is not valid JSON"),
    (b'[{"result": 1}]', "the payload must be one Observation as a JSON object, not array"),
    (b'{"result": NaN}', "NaN is not a JSON number"),
    (
        b'{"phenomenonTime": "yesterday", "result": 1}',
        "phenomenonTime: 'yesterday' is not an ISO 8601 date-time",
    ),
    (b'{"result": 1, "colour": "blue"}', "colour: unknown property of a Observation"),
]


def test_garbage_becomes_dead_letters_and_the_consumer_goes_on(station, consumer, mqtt_client):
    datastream, multi = station["datastream"], station["multi"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    for payload, _reason in GARBAGE:
        mqtt_client.publish(topic, payload, token=station["token"])
    # A wrong result type: a MultiDatastream's result is an array, one value per column.
    mqtt_client.publish(
        f"v1.1/MultiDatastreams({multi.pk})/Observations",
        {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 3.5},
        token=station["token"],
    )
    mqtt_client.publish(
        "v1.1/Datastreams(999999)/Observations", {"result": 1}, token=station["token"]
    )
    mqtt_client.publish(
        "v1.1/Observations",
        {"result": 1, "Datastream": {"@iot.id": 999999}},
        token=station["token"],
    )
    mqtt_client.publish("v1.1/Things(1)/Observations", {"result": 1}, token=station["token"])
    mqtt_client.publish(
        topic, {"phenomenonTime": "2024-05-01T13:00:00Z", "result": 7}, token=station["token"]
    )

    stored = wait_until(lambda: observations(datastream=datastream))
    wait_until(lambda: DeadLetter.objects.count() == len(GARBAGE) + 4)

    assert [o.result for o in stored] == [7]
    assert not observations(multi_datastream=multi)
    letters = list(DeadLetter.objects.order_by("pk"))
    reasons = [letter.reason for letter in letters]
    for (payload, reason), letter in zip(GARBAGE, letters, strict=False):
        assert reason in letter.reason
        assert letter.topic == topic
        assert letter.payload_size == len(payload)
    assert letters[0].payload.startswith("\\xff\\xfe not utf-8")
    assert "must be an array of 2 values" in reasons[len(GARBAGE)]
    assert "Datastreams(999999) does not exist" in reasons[len(GARBAGE) + 1]
    assert "Datastreams(999999) does not exist" in reasons[len(GARBAGE) + 2]
    assert reasons[len(GARBAGE) + 3].startswith("“Observations” is not a property of a Thing")
    assert letters[-1].topic == "v1.1/Things(1)/Observations"


def test_a_bad_message_does_not_poison_its_batch(station, broker, mqtt_client):
    """Good and bad readings of one batch: the good ones are stored, each bad one is a
    dead letter (the bulk insert falls back to one message at a time)."""
    datastream = station["datastream"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    with running(new_consumer(batch_ms=500, batch_size=50)) as started:
        for minute in range(10):
            result = "not a time" if minute == 5 else f"2024-05-01T14:{minute:02d}:00Z"
            mqtt_client.publish(
                topic, {"phenomenonTime": result, "result": minute}, token=station["token"]
            )
        wait_until(lambda: started.totals.stored + started.totals.dead_letters == 10)

    assert [o.result for o in observations(datastream=datastream)] == [0, 1, 2, 3, 4, 6, 7, 8, 9]
    assert [letter.reason for letter in DeadLetter.objects.all()] == [
        "phenomenonTime: 'not a time' is not an ISO 8601 date-time"
    ]


def test_a_large_payload_is_kept_truncated(station, consumer, mqtt_client):
    payload = b'{"result": "' + b"x" * 100_000 + b'"'  # not JSON: the quote never closes }
    mqtt_client.publish(
        f"v1.1/Datastreams({station['datastream'].pk})/Observations",
        payload,
        token=station["token"],
    )

    letter = wait_until(lambda: DeadLetter.objects.first())

    assert letter.payload_size == len(payload)
    assert len(letter.payload.encode()) == 64 * 1024


def test_without_a_token_a_reading_is_refused(station, consumer, mqtt_client):
    datastream = station["datastream"]
    mqtt_client.publish(f"v1.1/Datastreams({datastream.pk})/Observations", {"result": 1})

    letter = wait_until(lambda: DeadLetter.objects.first())

    assert "a sensor token is required" in letter.reason
    assert not observations(datastream=datastream)


@pytest.fixture
def foreign_token(db):
    other = m.Thing.objects.create(name="Other", description="")
    return access.issue_token("other", thing=other)[1]


@pytest.fixture
def organisation_token(department):
    return access.issue_token("Umweltamt", organisation=department)[1]


# The database rows a test needs are made before its consumer starts (fixture order):
# SQLite's shared in-memory test database locks whole tables between threads.


def test_a_token_of_another_thing_may_not_write(station, foreign_token, consumer, mqtt_client):
    datastream = station["datastream"]
    foreign = foreign_token
    mqtt_client.publish(
        f"v1.1/Datastreams({datastream.pk})/Observations", {"result": 1}, token=foreign
    )
    mqtt_client.publish(
        f"v1.1/Datastreams({datastream.pk})/Observations", {"result": 2}, token="st_nope"
    )

    wait_until(lambda: DeadLetter.objects.count() == 2)

    assert sorted(letter.reason for letter in DeadLetter.objects.all()) == [
        f"This token may not change Things({station['thing'].pk}), which "
        f"Datastreams({datastream.pk}) belongs to",
        "the authorization user property carries no valid sensor token (unknown or revoked)",
    ]
    assert not observations(datastream=datastream)


def test_an_organisation_token_writes_its_things(
    station, organisation_token, consumer, mqtt_client
):
    secret = organisation_token
    datastream = station["datastream"]
    mqtt_client.publish(
        f"v1.1/Datastreams({datastream.pk})/Observations", {"result": 3}, token=secret
    )

    assert [o.result for o in wait_until(lambda: observations(datastream=datastream))] == [3]


def test_without_required_tokens_the_broker_is_trusted(station, broker, mqtt_client, settings):
    settings.MQTT_REQUIRE_TOKEN = False
    datastream = station["datastream"]
    with running(new_consumer()):
        mqtt_client.publish(f"v1.1/Datastreams({datastream.pk})/Observations", {"result": 4})
        stored = wait_until(lambda: observations(datastream=datastream))

    assert [o.result for o in stored] == [4]


def test_the_servers_own_publications_are_not_ingested(station, consumer, mqtt_client, settings):
    settings.MQTT_URL = ""  # the consumer's own writes are not published here
    datastream = station["datastream"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    mqtt_client.publish(
        topic,
        {"@iot.id": 5, "phenomenonTime": "2024-05-01T10:00:00Z", "result": 1},
        token=station["token"],
        properties=[("origin", "smartcity")],
    )
    mqtt_client.publish(
        topic, {"phenomenonTime": "2024-05-01T10:10:00Z", "result": 2}, token=station["token"]
    )

    stored = wait_until(lambda: observations(datastream=datastream))

    assert [o.result for o in stored] == [2]
    assert consumer.ignored == 1
    assert not DeadLetter.objects.exists()


def test_an_ingested_reading_is_published_once_and_not_read_back(station, consumer, mqtt_client):
    """The consumer's own writes are published (14.2) with the origin property, come back
    to the consumer on the same topic, and are skipped rather than stored again."""
    datastream = station["datastream"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    mqtt_client.subscribe(topic)
    mqtt_client.publish(
        topic, {"phenomenonTime": "2024-05-01T15:00:00Z", "result": 5}, token=station["token"]
    )

    published = wait_until(lambda: [b for b in mqtt_client.messages(topic) if "@iot.id" in b])
    wait_until(lambda: consumer.ignored >= 1)

    assert [body["result"] for body in published] == [5]
    assert [o.result for o in observations(datastream=datastream)] == [5]
