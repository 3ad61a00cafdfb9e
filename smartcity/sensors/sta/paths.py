"""Resource paths of the SensorThings API 1.1 (OGC 18-088, section 9.2), parsed.

A path below the service root (``/sta/v1.1/``) is read segment by segment with a small
state machine driven by the entity table of ``sta/entities.py``:

=====================================  ===================================================
``""``                                  the service root (9.2.1)
``Things``                              a collection of an entity set (9.2.2)
``Things(1)``                           one entity by id (9.2.3)
``Things(1)/Datastreams``               the entities linked to one (9.2.5, to-many)
``Datastreams(1)/Thing``                the entity linked to one (9.2.5, to-one)
``Things(1)/Datastreams(5)``            one linked entity; it must belong to Things(1)
``Things(1)/name``                      one property (9.2.4)
``Things(1)/name/$value``               the property's raw value (9.2.5)
``Things/$ref``, ``Things(1)/$ref``     references (selfLinks) instead of entities (9.2.6)
``CreateObservations``, ``$batch``      the data-array (14.4) and batch (11) resources
=====================================  ===================================================

Navigation chains may be as long as the entity model allows
(``Things(1)/Datastreams(5)/Observations``). Ids are integers. Nothing here touches the
database: whether ``Things(1)`` exists, or may be seen, is ``sta/lookup.py``'s business.

An unknown entity set, navigation property or property, or a malformed path, is a
:class:`PathError` with status 404; a malformed id (``Things('a')``, ``Things()``) is 400.
"""

from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext as _

from smartcity.sensors.sta.entities import ENTITY_SETS, EntitySet, Navigation, Property

CREATE_OBSERVATIONS = "CreateObservations"
BATCH = "$batch"
REF = "$ref"
VALUE = "$value"
# The database's integer range; a larger number is no id (and would overflow a query).
MAX_ID = 2**63 - 1


class PathError(Exception):
    """A path that names no resource (404) or carries a malformed id (400)."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self):
        return self.message


class Kind(Enum):
    SERVICE = "service"
    COLLECTION = "collection"
    ENTITY = "entity"
    PROPERTY = "property"
    VALUE = "value"
    REF = "ref"
    CREATE_OBSERVATIONS = "create_observations"
    BATCH = "batch"


@dataclass(frozen=True)
class Step:
    """One entity-set segment: ``Things``, ``Things(1)``, or a navigation ``Datastreams(5)``.

    ``navigation`` is the navigation property followed from the previous step (None for the
    first step, which names an entity set of the service root).
    """

    entity_set: EntitySet
    navigation: Navigation | None = None
    key: int | None = None

    @property
    def single(self) -> bool:
        """Whether the step addresses one entity rather than a collection."""
        return self.key is not None or (self.navigation is not None and not self.navigation.to_many)

    @property
    def text(self) -> str:
        name = self.navigation.name if self.navigation is not None else self.entity_set.name
        return name if self.key is None else f"{name}({self.key})"


@dataclass(frozen=True)
class ResourcePath:
    kind: Kind
    steps: tuple[Step, ...] = ()
    prop: Property | None = None  # for PROPERTY and VALUE paths

    @property
    def target(self) -> Step:
        return self.steps[-1]

    @property
    def entity_set(self) -> EntitySet:
        return self.target.entity_set

    @property
    def single(self) -> bool:
        """For REF paths: a reference to one entity (``Things(1)/$ref``) or a list."""
        return self.target.single

    @property
    def text(self) -> str:
        return "/".join(step.text for step in self.steps)


def _split_segment(segment: str) -> tuple[str, str | None]:
    """``"Things(1)"`` -> ``("Things", "1")``; ``"Things"`` -> ``("Things", None)``."""
    open_at = segment.find("(")
    if open_at == -1:
        if ")" in segment:
            raise PathError(_("“%(segment)s” is not a valid path segment") % {"segment": segment})
        return segment, None
    if not segment.endswith(")") or segment.count("(") != 1 or segment.count(")") != 1:
        raise PathError(
            _("“%(segment)s” is not a valid path segment; address an entity as Name(<id>)")
            % {"segment": segment}
        )
    return segment[:open_at], segment[open_at + 1 : -1]


def _key(name: str, text: str) -> int:
    """An entity id: a positive integer (9.2.3; this service's ids are integers)."""
    if not text.isascii() or not text.isdigit():
        raise PathError(
            _("%(name)s(%(key)s): an id must be a positive integer, such as %(name)s(1)")
            % {"name": name, "key": text},
            status=400,
        )
    key = int(text)
    if key == 0 or key > MAX_ID:
        raise PathError(_("%(name)s(%(key)s) does not exist") % {"name": name, "key": text})
    return key


def _known(entity_set: EntitySet) -> str:
    names = [n.name for n in entity_set.navigation] + [p.name for p in entity_set.properties]
    return ", ".join(names)


def parse_path(text: str) -> ResourcePath:
    """Parse the (URL-decoded) path below the service root, without a leading slash.

    One trailing slash is tolerated (``Things/`` is ``Things``).
    """
    if text.endswith("/"):
        text = text[:-1]
    if text == "":
        return ResourcePath(Kind.SERVICE)
    segments = text.split("/")
    if "" in segments:
        raise PathError(_("the path “%(path)s” has an empty segment") % {"path": text})
    first = segments[0]
    if first in (CREATE_OBSERVATIONS, BATCH):
        if len(segments) > 1:
            raise PathError(_("%(resource)s takes no further path segments") % {"resource": first})
        return ResourcePath(
            Kind.CREATE_OBSERVATIONS if first == CREATE_OBSERVATIONS else Kind.BATCH
        )

    name, key_text = _split_segment(first)
    entity_set = ENTITY_SETS.get(name)
    if entity_set is None:
        raise PathError(
            _("“%(name)s” is not an entity set of this service; known are: %(names)s")
            % {"name": name, "names": ", ".join(ENTITY_SETS)}
        )
    key = None if key_text is None else _key(name, key_text)
    steps = [Step(entity_set, None, key)]
    return _rest(steps, segments[1:])


def _rest(steps: list[Step], segments: list[str]) -> ResourcePath:
    """Follow the segments after the first entity-set segment."""
    index = 0
    while index < len(segments):
        segment = segments[index]
        last = index == len(segments) - 1
        step = steps[-1]
        if segment == REF:
            if not last:
                raise PathError(_("nothing may follow $ref"))
            return ResourcePath(Kind.REF, tuple(steps))
        if not step.single:
            raise PathError(
                _(
                    "%(path)s is a collection; address one entity, such as %(set)s(1), "
                    "before “%(segment)s”"
                )
                % {
                    "path": "/".join(s.text for s in steps),
                    "set": step.text,
                    "segment": segment,
                }
            )
        name, key_text = _split_segment(segment)
        entity_set = step.entity_set
        navigation = entity_set.nav(name)
        if navigation is not None:
            if key_text is not None and not navigation.to_many:
                raise PathError(
                    _("%(name)s is a single entity of a %(entity)s and takes no id")
                    % {"name": name, "entity": entity_set.singular}
                )
            key = None if key_text is None else _key(name, key_text)
            steps.append(Step(ENTITY_SETS[navigation.target], navigation, key))
            index += 1
            continue
        prop = entity_set.property(name)
        if prop is None or key_text is not None:
            raise PathError(
                _("“%(name)s” is not a property of a %(entity)s; known are: %(names)s")
                % {"name": segment, "entity": entity_set.singular, "names": _known(entity_set)}
            )
        rest = segments[index + 1 :]
        if not rest:
            return ResourcePath(Kind.PROPERTY, tuple(steps), prop)
        if rest == [VALUE]:
            return ResourcePath(Kind.VALUE, tuple(steps), prop)
        raise PathError(_("only $value may follow the property %(name)s") % {"name": prop.name})
    return ResourcePath(Kind.ENTITY if steps[-1].single else Kind.COLLECTION, tuple(steps))


def parse_entity_link(text: str) -> tuple[EntitySet, int]:
    """The entity a reference names: ``Things(1)``, relative to the service root."""
    try:
        path = parse_path(text)
    except PathError:
        path = None
    if path is None or path.kind is not Kind.ENTITY or len(path.steps) != 1:
        raise PathError(
            _("“%(link)s” does not name an entity such as Things(1)") % {"link": text}, status=400
        )
    return path.entity_set, path.target.key
