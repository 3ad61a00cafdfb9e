"""MQTT topic names of the SensorThings MQTT extension (OGC 18-088, section 14).

A topic is a resource path below the service root with the version as its first level:
``v1.1/Datastreams(5)/Observations``. Publishing to one of four Observation collections
creates an Observation (14.1); the server publishes entity changes on the collection,
entity and property topics (14.2). MQTT wildcards match whole levels, so
``v1.1/+/Observations`` matches ``v1.1/Datastreams(5)/Observations``.

The setting ``MQTT_TOPIC_PREFIX`` (default empty) goes before every topic the platform
subscribes to and publishes on: with ``dresden/`` the platform uses
``dresden/v1.1/Datastreams(5)/Observations``, so that several platforms can share one
broker without reading each other's messages. It is read on every call, so a changed
setting (in tests) takes effect at once.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from smartcity.sensors.sta.entities import ENTITY_SETS, EntitySet
from smartcity.sensors.sta.paths import Kind, PathError, parse_path

VERSION = "v1.1"
# The entity sets an Observation may be published under (14.1).
PARENT_SETS = ("Datastreams", "MultiDatastreams", "FeaturesOfInterest")
# Characters a topic name cannot hold (wildcards, NUL; MQTT 5, section 4.7).
_NOT_IN_TOPICS = ("+", "#", "\x00")


def topic_prefix() -> str:
    """``MQTT_TOPIC_PREFIX``, ending with ``/`` when not empty (``dresden`` is read as
    ``dresden/``); ImproperlyConfigured for what cannot start a topic name: the wildcards
    ``+`` and ``#``, NUL, and a leading ``$`` (the broker's own topics, such as ``$SYS``
    and ``$share``)."""
    value = getattr(settings, "MQTT_TOPIC_PREFIX", "") or ""
    if not value:
        return ""
    if value.startswith("$") or any(char in value for char in _NOT_IN_TOPICS):
        raise ImproperlyConfigured(
            f"MQTT_TOPIC_PREFIX {value!r} cannot start a topic name: no '+', '#' or NUL, "
            "and no '$' at the start"
        )
    return value if value.endswith("/") else value + "/"


def root() -> str:
    """The first levels of every topic: the prefix and the version, ``dresden/v1.1/``."""
    return f"{topic_prefix()}{VERSION}/"


def ingest_filters() -> tuple[str, str]:
    """What the ingest subscribes to: every topic that can create an Observation, and no
    entity or property topic of the server's own publications."""
    return (f"{root()}Observations", f"{root()}+/Observations")


def create_topics() -> str:
    """The topics a client may publish Observations to, for error messages."""
    base = root()
    return (
        f"{base}Observations, {base}Datastreams(<id>)/Observations, "
        f"{base}MultiDatastreams(<id>)/Observations, "
        f"{base}FeaturesOfInterest(<id>)/Observations"
    )


class RouteError(Exception):
    """A topic that does not name an Observation collection a client may publish to."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class Route:
    """Where a published Observation goes: ``resource`` is the path below the service root
    (``Datastreams(5)/Observations``), ``parent`` the entity set and id it is created under,
    None for ``v1.1/Observations`` (the body then links its Datastream)."""

    resource: str
    parent_set: EntitySet | None = None
    parent_id: int | None = None


def route(topic: str) -> Route:
    """The :class:`Route` of a topic a client published to, or RouteError."""
    base = root()
    if not topic.startswith(base):
        raise RouteError(
            _("the topic does not start with %(prefix)s; publish to %(topics)s")
            % {"prefix": base, "topics": create_topics()}
        )
    resource = topic[len(base) :]
    try:
        path = parse_path(resource)
    except PathError as problem:
        raise RouteError(
            _("%(problem)s; publish to %(topics)s")
            % {"problem": problem.message, "topics": create_topics()}
        ) from None
    steps = path.steps
    if (
        path.kind is not Kind.COLLECTION
        or path.entity_set.name != "Observations"
        or len(steps) > 2
        or (len(steps) == 2 and steps[0].entity_set.name not in PARENT_SETS)
    ):
        raise RouteError(
            _("%(topic)s does not create Observations; publish to %(topics)s")
            % {"topic": topic, "topics": create_topics()}
        )
    if len(steps) == 1:
        return Route(resource)
    return Route(resource, steps[0].entity_set, steps[0].key)


def collection_topic(entity_set: EntitySet) -> str:
    return f"{root()}{entity_set.name}"


def entity_topic(entity_set: EntitySet, pk: int) -> str:
    return f"{root()}{entity_set.name}({pk})"


def property_topic(entity_set: EntitySet, pk: int, name: str) -> str:
    return f"{entity_topic(entity_set, pk)}/{name}"


def navigation_topic(parent_set: EntitySet, parent_pk: int, navigation: str) -> str:
    return f"{entity_topic(parent_set, parent_pk)}/{navigation}"


@dataclass(frozen=True)
class ParentLink:
    """A to-many navigation ``parent_set(id)/navigation`` whose members are of one entity
    set. ``attname`` is the foreign key column on the member (``datastream_id``) when the
    link is one; else ``lookup`` leads from the member to its parents (many-to-many)."""

    parent_set: EntitySet
    navigation: str
    attname: str | None
    lookup: str | None


def parent_links(entity_set: EntitySet) -> tuple[ParentLink, ...]:
    """The navigation collections an entity of ``entity_set`` is a member of: for a
    Datastream ``Things(t)/Datastreams``, ``Sensors(s)/Datastreams`` and
    ``ObservedProperties(o)/Datastreams``."""
    links = []
    for parent_set in ENTITY_SETS.values():
        for nav in parent_set.navigation:
            if not nav.to_many or nav.target != entity_set.name:
                continue
            field = parent_set.model._meta.get_field(nav.accessor)
            if field.one_to_many:
                links.append(ParentLink(parent_set, nav.name, field.field.attname, None))
            elif field.auto_created and not field.concrete:
                # The reverse side of a many-to-many field that the member declares.
                links.append(ParentLink(parent_set, nav.name, None, field.field.name))
            else:
                links.append(ParentLink(parent_set, nav.name, None, field.related_query_name()))
    return tuple(links)
