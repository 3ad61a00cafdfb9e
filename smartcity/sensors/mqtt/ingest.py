"""Creating Observations by MQTT publish (OGC 18-088, section 14.1), run by
``smartcity mqtt-ingest``.

A sensor publishes one Observation as JSON, QoS 1, to one of

- ``v1.1/Datastreams(<id>)/Observations`` or ``v1.1/MultiDatastreams(<id>)/Observations``;
- ``v1.1/FeaturesOfInterest(<id>)/Observations`` (the body links its Datastream);
- ``v1.1/Observations`` (the body links its Datastream or MultiDatastream);

each after ``MQTT_TOPIC_PREFIX`` when it is set (``dresden/v1.1/Observations``).

The body is what ``POST`` to that collection takes, and the same rules apply: the write
services of ``sta/write.py`` and the access checks of the HTTP service (``sta/authority.py``).

**Access.** MQTT carries no per-message HTTP credentials. The broker authenticates clients
and its ACL limits the topics they may publish to (``docs/sensors-mqtt.md`` has a sample
configuration). On top of that, a message carries a sensor token in the MQTT 5 user
property ``authorization`` (``Bearer st_...``), checked with ``access.may_write`` against
the Datastream's Thing, exactly as over HTTP. ``MQTT_REQUIRE_TOKEN`` (default True) refuses
messages without one; set to False, the broker's authentication is trusted and such
messages write with platform scope. A token that is given and invalid is always refused.
A broker hands user properties to every subscriber of the topic, so the sensors' broker
must not be the public one (``MQTT_PUBLISH_URL``; ``docs/sensors-mqtt.md``, "Deployment").

**Idempotency.** QoS 1 is "at least once": the broker redelivers a message whose
acknowledgement it did not get (a consumer crash between commit and PUBACK). A message with
a ``phenomenonTime`` gets an ingest key, SHA-256 of its topic and canonical JSON, stored
with the Observation in one transaction (:class:`~.models.IngestKey`, unique); a message
whose key is known is acknowledged and not stored again. Two identical readings of the same
stream and phenomenonTime are one Observation anyway. A message without phenomenonTime is
stamped with the arrival time and cannot be told apart from a new reading: it is stored
once per delivery. Keys are purged after ``key_ttl_days``.

**Dead letters.** A message that cannot be stored (not UTF-8, not JSON, not one JSON
object, a topic that creates nothing, an invalid Observation, an unknown Datastream, no or
a wrong token) becomes a :class:`~.models.DeadLetter` with the reason; it never stops the
consumer, and it is acknowledged (a redelivery would fail the same way).

**Batches.** Messages are collected for up to ``batch_ms`` or ``batch_size`` messages and
stored in one transaction, acknowledged after the commit. Plain readings of a Datastream or
MultiDatastream the token may write go through the data-array bulk insert
(``create_observations``, one statement per stream); everything else, and every reading the
bulk insert refuses, goes through the HTTP service one message at a time, each in its own
savepoint, so that a bad message never takes good ones with it. A database that is
unavailable aborts the batch unacknowledged; it is retried with back-off.
"""

import hashlib
import json
import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from smartcity.sensors import access
from smartcity.sensors import models as m
from smartcity.sensors.mqtt import topics
from smartcity.sensors.mqtt.broker import (
    AUTHORIZATION,
    Broker,
    configured_broker,
    is_own,
    new_client,
    parse_url,
    service_root_url,
    user_properties,
)
from smartcity.sensors.mqtt.models import DeadLetter, IngestKey
from smartcity.sensors.sta.authority import Caller
from smartcity.sensors.sta.calls import Call
from smartcity.sensors.sta.paths import MAX_ID
from smartcity.sensors.sta.service import Service
from smartcity.sensors.sta.validation import STAError, json_type
from smartcity.sensors.sta.write import create_observations

logger = logging.getLogger(__name__)

MAX_DEAD_PAYLOAD = 64 * 1024
KEY_TTL_DAYS = 7
DEAD_LETTER_DAYS = 30
# The Observation properties the bulk insert takes; a message with others goes one by one.
BULK_COMPONENTS = (
    "phenomenonTime",
    "result",
    "resultTime",
    "resultQuality",
    "validTime",
    "parameters",
)
STREAM_LINKS = {"Datastream": m.Datastream, "MultiDatastream": m.MultiDatastream}
_QUERY_CHUNK = 500
RECEIVE_MAXIMUM = 65535
_HOUSEKEEPING_S = 3600.0


@dataclass
class Message:
    """One MQTT message to ingest. ``mid``, ``qos`` and ``generation`` (the connection it
    came on) say how to acknowledge it."""

    topic: str
    payload: bytes
    authorization: str | None = None
    mid: int = 0
    qos: int = 0
    generation: int = 0


@dataclass
class Outcome:
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0

    def add(self, other: "Outcome") -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.dead_letters += other.dead_letters


def ingest_key(topic: str, body: dict) -> str | None:
    """The idempotency key of a message: None without a phenomenonTime (see above)."""
    if body.get("phenomenonTime") is None:
        return None
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{topic}\n{canonical}".encode()).hexdigest()


def _text(value: str) -> str:
    # PostgreSQL text cannot hold NUL; the dead letter shows it escaped instead.
    return value.replace("\x00", "\\x00")


def dead_letter(message: Message, reason: str) -> DeadLetter:
    payload = message.payload[:MAX_DEAD_PAYLOAD].decode("utf-8", errors="backslashreplace")
    return DeadLetter(
        topic=_text(message.topic),
        payload=_text(payload),
        payload_size=len(message.payload),
        reason=_text(reason),
    )


def _reject_constant(name):
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


def broker_token() -> m.SensorToken:
    """The writer of messages without a token when ``MQTT_REQUIRE_TOKEN`` is False: the
    broker authenticated the client, so the message writes with platform scope. Never saved."""
    return m.SensorToken(name="MQTT broker", prefix="mqtt")


def require_token_default() -> bool:
    return bool(getattr(settings, "MQTT_REQUIRE_TOKEN", True))


@dataclass
class _Item:
    message: Message
    route: topics.Route
    body: dict
    key: str | None
    token: m.SensorToken | None = None
    stream: object = None


@dataclass
class _Batch:
    """One batch being ingested: what is stored, skipped and refused."""

    require_token: bool
    outcome: Outcome = field(default_factory=Outcome)
    dead: list[tuple[Message, DeadLetter]] = field(default_factory=list)
    _tokens: dict[str, m.SensorToken | None] = field(default_factory=dict)

    def refuse(self, message: Message, reason: str) -> None:
        self.dead.append((message, dead_letter(message, reason)))
        self.outcome.dead_letters += 1

    def dead_letters(self, messages: list[Message]) -> list[DeadLetter]:
        """The dead letters in the order their messages arrived."""
        position = {id(message): index for index, message in enumerate(messages)}
        return [letter for message, letter in sorted(self.dead, key=lambda d: position[id(d[0])])]

    # parsing

    def parse(self, message: Message) -> _Item | None:
        try:
            route = topics.route(message.topic)
        except topics.RouteError as problem:
            self.refuse(message, problem.message)
            return None
        try:
            body = json.loads(message.payload.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            self.refuse(message, _("the payload is not UTF-8 text"))
            return None
        except ValueError as problem:
            self.refuse(message, _("the payload is not valid JSON: %(error)s") % {"error": problem})
            return None
        if not isinstance(body, dict):
            self.refuse(
                message,
                _("the payload must be one Observation as a JSON object, not %(type)s")
                % {"type": json_type(body)},
            )
            return None
        return _Item(message, route, body, ingest_key(message.topic, body))

    def authorise(self, item: _Item) -> bool:
        header = item.message.authorization
        if header:
            if header not in self._tokens:
                request = _HeaderOnly(header)
                self._tokens[header] = access.token_from_request(request)
            item.token = self._tokens[header]
            if item.token is None:
                self.refuse(
                    item.message,
                    _(
                        "the authorization user property carries no valid sensor token "
                        "(unknown or revoked)"
                    ),
                )
                return False
            return True
        if self.require_token:
            self.refuse(
                item.message,
                _(
                    "a sensor token is required: send it in the MQTT 5 user property "
                    "'authorization' as 'Bearer <token>'"
                ),
            )
            return False
        item.token = broker_token()
        return True

    # storing

    def store(self, items: list[_Item]) -> None:
        bulk, single = [], []
        for item in items:
            (bulk if item.stream is not None else single).append(item)
        single += self._store_bulk(bulk)
        for item in single:
            self._store_one(item)

    def _store_bulk(self, items: list[_Item]) -> list[_Item]:
        """Store readings with the data-array bulk insert; returns those it refused, for
        the one-by-one path to store or explain."""
        if not items:
            return []
        groups: dict[tuple[type, int], list[_Item]] = {}
        for item in items:
            groups.setdefault((type(item.stream), item.stream.pk), []).append(item)
        payload, order = [], []
        for (model, pk), members in groups.items():
            payload.append(
                {
                    "Datastream" if model is m.Datastream else "MultiDatastream": {"@iot.id": pk},
                    "components": list(BULK_COMPONENTS),
                    "dataArray": [[i.body.get(c) for c in BULK_COMPONENTS] for i in members],
                }
            )
            order += members
        try:
            with transaction.atomic():
                links = create_observations(payload, base_url=service_root_url())
                stored = [item for item, link in zip(order, links, strict=True) if link != "error"]
                IngestKey.objects.bulk_create([IngestKey(key=i.key) for i in stored if i.key])
        except (STAError, IntegrityError):
            # A stream-wide problem (its Thing has no Location) or a key stored meanwhile
            # by another consumer: each message on its own says which.
            return items
        self.outcome.stored += len(stored)
        return [item for item, link in zip(order, links, strict=True) if link == "error"]

    def _store_one(self, item: _Item) -> None:
        resource = item.route.resource
        root_path = reverse("sta:root")
        service = Service(
            Caller(AnonymousUser(), item.token), base_url=service_root_url(), root_path=root_path
        )
        call = Call(
            method="POST",
            resource=resource,
            query=QueryDict(),
            request_path=root_path + resource,
            content_type="application/json",
            body=item.message.payload,
        )
        try:
            with transaction.atomic():
                if item.key:
                    IngestKey.objects.create(key=item.key)
                result = service.handle(call)
                if result.status >= 400:
                    raise _Refused(str((result.data or {}).get("detail", result.status)))
        except _Refused as refused:
            self.refuse(item.message, refused.reason)
            return
        except (OperationalError, InterfaceError):
            raise
        except IntegrityError as problem:
            if item.key and IngestKey.objects.filter(key=item.key).exists():
                self.outcome.duplicates += 1
            else:
                self.refuse(item.message, _refused_by_database(problem))
            return
        except DatabaseError as problem:
            self.refuse(item.message, _refused_by_database(problem))
            return
        self.outcome.stored += 1


def _refused_by_database(problem: Exception) -> str:
    return _("the database refused the Observation: %(error)s") % {"error": problem}


class _Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _HeaderOnly:
    """What ``access.token_from_request`` reads of a request: its Authorization header."""

    def __init__(self, header: str):
        self.META = {"HTTP_AUTHORIZATION": header}


def _known_keys(keys: set[str]) -> set[str]:
    ordered, known = sorted(keys), set()
    for start in range(0, len(ordered), _QUERY_CHUNK):
        chunk = ordered[start : start + _QUERY_CHUNK]
        known.update(IngestKey.objects.filter(key__in=chunk).values_list("key", flat=True))
    return known


def _bulk_stream(item: _Item) -> tuple[type, int] | None:
    """The stream of a plain reading the bulk insert can take, else None."""
    body, route = item.body, item.route
    names = [name for name in body if "@iot." not in name]
    if route.parent_set is None:
        links = [name for name in names if name in STREAM_LINKS]
        if len(links) != 1:
            return None
        link = body[links[0]]
        if not isinstance(link, dict) or set(link) != {"@iot.id"}:
            return None
        model, pk = STREAM_LINKS[links[0]], link["@iot.id"]
        names.remove(links[0])
    elif route.parent_set.model in (m.Datastream, m.MultiDatastream):
        model, pk = route.parent_set.model, route.parent_id
    else:
        return None
    if type(pk) is not int or not 0 < pk <= MAX_ID:
        return None
    if "result" not in names or any(name not in BULK_COMPONENTS for name in names):
        return None
    return model, pk


def _assign_streams(items: list[_Item]) -> None:
    """Give each reading the bulk insert may store its stream: it exists and the token
    may write its Thing (anything else is explained by the one-by-one path)."""
    wanted: dict[int, tuple[type, int]] = {}
    for item in items:
        stream = _bulk_stream(item)
        if stream is not None:
            wanted[id(item)] = stream
    streams: dict[tuple[type, int], object] = {}
    for model in STREAM_LINKS.values():
        pks = sorted({pk for kind, pk in wanted.values() if kind is model})
        for start in range(0, len(pks), _QUERY_CHUNK):
            found = model.objects.select_related("thing").in_bulk(pks[start : start + _QUERY_CHUNK])
            streams.update({(model, pk): stream for pk, stream in found.items()})
    for item in items:
        stream = streams.get(wanted.get(id(item)))
        if stream is not None and item.token.may_write(stream.thing):
            item.stream = stream


def ingest(messages: list[Message], *, require_token: bool | None = None) -> Outcome:
    """Store a batch of messages in one transaction (see the module docstring).

    Raises OperationalError / InterfaceError when the database is unavailable: nothing is
    stored then, and the caller retries the batch.
    """
    batch = _Batch(require_token_default() if require_token is None else require_token)
    items = [item for item in (batch.parse(message) for message in messages) if item]
    with transaction.atomic():
        known = _known_keys({item.key for item in items if item.key})
        fresh = []
        for item in items:
            if item.key and item.key in known:
                batch.outcome.duplicates += 1
                continue
            if item.key:
                known.add(item.key)
            if batch.authorise(item):
                fresh.append(item)
        _assign_streams(fresh)
        batch.store(fresh)
        letters = DeadLetter.objects.bulk_create(batch.dead_letters(messages))
    for letter in letters:
        logger.info("MQTT dead letter on %s: %s", letter.topic, letter.reason)
    return batch.outcome


def ingest_each(messages: list[Message], *, require_token: bool | None = None) -> Outcome:
    """Like :func:`ingest`, one message per transaction: the fallback when a batch fails
    unexpectedly. A message that fails unexpectedly on its own becomes a dead letter."""
    outcome = Outcome()
    for message in messages:
        try:
            outcome.add(ingest([message], require_token=require_token))
        except (OperationalError, InterfaceError):
            raise
        except Exception as problem:
            logger.exception("MQTT ingest failed on a message on %s", message.topic)
            dead_letter(message, _("internal error: %(error)r") % {"error": problem}).save()
            outcome.dead_letters += 1
    return outcome


def purge_expired(*, key_ttl_days: int = KEY_TTL_DAYS, now=None) -> tuple[int, int]:
    """Delete ingest keys older than ``key_ttl_days`` and dead letters older than
    ``DEAD_LETTER_DAYS``; returns how many of each."""
    now = now or timezone.now()
    keys, _detail = IngestKey.objects.filter(
        created_at__lt=now - timedelta(days=key_ttl_days)
    ).delete()
    letters, _detail = DeadLetter.objects.filter(
        received_at__lt=now - timedelta(days=DEAD_LETTER_DAYS)
    ).delete()
    return keys, letters


# --- the consumer ------------------------------------------------------------------------


# Connections dropped this soon after they were made, this many times in a row, mean
# another process probably uses the same client id (each takes the session from the other;
# Mosquitto 2.0 closes the connection without a "session taken over" reason code).
_SHORT_CONNECTION_S = 5.0
_SHORT_CONNECTIONS = 3


class Consumer:
    """Subscribes to the Observation topics (QoS 1, MQTT 5) and ingests in batches.

    ``group`` makes the subscription shared (``$share/<group>/...``): the consumers of a
    group split the messages, each message goes to one of them. None subscribes alone.
    ``client_id`` names the MQTT session: kept by the broker for ``session_expiry_s`` after
    a disconnect, so that what is published while the consumer restarts waits for it. Each
    running consumer needs its own client id.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        group: str | None = "smartcity-ingest",
        client_id: str | None = None,
        batch_size: int = 500,
        batch_ms: int = 100,
        session_expiry_s: int = 86400,
        require_token: bool | None = None,
        key_ttl_days: int = KEY_TTL_DAYS,
    ):
        if batch_size < 1 or batch_ms < 0:
            raise ValueError("batch_size must be at least 1 and batch_ms not negative")
        self.broker: Broker = parse_url(url) if url else configured_broker()
        topics.topic_prefix()  # a bad MQTT_TOPIC_PREFIX stops the consumer before it starts
        self.group = group or None
        self.client_id = client_id or f"smartcity-ingest-{socket.gethostname()}"
        self.batch_size = batch_size
        self.batch_s = batch_ms / 1000
        self.session_expiry_s = session_expiry_s
        self.require_token = require_token_default() if require_token is None else require_token
        self.key_ttl_days = key_ttl_days
        self.ready = threading.Event()  # set once subscribed
        self.totals = Outcome()
        self.ignored = 0  # the server's own publications
        self._queue: queue.Queue[Message] = queue.Queue()
        self._generation = 0
        self._connected_at = 0.0
        self._short_connections = 0
        self._next_housekeeping = 0.0
        self._client = None

    @property
    def filters(self) -> list[str]:
        prefix = f"$share/{self.group}/" if self.group else ""
        return [prefix + name for name in topics.ingest_filters()]

    # paho callbacks (its network thread)

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.error("MQTT broker refused the connection: %s", reason_code)
            return
        self._generation += 1
        self._connected_at = time.monotonic()
        logger.info(
            "MQTT connected to %s as %s (session present: %s)",
            self.broker.public_url,
            self.client_id,
            flags.session_present,
        )
        client.subscribe([(name, SubscribeOptions(qos=1)) for name in self.filters])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        failed = [code for code in reason_codes if code.is_failure]
        if failed:
            logger.error("MQTT subscription refused: %s", failed)
            return
        self.ready.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.ready.clear()
        if not reason_code.is_failure:
            return
        logger.warning("MQTT connection lost (%s); reconnecting", reason_code)
        if time.monotonic() - self._connected_at < _SHORT_CONNECTION_S:
            self._short_connections += 1
        else:
            self._short_connections = 0
        if self._short_connections == _SHORT_CONNECTIONS:
            logger.error(
                "MQTT connection dropped %d times right after connecting: does another "
                "consumer use the client id %r? Give each consumer its own --client-id.",
                _SHORT_CONNECTIONS,
                self.client_id,
            )

    def _on_message(self, client, userdata, message):
        if is_own(message):
            # An entity change the server published: acknowledged, never ingested.
            self.ignored += 1
            if message.qos:
                client.ack(message.mid, message.qos)
            return
        authorization = next(
            (value for name, value in user_properties(message) if name.lower() == AUTHORIZATION),
            None,
        )
        self._queue.put(
            Message(
                topic=message.topic,
                payload=message.payload,
                authorization=authorization,
                mid=message.mid,
                qos=message.qos,
                generation=self._generation,
            )
        )

    # the consumer's own thread

    def _start(self) -> None:
        client = new_client(self.broker, self.client_id, manual_ack=True)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry_s
        # Unacknowledged messages in flight to this consumer (the MQTT 5 maximum). A broker
        # queues what it cannot send yet, and drops past its queue limit (Mosquitto:
        # max_queued_messages, 1000 by default); messages in flight are kept until
        # acknowledged, and redelivered after a reconnect, so a burst waits here instead.
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=60,
            clean_start=False,
            properties=properties,
        )
        client.loop_start()
        self._client = client

    def _stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None
        connections.close_all()

    def _collect(self, stop_event: threading.Event) -> list[Message]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_s
        while len(batch) < self.batch_size and not stop_event.is_set():
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def _ingest(self, batch: list[Message], stop_event: threading.Event) -> bool:
        """Ingest until it succeeds; False when stopped first (the batch stays unacked)."""
        delay = 1.0
        while True:
            try:
                try:
                    outcome = ingest(batch, require_token=self.require_token)
                except (OperationalError, InterfaceError):
                    raise
                except Exception:
                    logger.exception("MQTT ingest of a batch failed; storing one by one")
                    outcome = ingest_each(batch, require_token=self.require_token)
            except (OperationalError, InterfaceError) as problem:
                logger.warning("database unavailable (%s); retrying in %.0f s", problem, delay)
                for connection in connections.all():
                    connection.close_if_unusable_or_obsolete()
                if stop_event.wait(delay):
                    return False
                delay = min(delay * 2, 60.0)
                continue
            self.totals.add(outcome)
            return True

    def _acknowledge(self, batch: list[Message]) -> None:
        for message in batch:
            # Messages of an earlier connection are redelivered on this one under new ids
            # (and then found by their ingest key): their old ids mean nothing now.
            if message.qos and message.generation == self._generation:
                self._client.ack(message.mid, message.qos)

    def _housekeeping(self) -> None:
        if time.monotonic() < self._next_housekeeping:
            return
        self._next_housekeeping = time.monotonic() + _HOUSEKEEPING_S
        try:
            keys, letters = purge_expired(key_ttl_days=self.key_ttl_days)
        except (OperationalError, InterfaceError) as problem:
            logger.warning("MQTT ingest housekeeping skipped: %s", problem)
            return
        if keys or letters:
            logger.info("MQTT ingest purged %d ingest keys and %d dead letters", keys, letters)

    def run(self, stop_event: threading.Event) -> None:
        """Consume until ``stop_event`` is set."""
        self._start()
        try:
            while not stop_event.is_set():
                self._housekeeping()
                batch = self._collect(stop_event)
                if batch and self._ingest(batch, stop_event):
                    self._acknowledge(batch)
        finally:
            self._stop()
