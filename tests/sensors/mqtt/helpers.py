"""Helpers of the MQTT tests: the test broker, consumers running in threads, a test MQTT
client and a bounded wait."""

import json
import os
import threading
import time
import uuid
from contextlib import contextmanager

import paho.mqtt.client as mqtt
from django.db import OperationalError
from django.utils import translation
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from smartcity.sensors.mqtt.broker import parse_url
from smartcity.sensors.mqtt.ingest import Consumer


def broker_url() -> str:
    return os.environ.get("MQTT_TEST_URL") or "mqtt://127.0.0.1:1883"


def wait_until(predicate, *, timeout: float = 10.0, interval: float = 0.05):
    """Poll ``predicate`` until it returns something truthy; its last value otherwise.

    A bounded wait for work another thread or process does, not a fixed sleep. SQLite's
    shared in-memory test database may report "table is locked" while the consumer thread
    writes: that is "not yet".
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except OperationalError:
            value = None
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


@contextmanager
def running(consumer: Consumer):
    """Run ``consumer`` in a thread until the block ends; re-raise what it raised."""
    stop = threading.Event()
    failure = []

    def target():
        try:
            # Dead-letter reasons are written in the active language (the platform's
            # LANGUAGE_CODE in production); the tests read the English messages.
            with translation.override("en"):
                consumer.run(stop)
        except BaseException as problem:  # reported in the test's thread
            failure.append(problem)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        assert consumer.ready.wait(10), "the consumer did not subscribe within 10 s"
        yield consumer
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive(), "the consumer did not stop"
    if failure:
        raise failure[0]


def new_consumer(**options) -> Consumer:
    """A consumer with its own session and shared group, so that tests never share one."""
    options.setdefault("group", f"test-{uuid.uuid4().hex[:8]}")
    options.setdefault("client_id", f"test-ingest-{uuid.uuid4().hex[:8]}")
    options.setdefault("session_expiry_s", 0)
    options.setdefault("batch_ms", 20)
    return Consumer(broker_url(), **options)


class Client:
    """A sensor or an application: publishes and subscribes, MQTT 5."""

    def __init__(self, url: str):
        target = parse_url(url)
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"test-client-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        self.received: list[tuple[str, bytes, list]] = []
        self._subscribed = threading.Event()
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.connect(target.host, target.port)
        self.client.loop_start()

    def _on_message(self, client, userdata, message):
        properties = getattr(message.properties, "UserProperty", None) or []
        self.received.append((message.topic, message.payload, list(properties)))

    def publish(self, topic: str, payload, *, token: str | None = None, properties=None):
        if not isinstance(payload, bytes):
            payload = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        publish_properties = Properties(PacketTypes.PUBLISH)
        user = list(properties or [])
        if token is not None:
            user.append(("authorization", f"Bearer {token}"))
        if user:
            publish_properties.UserProperty = user
        info = self.client.publish(topic, payload, qos=1, properties=publish_properties)
        info.wait_for_publish(10)
        assert info.is_published()

    def subscribe(self, topic: str) -> None:
        self._subscribed.clear()
        self.client.subscribe(topic, qos=1)
        assert self._subscribed.wait(10)

    def messages(self, topic: str) -> list[dict]:
        return [json.loads(payload) for name, payload, _props in self.received if name == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
