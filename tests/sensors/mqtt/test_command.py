"""``smartcity mqtt-ingest``: the operator's command."""

import os
import signal
import threading
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from smartcity.config import cli
from smartcity.sensors import models as m
from smartcity.sensors.mqtt.ingest import Message, ingest

from .helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_command_ingests_until_it_is_terminated(station, broker, mqtt_client):
    datastream = station["datastream"]
    reading = {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 20.5}

    def sensor():
        # Publish until stored: the first messages may come before the subscription, and
        # the repeats are the same message, stored once.
        try:
            wait_until(
                lambda: (
                    mqtt_client.publish(
                        f"v1.1/Datastreams({datastream.pk})/Observations",
                        reading,
                        token=station["token"],
                    )
                    or m.Observation.objects.filter(datastream=datastream).exists()
                ),
                timeout=20,
                interval=0.2,
            )
        finally:
            connection.close()
            os.kill(os.getpid(), signal.SIGTERM)

    out = StringIO()
    thread = threading.Thread(target=sensor)
    thread.start()
    call_command(
        "mqtt_ingest",
        "--client-id",
        f"test-command-{uuid.uuid4().hex[:8]}",
        "--group",
        f"test-{uuid.uuid4().hex[:8]}",
        "--session-expiry",
        "0",
        stdout=out,
    )
    thread.join(20)

    assert [o.result for o in m.Observation.objects.filter(datastream=datastream)] == [20.5]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("mqtt-ingest: mqtt://127.0.0.1:1883, client id test-command-")
    assert "token required: yes" in lines[0]
    assert lines[-1].startswith("mqtt-ingest stopped: 1 stored, ")
    assert lines[-1].endswith(", 0 dead letters")


def test_without_a_broker_setting_the_command_refuses_to_start(settings):
    settings.MQTT_URL = ""
    with pytest.raises(CommandError, match="MQTT_URL is not set"):
        call_command("mqtt_ingest")


def test_the_dead_letters_are_listed_through_the_cli(db, capsys):
    ingest([Message("v1.1/Datastreams(1)/Observations", b"not json")], require_token=False)

    cli.main(["smartcity", "mqtt-ingest", "--dead-letters", "5"])

    output = capsys.readouterr().out
    assert "v1.1/Datastreams(1)/Observations" in output
    assert "payload (8 bytes): not json" in output
    assert "reason: " in output


def test_no_dead_letters_are_said_so(db):
    out = StringIO()
    call_command("mqtt_ingest", "--dead-letters", "5", stdout=out)
    assert out.getvalue() == "No dead letters.\n"
