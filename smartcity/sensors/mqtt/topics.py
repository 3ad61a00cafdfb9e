"""MQTT topic names of the SensorThings MQTT extension (OGC 18-088, section 14).

A topic is a resource path below the service root with the version as its first level:
``v1.1/Datastreams(5)/Observations``. Publishing to one of four Observation collections
creates an Observation (14.1); the server publishes entity changes on the collection,
entity and property topics (14.2). MQTT wildcards match whole levels, so
``v1.1/+/Observations`` matches ``v1.1/Datastreams(5)/Observations``.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from smartcity.sensors.sta.entities import ENTITY_SETS, EntitySet
from smartcity.sensors.sta.paths import Kind, PathError, parse_path

VERSION = "v1.1"
PREFIX = VERSION + "/"
# What the ingest subscribes to: every topic that can create an Observation, and no
# entity or property topic of the server's own publications.
INGEST_FILTERS = (f"{VERSION}/Observations", f"{VERSION}/+/Observations")
# The entity sets an Observation may be published under (14.1).
PARENT_SETS = ("Datastreams", "MultiDatastreams", "FeaturesOfInterest")
CREATE_TOPICS = (
    "v1.1/Observations, v1.1/Datastreams(<id>)/Observations, "
    "v1.1/MultiDatastreams(<id>)/Observations, v1.1/FeaturesOfInterest(<id>)/Observations"
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
    if not topic.startswith(PREFIX):
        raise RouteError(
            _("the topic does not start with %(prefix)s; publish to %(topics)s")
            % {"prefix": PREFIX, "topics": CREATE_TOPICS}
        )
    resource = topic[len(PREFIX) :]
    try:
        path = parse_path(resource)
    except PathError as problem:
        raise RouteError(
            _("%(problem)s; publish to %(topics)s")
            % {"problem": problem.message, "topics": CREATE_TOPICS}
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
            % {"topic": topic, "topics": CREATE_TOPICS}
        )
    if len(steps) == 1:
        return Route(resource)
    return Route(resource, steps[0].entity_set, steps[0].key)


def collection_topic(entity_set: EntitySet) -> str:
    return f"{PREFIX}{entity_set.name}"


def entity_topic(entity_set: EntitySet, pk: int) -> str:
    return f"{PREFIX}{entity_set.name}({pk})"


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
