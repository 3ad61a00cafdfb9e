"""``smartcity sensors simulate --via mqtt``: the demo network's values through Mosquitto and a
running ingest consumer."""

import io
import socket
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from smartcity.sensors import access
from smartcity.sensors import models as m
from smartcity.sensors.simulator import feed, via_mqtt
from smartcity.sensors.simulator import stations as simulator

from .helpers import new_consumer, running, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

STREAMS = 13  # every simulated stream, the hospital meter's included


@pytest.fixture
def own_topics(settings, broker):
    """A topic prefix of its own, so that nothing else on the broker reaches this test."""
    settings.MQTT_TOPIC_PREFIX = f"test-{uuid.uuid4().hex[:8]}/"


@pytest.fixture
def ingesting(own_topics):
    with running(new_consumer()) as consumer:
        yield consumer


@pytest.fixture
def platform_token(db):
    _token, secret = access.issue_token("simulator")
    return secret


@pytest.fixture
def token_while_ingesting(ingesting):
    """A platform token, made once the consumer runs: its first housekeeping (a purge) may
    hold SQLite's shared-cache write lock just after it subscribed, so the write is retried
    until it goes through, and the feed's own writes meet no lock after it."""
    _token, secret = wait_until(lambda: access.issue_token("simulator"))
    return secret


def simulate(*args) -> str:
    out = io.StringIO()
    call_command("sensors", "simulate", "--via", "mqtt", *args, stdout=out)
    return out.getvalue()


def test_the_simulator_feeds_the_network_through_the_broker(ingesting, token_while_ingesting):
    output = simulate("--token", token_while_ingesting, "--hours", "1", "--step-minutes", "30")

    assert output == (
        f"10 stations, {STREAMS * 3} observations sent to the MQTT broker "
        "mqtt://127.0.0.1:1883 (demo data)\n"
    )
    assert wait_until(lambda: m.Observation.objects.count() == STREAMS * 3, timeout=30)
    no2 = m.Datastream.objects.get(name__startswith="NO2 – Luftmessstation Dresden-Nord")
    values = [o.result for o in no2.observations.order_by("phenomenon_time_start")]
    assert len(values) == 3 and all(2 <= value <= 150 for value in values)
    assert ingesting.totals.dead_letters == 0


def test_the_same_values_sent_twice_are_stored_once(ingesting, token_while_ingesting):
    publisher = via_mqtt.Publisher(token_while_ingesting)
    try:
        entities = publisher.ensure_stations(simulator.network()[:2])
        end = timezone.now().replace(second=0, microsecond=0)
        groups = feed.data_arrays(entities, end - timedelta(hours=1), end, timedelta(minutes=30))
        sent = publisher.send(groups)
        assert sent == 5 * 3  # two air-quality stations, five streams
        assert wait_until(lambda: m.Observation.objects.count() == sent, timeout=30)

        assert publisher.send(groups) == sent
    finally:
        publisher.close()

    assert wait_until(lambda: ingesting.totals.duplicates == sent, timeout=30)
    assert m.Observation.objects.count() == sent


def test_a_broker_that_is_down_is_a_clear_error(settings, platform_token):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MQTT_URL = f"mqtt://127.0.0.1:{port}"

    with pytest.raises(CommandError) as error:
        simulate("--token", platform_token, "--hours", "0")

    message = str(error.value)
    assert message.startswith(f"cannot reach the MQTT broker mqtt://127.0.0.1:{port}: ")
    assert "\n" not in message


def test_without_a_broker_setting_the_feed_says_so(settings, platform_token):
    settings.MQTT_URL = ""
    with pytest.raises(CommandError, match="--via mqtt: MQTT_URL is not set"):
        simulate("--token", platform_token)


def test_a_token_is_needed_and_checked_before_anything_is_sent(broker):
    with pytest.raises(CommandError, match="--via mqtt needs --token"):
        simulate("--hours", "0")
    with pytest.raises(CommandError, match="unknown or revoked"):
        simulate("--token", "st_not-a-token", "--hours", "0")
    assert not m.Thing.objects.exists()


def test_a_token_that_may_not_write_every_station_is_refused(broker, department):
    _token, secret = access.issue_token("one department", organisation=department)

    with pytest.raises(CommandError) as error:
        simulate("--token", secret, "--hours", "0")

    # The air-quality stations are the Umweltamt's (the department's); the others are not.
    message = str(error.value)
    assert "may not write Verkehrszählstelle Waldschlößchenbrücke (Demo), " in message
    assert "Luftmessstation" not in message
    assert message.endswith("; use a platform token (smartcity sensors create-token)")
    assert not m.Observation.objects.exists()
