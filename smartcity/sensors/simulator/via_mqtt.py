"""``smartcity sensors simulate --via mqtt``: the demo network's values published to the
ingest broker (``MQTT_URL``), one Observation per message, as sensors send them.

The MQTT extension creates Observations only, so the stations are created in this
platform's database as with ``--via direct`` (:func:`.feed.ensure_stations`); the values
then travel through the broker and the ingest consumer (``smartcity mqtt-ingest``), which
must be running to store them. Each message goes QoS 1 to
``{MQTT_TOPIC_PREFIX}v1.1/Datastreams(<id>)/Observations`` with its ``phenomenonTime``, so
that the ingest's idempotency key makes a repeated message (a QoS 1 redelivery, or a run
sent again) one Observation. The token travels in the MQTT 5 user property
``authorization``; it is checked here first, because a refused message would only become a
dead letter on the consumer's side.
"""

import json
import threading
import uuid
from types import SimpleNamespace

from django.core.exceptions import ImproperlyConfigured
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from smartcity.sensors import access
from smartcity.sensors import models as m
from smartcity.sensors.mqtt import topics
from smartcity.sensors.mqtt.broker import AUTHORIZATION, configured_broker, new_client
from smartcity.sensors.mqtt.ingest import require_token_default
from smartcity.sensors.simulator.feed import FeedError, StationEntities, ensure_stations
from smartcity.sensors.sta.entities import ENTITY_SETS

CONNECT_TIMEOUT_S = 10.0
# How long one message may wait for the broker's PUBACK before the feed gives up.
CONFIRM_TIMEOUT_S = 30.0
MAX_INFLIGHT = 1000


class Publisher:
    """A connected MQTT 5 client for the ingest broker, checked before anything is sent."""

    def __init__(self, token: str | None):
        try:
            self.broker = configured_broker()
            topics.topic_prefix()
        except ImproperlyConfigured as problem:
            raise FeedError(f"--via mqtt: {problem}") from None
        self.target = f"the MQTT broker {self.broker.public_url}"
        self.skipped: list = []  # stations are created in-process, private ones included
        self.authorization = f"Bearer {token}" if token else None
        self.token = self._checked_token(token)
        self.client = new_client(self.broker, f"smartcity-simulator-{uuid.uuid4().hex[:12]}")
        self.client.max_inflight_messages_set(MAX_INFLIGHT)
        self._connect()

    def _checked_token(self, token: str | None) -> m.SensorToken | None:
        if not token:
            if require_token_default():
                raise FeedError(
                    "--via mqtt needs --token: the ingest stores only messages with a sensor "
                    "token (MQTT_REQUIRE_TOKEN)"
                )
            return None
        request = SimpleNamespace(META={"HTTP_AUTHORIZATION": self.authorization})
        found = access.token_from_request(request)
        if found is None:
            raise FeedError("the sensor token given with --token is unknown or revoked")
        return found

    def _connect(self) -> None:
        answered = threading.Event()
        refusal: list[str] = []

        def on_connect(client, userdata, flags, reason_code, properties):
            if reason_code.is_failure:
                refusal.append(str(reason_code))
            answered.set()

        self.client.on_connect = on_connect
        try:
            self.client.connect(self.broker.host, self.broker.port, keepalive=60)
        except OSError as problem:
            raise FeedError(f"cannot reach {self.target}: {problem}") from None
        self.client.loop_start()
        if not answered.wait(CONNECT_TIMEOUT_S) or refusal:
            self.close()
            reason = refusal[0] if refusal else f"no answer within {CONNECT_TIMEOUT_S:.0f} s"
            raise FeedError(f"{self.target} refused the connection: {reason}")

    def ensure_stations(self, stations) -> list[StationEntities]:
        entities = ensure_stations(stations)
        if self.token is not None:
            things = m.Thing.objects.in_bulk([item.thing_id for item in entities])
            denied = [
                item.station.name
                for item in entities
                if not self.token.may_write(things[item.thing_id])
            ]
            if denied:
                raise FeedError(
                    f"the sensor token {self.token.prefix}… may not write "
                    f"{', '.join(denied)}; use a platform token (smartcity sensors create-token)"
                )
        return entities

    def send(self, groups: list[dict]) -> int:
        """Publish every value, QoS 1; returns how many the broker confirmed (all of them,
        or FeedError)."""
        properties = Properties(PacketTypes.PUBLISH)
        properties.ContentType = "application/json"
        if self.authorization:
            properties.UserProperty = [(AUTHORIZATION, self.authorization)]
        datastreams = ENTITY_SETS["Datastreams"]
        pending = []
        for group in groups:
            topic = topics.navigation_topic(
                datastreams, group["Datastream"]["@iot.id"], "Observations"
            )
            for row in group["dataArray"]:
                body = dict(zip(group["components"], row, strict=True))
                payload = json.dumps(body, separators=(",", ":")).encode()
                pending.append(self.client.publish(topic, payload, qos=1, properties=properties))
        for confirmed, info in enumerate(pending):
            try:
                info.wait_for_publish(CONFIRM_TIMEOUT_S)
            except (ValueError, RuntimeError) as problem:
                raise FeedError(
                    f"{self.target} took {confirmed} of {len(pending)} messages: {problem}"
                ) from None
            if not info.is_published():
                raise FeedError(
                    f"{self.target} confirmed {confirmed} of {len(pending)} messages, then "
                    f"nothing for {CONFIRM_TIMEOUT_S:.0f} s"
                )
        return len(pending)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
