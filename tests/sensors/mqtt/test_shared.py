"""Several ingest consumers in one shared-subscription group split the messages."""

import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest

from smartcity.sensors import models as m

from .helpers import new_consumer, running, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2024, 6, 1, tzinfo=UTC)


def test_two_consumers_of_a_group_store_each_message_exactly_once(station, broker, mqtt_client):
    datastream = station["datastream"]
    topic = f"v1.1/Datastreams({datastream.pk})/Observations"
    group = f"test-{uuid.uuid4().hex[:8]}"
    count = 200
    with ExitStack() as stack:
        consumers = [
            stack.enter_context(running(new_consumer(group=group, batch_size=10, batch_ms=5)))
            for _ in range(2)
        ]
        for minute in range(count):
            reading = {
                "phenomenonTime": (START + timedelta(minutes=minute)).isoformat(),
                "result": minute,
            }
            mqtt_client.publish(topic, reading, token=station["token"])
        wait_until(
            lambda: sum(c.totals.stored + c.totals.duplicates for c in consumers) >= count,
            timeout=60,
        )

    results = sorted(
        m.Observation.objects.filter(datastream=datastream).values_list("result_number", flat=True)
    )
    assert results == list(range(count))
    assert [c.totals.duplicates for c in consumers] == [0, 0]
    assert sum(c.totals.stored for c in consumers) == count
    # Mosquitto hands the group's messages round-robin: both did a share of the work.
    assert all(c.totals.stored > 0 for c in consumers)
