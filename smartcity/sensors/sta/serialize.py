"""SensorThings 1.1 JSON of entities and of the data-array result format.

Entities are written as OGC 18-088 section 9.2 shows them: ``@iot.id``, ``@iot.selfLink``,
every property in its SensorThings form and one ``<Navigation>@iot.navigationLink`` per
navigation property. Properties come from ``write.entity_document`` (the same document the
JSON-Patch path edits), so time intervals read ``start/end`` in ISO 8601 with ``Z``, instants
are ISO 8601 in UTC, results keep the type they were sent with, and JSON properties are
returned as stored. Every property is shown, ``null`` included (the standard's examples show
``"resultTime": null``).

``$select`` (section 9.3.2.2) narrows an entity to the listed properties: ``id`` (shown as
``@iot.id`` with ``@iot.selfLink``), property names, paths into JSON properties
(``properties/owner`` gives ``{"properties": {"owner": ...}}``) and navigation properties
(their navigation link).

The data-array format (section 14.3) groups Observations per (Multi)Datastream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from smartcity.sensors.odata import Property as PathNode
from smartcity.sensors.odata import QueryError
from smartcity.sensors.sta.entities import EntitySet
from smartcity.sensors.sta.write import entity_document

Fail = Callable[[str, int | None], QueryError]

# Properties whose JSON value $select may reach into.
_JSON_KINDS = ("json", "result")
# Components of a data array besides the Observation's properties (section 14.3).
_EXTRA_COMPONENTS = ("id", "FeatureOfInterest/id")
DEFAULT_COMPONENTS = (
    "id",
    "phenomenonTime",
    "resultTime",
    "result",
    "resultQuality",
    "validTime",
    "parameters",
)


def _plain_fail(message: str, position: int | None = None) -> QueryError:
    return QueryError(message, "$select")


@dataclass
class Selection:
    """A compiled ``$select``: ``properties`` maps a property name to ``None`` (the whole
    value) or to the JSON key paths selected inside it."""

    with_id: bool = False
    properties: dict[str, list[tuple[str, ...]] | None] = field(default_factory=dict)
    navigations: set[str] = field(default_factory=set)


def _items(select) -> Iterable[tuple[tuple[str, ...], tuple[int, ...], int]]:
    for item in select:
        if isinstance(item, PathNode):
            positions = item.positions or (item.pos,) * len(item.path)
            yield item.path, positions, item.pos
        else:
            path = tuple(str(item).split("/"))
            yield path, (-1,) * len(path), -1


def _known(entity_set: EntitySet) -> str:
    names = ["id", *(p.name for p in entity_set.properties)]
    names += [n.name for n in entity_set.navigation]
    return ", ".join(names)


def compile_select(entity_set: EntitySet, select, fail: Fail = _plain_fail) -> Selection | None:
    """Check ``$select`` items (``Property`` nodes or ``"a/b"`` strings) against the entity
    set; None when nothing is selected (every property is shown)."""
    if not select:
        return None
    selection = Selection()
    for path, positions, pos in _items(select):
        name = path[0]
        if name == "id":
            if len(path) > 1:
                raise fail("id has no sub-properties", _at(positions, 1, pos))
            selection.with_id = True
            continue
        prop = entity_set.property(name)
        if prop is not None:
            if len(path) == 1:
                selection.properties[name] = None
            elif prop.kind not in _JSON_KINDS:
                raise fail(
                    f"{name} is not a JSON property; only JSON properties can be selected "
                    "into with '/'",
                    _at(positions, 1, pos),
                )
            elif name not in selection.properties or selection.properties[name] is not None:
                selection.properties.setdefault(name, []).append(path[1:])
            continue
        if entity_set.nav(name) is not None:
            if len(path) > 1:
                raise fail(
                    f"{name} is a navigation property: use $expand={'/'.join(path)} to read "
                    "its properties",
                    _at(positions, 1, pos),
                )
            selection.navigations.add(name)
            continue
        raise fail(
            f"unknown property {name} of a {entity_set.singular}; known are: {_known(entity_set)}",
            _at(positions, 0, pos),
        )
    return selection


def _at(positions: tuple[int, ...], index: int, default: int) -> int | None:
    position = positions[index] if index < len(positions) else default
    return None if position is None or position < 0 else position


def _pick(value, paths: list[tuple[str, ...]]):
    """The parts of a JSON value that ``paths`` reach, nested as in the value; None if none."""
    picked: dict = {}
    for keys in paths:
        current = value
        for key in keys:
            if not isinstance(current, dict) or key not in current:
                break
            current = current[key]
        else:
            target = picked
            for key in keys[:-1]:
                target = target.setdefault(key, {})
            target[keys[-1]] = current
    return picked or None


def self_link(base_url: str, entity_set: EntitySet, pk) -> str:
    return f"{base_url.rstrip('/')}/{entity_set.name}({pk})"


def entity_json(obj, entity_set: EntitySet, *, base_url: str, select=None) -> dict:
    """One entity as SensorThings JSON; ``select`` is ``$select`` as ``Property`` nodes, as
    ``"name"`` / ``"properties/owner"`` strings, or a compiled ``Selection``."""
    selection = select if isinstance(select, Selection) else compile_select(entity_set, select)
    link = self_link(base_url, entity_set, obj.pk)
    if selection is None:  # the common case, kept lean: responses hold 10,000s of these
        body = {"@iot.id": obj.pk, "@iot.selfLink": link}
        for name, read in entity_set.readers:
            body[name] = read(obj)
        for nav in entity_set.navigation:
            body[f"{nav.name}@iot.navigationLink"] = f"{link}/{nav.name}"
        return body
    document = entity_document(obj)
    body: dict = {}
    if selection.with_id:
        body["@iot.id"] = obj.pk
        body["@iot.selfLink"] = link
    for prop in entity_set.properties:
        if prop.name not in selection.properties:
            continue
        paths = selection.properties[prop.name]
        if paths is None:
            body[prop.name] = document[prop.name]
        else:
            picked = _pick(document[prop.name], paths)
            if picked is not None:
                body[prop.name] = picked
    for nav in entity_set.navigation:
        if nav.name in selection.navigations:
            body[f"{nav.name}@iot.navigationLink"] = f"{link}/{nav.name}"
    return body


# --- data array (section 14.3) ------------------------------------------------------------


def data_array_components(entity_set: EntitySet, select, fail: Fail) -> tuple[str, ...]:
    """The components of a data array: the ``$select`` list in its order, else all."""
    if not select:
        return DEFAULT_COMPONENTS
    components = []
    for path, positions, pos in _items(select):
        name = "/".join(path)
        prop = entity_set.property(name) if len(path) == 1 else None
        if name not in _EXTRA_COMPONENTS and prop is None:
            allowed = ", ".join((*_EXTRA_COMPONENTS, *(p.name for p in entity_set.properties)))
            raise fail(
                f"{name} cannot be a data array component; allowed are: {allowed}",
                _at(positions, 0, pos),
            )
        if name not in components:
            components.append(name)
    return tuple(components)


def _component(observation, document: dict, name: str):
    if name == "id":
        return observation.pk
    if name == "FeatureOfInterest/id":
        return observation.feature_of_interest_id
    return document[name]


def data_array(observations, components: tuple[str, ...], *, base_url: str) -> list[dict]:
    """Observations grouped per (Multi)Datastream, in the order the streams first appear."""
    base_url = base_url.rstrip("/")
    groups: dict[tuple[str, int], list] = {}
    for observation in observations:
        if observation.datastream_id is not None:
            key = ("Datastream", observation.datastream_id)
        else:
            key = ("MultiDatastream", observation.multi_datastream_id)
        document = entity_document(observation)
        groups.setdefault(key, []).append(
            [_component(observation, document, c) for c in components]
        )
    value = []
    for (kind, pk), rows in groups.items():
        value.append(
            {
                f"{kind}@iot.navigationLink": f"{base_url}/{kind}s({pk})",
                "components": list(components),
                "dataArray@iot.count": len(rows),
                "dataArray": rows,
            }
        )
    return value
