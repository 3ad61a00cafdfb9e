"""MQTT ingest through a real broker, end to end: publish -> stored and queryable.

Claims measured (``smartcity mqtt-ingest``, ``smartcity.sensors.mqtt.ingest.Consumer``):

- **throughput**: N readings published QoS 1 as fast as one client can, to ten Datastream
  topics, until the last one is queryable in the database (observations per second);
- **latency**: readings published one every ``--interval-ms``, well below capacity; the
  time from publish until a poller (every 5 ms) finds the row, median and 95th percentile;
- **one-by-one path**: readings on ``v1.1/FeaturesOfInterest(<id>)/Observations``, which
  go through the HTTP service one message at a time instead of the bulk insert.

The anchor is ``create_observations`` of the same rows in batches of the consumer's batch
size, called directly in the same process on the same database (no broker, no JSON
parsing, no tokens): the ratio says what MQTT costs on top of the bulk insert.

Production settings: a SQLite file in WAL mode, the database task queue (aggregate
refreshes, alert evaluations and MQTT publications are queued, not run: no worker runs),
``MQTT_URL`` set (so the consumer's writes are queued for publication), tokens required.
Broker, publisher, consumer and poller share the machine.

Run (a temporary database; nothing of the developer's is touched)::

    .venv/bin/python benchmarks/mqtt_ingest.py [--messages 20000] [--broker mqtt://127.0.0.1:1883]

or into the 10-million-Observation database of ``sensors_city_scale.py --keep``::

    .venv/bin/python benchmarks/mqtt_ingest.py --database-url sqlite:///var/bench-city.sqlite3
    .venv/bin/python benchmarks/mqtt_ingest.py \
        --database-url postgresql://postgres@127.0.0.1:5432/smartcity_bench_city

Prints JSON and writes ``benchmarks/results/mqtt_ingest_<sqlite|postgresql>.json``.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine, write_result

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
START = datetime(2024, 1, 1, tzinfo=UTC)
STREAMS = 10


def setup_django(directory: str, broker: str, database_url: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{directory}/bench.sqlite3"
    os.environ["SMARTCITY_VAR_DIR"] = directory
    os.environ["TASKS_BACKEND"] = "database"
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartcity.config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MQTT_URL = broker
    settings.MQTT_REQUIRE_TOKEN = True
    call_command("migrate", verbosity=0)


def database_description() -> str:
    from django.db import connection

    from smartcity.sensors import models as m

    rows = m.Observation.objects.count()
    kind = "SQLite (WAL), file" if connection.vendor == "sqlite" else "PostgreSQL"
    return f"{kind}, {rows:,} Observations at the end"


def make_station():
    from smartcity.sensors import access
    from smartcity.sensors import models as m
    from smartcity.sensors.sta import write

    thing = write.create(
        "Things",
        {
            "name": "Benchmark station",
            "description": "benchmark",
            "Locations": [
                {
                    "name": "Altmarkt",
                    "description": "",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.7373, 51.0504]},
                }
            ],
            "Datastreams": [
                {
                    "name": f"Stream {index}",
                    "description": "",
                    "observationType": m.OM_MEASUREMENT,
                    "unitOfMeasurement": {"name": "n", "symbol": "n", "definition": "x:n"},
                    "Sensor": {
                        "name": "S",
                        "description": "",
                        "encodingType": "text/plain",
                        "metadata": "-",
                    },
                    "ObservedProperty": {"name": "P", "description": "", "definition": "x:p"},
                }
                for index in range(STREAMS)
            ],
        },
    )
    feature = write.create(
        "FeaturesOfInterest",
        {
            "name": "F",
            "description": "",
            "encodingType": "application/geo+json",
            "feature": {"type": "Point", "coordinates": [13.7373, 51.0504]},
        },
    )
    _token, secret = access.issue_token("benchmark", thing=thing)
    return list(thing.datastreams.order_by("pk")), feature, secret


class Sensor:
    """The publishing client (MQTT 5, QoS 1, token in the user property)."""

    def __init__(self, url: str, token: str):
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        from smartcity.sensors.mqtt.broker import parse_url

        target = parse_url(url)
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"bench-sensor-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.max_inflight_messages_set(1000)
        self.client.connect(target.host, target.port)
        self.client.loop_start()
        self.properties = Properties(PacketTypes.PUBLISH)
        self.properties.UserProperty = [("authorization", f"Bearer {token}")]

    def publish(self, topic: str, body: dict):
        return self.client.publish(
            topic, json.dumps(body).encode(), qos=1, properties=self.properties
        )

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def reading(sequence: int) -> dict:
    return {"phenomenonTime": (START + timedelta(seconds=sequence)).isoformat(), "result": sequence}


def stored_count() -> int:
    from smartcity.sensors import models as m

    return m.Observation.objects.count()


def wait_for_count(target: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while stored_count() < target:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {stored_count()} of {target} stored after {timeout} s")
        time.sleep(0.02)
    return time.monotonic()


def _publish_all(url: str, token: str, messages: list[tuple[str, dict]]) -> None:
    sensor = Sensor(url, token)
    infos = [sensor.publish(topic, body) for topic, body in messages]
    for info in infos:
        info.wait_for_publish(120)
    sensor.close()


def throughput(url: str, token: str, message_of, count: int) -> dict:
    """Publish ``message_of(i)`` (topic, body) for i < count from another process (so that
    the publisher does not share the consumer's interpreter); time until all are stored."""
    messages = [message_of(i) for i in range(count)]
    before = stored_count()
    process = multiprocessing.get_context("fork").Process(
        target=_publish_all, args=(url, token, messages)
    )
    started = time.monotonic()
    process.start()
    done = wait_for_count(before + count, timeout=600)
    process.join(60)
    return {
        "messages": count,
        "end_to_end_s": round(done - started, 3),
        "observations_per_s": round(count / (done - started), 1),
    }


def latency(sensor, topic: str, count: int, interval_s: float, offset: int) -> dict:
    from smartcity.sensors import models as m

    sent: dict[int, float] = {}
    seen: dict[int, float] = {}
    stop = threading.Event()
    last = m.Observation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def poll():
        nonlocal last
        from django.db import connection

        try:
            while not stop.is_set() or len(seen) < count:
                rows = list(
                    m.Observation.objects.filter(pk__gt=last).values_list("pk", "result_number")
                )
                now = time.monotonic()
                for pk, number in rows:
                    seen[int(number) - offset] = now
                    last = max(last, pk)
                if len(seen) >= count:
                    return
                time.sleep(0.005)
        finally:
            connection.close()

    poller = threading.Thread(target=poll)
    poller.start()
    for index in range(count):
        sent[index] = time.monotonic()
        sensor.publish(topic, reading(offset + index))
        time.sleep(interval_s)
    stop.set()
    poller.join(60)
    delays = sorted((seen[i] - sent[i]) * 1000 for i in range(count))
    return {
        "messages": count,
        "interval_ms": round(interval_s * 1000),
        "median_ms": round(statistics.median(delays), 1),
        "p95_ms": round(delays[int(0.95 * (count - 1))], 1),
        "max_ms": round(delays[-1], 1),
    }


def anchor(datastreams, count: int, batch: int, offset: int) -> dict:
    from smartcity.sensors.sta.write import create_observations

    rows = [reading(offset + i) for i in range(count)]
    started = time.monotonic()
    for start in range(0, count, batch):
        chunk = rows[start : start + batch]
        groups = {}
        for index, row in enumerate(chunk):
            stream = datastreams[(start + index) % STREAMS]
            groups.setdefault(stream.pk, []).append([row["phenomenonTime"], row["result"]])
        create_observations(
            [
                {
                    "Datastream": {"@iot.id": pk},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": data,
                }
                for pk, data in groups.items()
            ],
            base_url="http://localhost:8000/sta/v1.1",
        )
    elapsed = time.monotonic() - started
    return {
        "messages": count,
        "seconds": round(elapsed, 3),
        "observations_per_s": round(count / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--latency-messages", type=int, default=500)
    parser.add_argument("--interval-ms", type=float, default=20)
    parser.add_argument("--slow-messages", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--batch-ms", type=int, default=100)
    parser.add_argument(
        "--broker", default=os.environ.get("MQTT_TEST_URL", "mqtt://127.0.0.1:1883")
    )
    parser.add_argument(
        "--database-url",
        help="an existing database to ingest into, such as the 10-million-Observation one "
        "that sensors_city_scale.py --keep leaves (default: a new SQLite file)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="smartcity-mqtt-bench-") as directory:
        setup_django(directory, args.broker, args.database_url)
        from django.db import connection

        from smartcity.sensors.mqtt.ingest import Consumer

        datastreams, feature, token = make_station()
        consumer = Consumer(
            args.broker,
            group=f"bench-{uuid.uuid4().hex[:8]}",
            client_id=f"bench-ingest-{uuid.uuid4().hex[:8]}",
            batch_size=args.batch_size,
            batch_ms=args.batch_ms,
            session_expiry_s=0,
        )
        stop = threading.Event()
        thread = threading.Thread(target=consumer.run, args=(stop,))
        thread.start()
        if not consumer.ready.wait(15):
            raise SystemExit("the consumer did not subscribe")
        sensor = Sensor(args.broker, token)
        try:
            stream_topics = [f"v1.1/Datastreams({d.pk})/Observations" for d in datastreams]
            feature_topic = f"v1.1/FeaturesOfInterest({feature.pk})/Observations"
            linked = {"Datastream": {"@iot.id": datastreams[0].pk}}
            results = {
                "throughput_bulk_path": throughput(
                    args.broker,
                    token,
                    lambda i: (stream_topics[i % STREAMS], reading(i)),
                    args.messages,
                ),
                "latency": latency(
                    sensor,
                    stream_topics[0],
                    args.latency_messages,
                    args.interval_ms / 1000,
                    10_000_000,
                ),
                # The topic names the feature and the body the Datastream: this goes
                # through the HTTP service one message at a time.
                "throughput_one_by_one_path": throughput(
                    args.broker,
                    token,
                    lambda i: (feature_topic, {**reading(20_000_000 + i), **linked}),
                    args.slow_messages,
                ),
            }
        finally:
            sensor.close()
            stop.set()
            thread.join(30)
        results["anchor_create_observations"] = anchor(
            datastreams, args.messages, args.batch_size, 30_000_000
        )
        results["ratio_mqtt_to_anchor_rate"] = round(
            results["throughput_bulk_path"]["observations_per_s"]
            / results["anchor_create_observations"]["observations_per_s"],
            3,
        )
        results["consumer_totals"] = vars(consumer.totals)
        results["ignored_own_publications"] = consumer.ignored
        results["machine"] = machine(
            database=database_description(), broker="Mosquitto on the same machine"
        )
        results["settings"] = {"batch_size": args.batch_size, "batch_ms": args.batch_ms}
        vendor = connection.vendor
    write_result(RESULTS / f"mqtt_ingest_{vendor}.json", results)


if __name__ == "__main__":
    main()
