"""Entity changes for MQTT subscribers (OGC 18-088, section 14.2 "Receiving updates").

After every write that commits, the server publishes, QoS 1:

- a **created** entity on its entity set's topic (``v1.1/Observations``) and on the
  navigation collections it joined (``v1.1/Datastreams(5)/Observations``,
  ``v1.1/FeaturesOfInterest(3)/Observations``, ``v1.1/Things(1)/Datastreams``): the
  complete JSON of the entity, as ``GET`` answers it;
- an **updated** entity on its entity topic (``v1.1/Things(1)``), the complete JSON, and
  each property whose value changed on its property topic (``v1.1/Things(1)/name``):
  ``{"name": "..."}``.

Deletions are not published (the standard defines no message for them), nor are
``$select`` topics (the broker does not tell the server what clients subscribed to, so
every combination would have to be published).

Every topic starts with ``MQTT_TOPIC_PREFIX`` when it is set (``dresden/v1.1/Things(1)``;
:mod:`.topics`).

Nothing about a private Thing is published: each entity, and each parent in a navigation
topic, must be visible to an anonymous reader (``sta.query.visible``), as the topics are
open to every subscriber of the broker.

Every message carries the MQTT 5 user property ``origin: smartcity``; the ingest consumer
skips such messages, so the server never reads its own publications back as new readings.

:meth:`~smartcity.sensors.sta.effects.Effects.finish` calls :func:`schedule_publication`
inside the write's transaction; after the commit a django-tasks task
(``tasks.publish_changes_task``) loads the entities and publishes through one client per
process. A broker that is down never fails the write: the task logs it and drops the
messages, and tries to connect again after ``RETRY_AFTER_S``.
"""

import json
import logging
import os
import threading
import time
import uuid
from functools import partial

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from smartcity.sensors.mqtt import topics
from smartcity.sensors.mqtt.broker import (
    enabled,
    new_client,
    origin_properties,
    parse_url,
    publish_url,
    service_root_url,
)
from smartcity.sensors.sta.entities import BY_MODEL, ENTITY_SETS, EntitySet
from smartcity.sensors.sta.query import visible
from smartcity.sensors.sta.serialize import entity_json
from smartcity.sensors.sta.write import entity_document

logger = logging.getLogger(__name__)

# Changes per task: the ids travel through the task queue as JSON.
CHUNK = 500
# How long a publish waits for the broker's PUBACKs, in all.
CONFIRM_TIMEOUT_S = 10.0
# After a failed connection, messages are dropped for this long before the next try, so
# that a broker that is down does not slow every write down by a connection timeout.
RETRY_AFTER_S = 10.0
MAX_INFLIGHT = 1000
MAX_QUEUED = 100_000


# --- collecting, in the write's transaction ----------------------------------------------


def schedule_publication(created: list, updated: list[tuple[object, dict]]) -> None:
    """Publish these entities once the transaction commits (nothing when MQTT is off).

    ``created`` are saved entities; ``updated`` pairs an entity with its STA document
    before the update (``write.entity_document``), so that only changed properties are
    published on property topics. An entity both created and updated is published as
    created.
    """
    if not enabled() or not (created or updated):
        return
    changes: dict[tuple[str, int], dict | None] = {}
    for entity in created:
        if entity.pk is not None:
            changes[(BY_MODEL[type(entity)].name, entity.pk)] = None
    for entity, before in updated:
        key = (BY_MODEL[type(entity)].name, entity.pk)
        if entity.pk is not None and key not in changes:
            changes[key] = before
    items = [[name, pk, before] for (name, pk), before in changes.items()]
    for start in range(0, len(items), CHUNK):
        transaction.on_commit(partial(_enqueue, items[start : start + CHUNK]), robust=True)


def _enqueue(changes: list) -> None:
    from smartcity.sensors.mqtt.tasks import publish_changes_task

    publish_changes_task.enqueue(changes)


# --- what to publish ---------------------------------------------------------------------


def _payload(body) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _visible_pks(entity_set: EntitySet, pks) -> set[int]:
    queryset = entity_set.model.objects.filter(pk__in=list(pks))
    return set(visible(queryset, entity_set, AnonymousUser()).values_list("pk", flat=True))


def _parent_topics(entity_set: EntitySet, entities: list) -> list[tuple[object, str]]:
    """``(entity, topic)`` for each navigation collection a created entity belongs to,
    leaving out parents an anonymous reader cannot see."""
    pairs: list[tuple[object, EntitySet, int, str]] = []
    by_pk = {entity.pk: entity for entity in entities}
    for link in topics.parent_links(entity_set):
        if link.attname is not None:
            for entity in entities:
                parent_pk = getattr(entity, link.attname)
                if parent_pk is not None:
                    pairs.append((entity, link.parent_set, parent_pk, link.navigation))
            continue
        rows = entity_set.model.objects.filter(
            pk__in=list(by_pk), **{f"{link.lookup}__isnull": False}
        ).values_list("pk", link.lookup)
        for member_pk, parent_pk in rows:
            pairs.append((by_pk[member_pk], link.parent_set, parent_pk, link.navigation))
    wanted: dict[str, set[int]] = {}
    for _entity, parent_set, parent_pk, _nav in pairs:
        wanted.setdefault(parent_set.name, set()).add(parent_pk)
    shown = {name: _visible_pks(ENTITY_SETS[name], pks) for name, pks in wanted.items()}
    return [
        (entity, topics.navigation_topic(parent_set, parent_pk, nav))
        for entity, parent_set, parent_pk, nav in pairs
        if parent_pk in shown[parent_set.name]
    ]


def messages_for(changes: list, *, base_url: str) -> tuple[list[tuple[str, bytes]], int]:
    """The ``(topic, payload)`` messages for ``[entity set, pk, before or None]`` changes,
    and how many changed entities were withheld (private, or deleted since)."""
    created: dict[str, list[int]] = {}
    updated: dict[str, dict[int, dict]] = {}
    for name, pk, before in changes:
        if before is None:
            created.setdefault(name, []).append(pk)
        else:
            updated.setdefault(name, {})[pk] = before
    messages: list[tuple[str, bytes]] = []
    withheld = 0
    for name in ENTITY_SETS:
        entity_set = ENTITY_SETS[name]
        new_pks, changed = created.get(name, []), updated.get(name, {})
        if not new_pks and not changed:
            continue
        queryset = visible(
            entity_set.model.objects.filter(pk__in=[*new_pks, *changed]),
            entity_set,
            AnonymousUser(),
        )
        found = queryset.in_bulk()
        withheld += len(new_pks) + len(changed) - len(found)
        bodies = {
            pk: _payload(entity_json(e, entity_set, base_url=base_url)) for pk, e in found.items()
        }
        new = [found[pk] for pk in new_pks if pk in found]
        for entity in new:
            messages.append((topics.collection_topic(entity_set), bodies[entity.pk]))
        for entity, topic in _parent_topics(entity_set, new):
            messages.append((topic, bodies[entity.pk]))
        for pk, before in changed.items():
            entity = found.get(pk)
            if entity is None:
                continue
            messages.append((topics.entity_topic(entity_set, pk), bodies[pk]))
            after = entity_document(entity)
            for prop, value in after.items():
                if prop not in before or before[prop] != value:
                    body = entity_json(entity, entity_set, base_url=base_url, select=[prop])
                    messages.append((topics.property_topic(entity_set, pk, prop), _payload(body)))
    return messages, withheld


# --- the process-wide client -------------------------------------------------------------


class Publisher:
    """One connected MQTT client; paho's network thread reconnects it when the broker
    goes away and sends what was queued meanwhile."""

    def __init__(self, url: str):
        self.url = url
        self.pid = os.getpid()
        broker = parse_url(url)
        self.client = new_client(broker, f"smartcity-publish-{uuid.uuid4().hex[:16]}")
        self.client.max_inflight_messages_set(MAX_INFLIGHT)
        self.client.max_queued_messages_set(MAX_QUEUED)
        self.client.connect(broker.host, broker.port, keepalive=60)
        self.client.loop_start()

    def publish(self, messages: list[tuple[str, bytes]], timeout: float) -> int:
        """Publish QoS 1; returns how many the broker confirmed within ``timeout``."""
        properties = origin_properties()
        infos = [
            self.client.publish(topic, payload, qos=1, properties=properties)
            for topic, payload in messages
        ]
        deadline = time.monotonic() + timeout
        confirmed = 0
        for info in infos:
            try:
                info.wait_for_publish(max(0.0, deadline - time.monotonic()))
            except (ValueError, RuntimeError):
                continue
            confirmed += info.is_published()
        return confirmed

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


_lock = threading.Lock()
_publisher: Publisher | None = None
_failed_at: dict[str, float] = {}


def _current_publisher() -> Publisher | None:
    """The process's publisher for ``MQTT_PUBLISH_URL`` (else ``MQTT_URL``), connected on
    first use; None while the broker cannot be reached."""
    global _publisher
    url = publish_url()
    with _lock:
        if _publisher is not None and (_publisher.url != url or _publisher.pid != os.getpid()):
            if _publisher.pid == os.getpid():
                _publisher.close()
            _publisher = None
        if _publisher is None:
            failed = _failed_at.get(url)
            if failed is not None and time.monotonic() - failed < RETRY_AFTER_S:
                return None
            try:
                _publisher = Publisher(url)
            except OSError as problem:
                _failed_at[url] = time.monotonic()
                logger.warning("MQTT broker %s unreachable: %s", parse_url(url).public_url, problem)
                return None
            _failed_at.pop(url, None)
        return _publisher


def publish_changes(changes: list) -> dict:
    """Publish the messages for ``changes`` (see :func:`messages_for`); never raises for an
    unreachable broker. Returns counts: messages, confirmed, withheld entities."""
    if not enabled():
        return {"messages": 0, "confirmed": 0, "withheld": 0}
    messages, withheld = messages_for(changes, base_url=service_root_url())
    confirmed = 0
    if messages:
        publisher = _current_publisher()
        if publisher is None:
            logger.warning("MQTT: %d entity-change messages dropped, broker down", len(messages))
        else:
            confirmed = publisher.publish(messages, CONFIRM_TIMEOUT_S)
            if confirmed < len(messages):
                logger.warning(
                    "MQTT: broker confirmed %d of %d entity-change messages",
                    confirmed,
                    len(messages),
                )
    return {"messages": len(messages), "confirmed": confirmed, "withheld": withheld}
