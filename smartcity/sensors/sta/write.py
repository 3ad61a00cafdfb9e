"""The SensorThings 1.1 write path as services: create, update, JSON-Patch, delete.

Implements OGC 18-088 section 10 (Sensing create-update-delete) on the models of
``smartcity.sensors.models``, driven by the entity table of ``sta/entities.py``:

- :func:`create` with deep insert (10.2.1.2): nested entities are created in the same
  transaction, ``{"@iot.id": n}`` links existing ones, and ``parent`` is the entity a
  request was posted under (``POST /Things(1)/Datastreams``);
- :func:`update` for PATCH (merge) and PUT (replace) (10.3);
- :func:`apply_json_patch` for ``application/json-patch+json`` (10.3.2, RFC 6902);
- :func:`delete` with the standard's cascade (10.4, table 25, and 13.2 for
  MultiDatastreams);
- :func:`create_observations` (from ``sta/bulk.py``) for the data-array extension (14.4).

Every function runs in one database transaction and raises :class:`STAError` for bad
input, leaving nothing stored. A link to an entity that does not exist is a 400 error
("Things(5) does not exist"): the request's target exists, its body is wrong.
"""

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from smartcity.sensors import models as m
from smartcity.sensors.sta import jsonpatch
from smartcity.sensors.sta.bulk import CreateObservationsResult, create_observations
from smartcity.sensors.sta.effects import (
    EXTENT_FIELDS,
    Effects,
    stream_field,
    stream_key,
    touches_extent,
)
from smartcity.sensors.sta.entities import (
    BY_MODEL,
    ENTITY_SETS,
    EntitySet,
    Navigation,
    Property,
)
from smartcity.sensors.sta.validation import (
    GEOJSON_ENCODINGS,
    STAError,
    check_data_types,
    check_entity_id,
    check_geojson,
    check_geometry,
    check_json,
    check_object,
    check_string,
    check_unit,
    check_units,
    format_time,
    join,
    json_type,
    parse_instant,
    parse_time,
)

__all__ = [
    "CreateObservationsResult",
    "STAError",
    "apply_json_patch",
    "create",
    "create_observations",
    "delete",
    "entity_document",
    "update",
]

# Checks per STA property name; the names mean the same in every entity set.
_CHECKS = {
    "properties": check_object,
    "parameters": check_object,
    "unitOfMeasurement": check_unit,
    "unitOfMeasurements": check_units,
    "multiObservationDataTypes": check_data_types,
    "observedArea": check_geometry,
}

# Links the write path refuses: an ObservedProperty joins a MultiDatastream only as one of
# the ordered columns given when the MultiDatastream is created or its list is replaced.
_COLUMN_LINKS = {
    ("ObservedProperties", "MultiDatastreams"),
    ("MultiDatastreams", "ObservedProperties"),
}


def _entity_set(name: str) -> EntitySet:
    entity_set = ENTITY_SETS.get(name)
    if entity_set is None:
        raise STAError(_("unknown entity set %(name)r") % {"name": name}, status=404)
    return entity_set


def _entity_set_of(entity) -> EntitySet:
    entity_set = BY_MODEL.get(type(entity))
    if entity_set is None:
        raise TypeError(f"{type(entity).__name__} is not a SensorThings entity")
    return entity_set


def _names(entity_set: EntitySet) -> str:
    return ", ".join(
        [p.name for p in entity_set.properties] + [n.name for n in entity_set.navigation]
    )


def _split(entity_set: EntitySet, payload, path: str) -> tuple[dict, dict]:
    """Separate properties and navigation links; refuse anything else.

    Annotations such as ``@iot.id``, ``@iot.selfLink`` or ``Datastreams@iot.navigationLink``
    are ignored, as the standard asks for the id of an entity being created or updated.
    """
    if not isinstance(payload, dict):
        raise STAError(
            _("must be a JSON object, not %(type)s") % {"type": json_type(payload)}, path=path
        )
    properties, links = {}, {}
    for key, value in payload.items():
        if "@iot." in key:
            continue
        if entity_set.property(key) is not None:
            properties[key] = value
        elif entity_set.nav(key) is not None:
            if (entity_set.name, key) in _COLUMN_LINKS and entity_set.name == "ObservedProperties":
                raise STAError(
                    _(
                        "cannot be set on an ObservedProperty; list the ObservedProperties "
                        "in the MultiDatastream instead"
                    ),
                    path=join(path, key),
                )
            links[key] = value
        else:
            raise STAError(
                _("unknown property of a %(entity)s; known are: %(names)s")
                % {"entity": entity_set.singular, "names": _names(entity_set)},
                path=join(path, key),
            )
    return properties, links


def _is_link(value) -> bool:
    return isinstance(value, dict) and "@iot.id" in value


def _linked(entity_set: EntitySet, value, path: str):
    """The existing entity a ``{"@iot.id": n}`` object points to."""
    if not _is_link(value):
        raise STAError(
            _(
                'must link an existing entity as {"@iot.id": <id>}; related entities cannot '
                "be created in an update"
            ),
            path=path,
        )
    extra = [key for key in value if "@iot." not in key]
    if extra:
        raise STAError(
            _("a link by @iot.id takes no other properties, found: %(names)s")
            % {"names": ", ".join(extra)},
            path=path,
        )
    pk = check_entity_id(value["@iot.id"], join(path, "@iot.id"))
    entity = entity_set.model.objects.filter(pk=pk).first()
    if entity is None:
        raise STAError(
            _("%(set)s(%(id)d) does not exist") % {"set": entity_set.name, "id": pk}, path=path
        )
    return entity


# --- properties --------------------------------------------------------------------------


def _field(entity_set: EntitySet, prop: Property):
    return entity_set.model._meta.get_field(prop.field)


def _set_property(entity_set, instance, prop: Property, value, path: str, effects, creating):
    if prop.kind == "result":
        instance.set_result(check_json(value, path))
        return
    if value is None:
        if prop.required:
            raise STAError(_("is required and cannot be null"), path=path)
        _reset_property(entity_set, instance, prop, effects, creating)
        return
    if prop.kind == "time_instant":
        setattr(instance, prop.field, parse_instant(value, path))
    elif prop.kind == "time_interval":
        # An Observation's phenomenonTime may be an instant; every other time is a period.
        instant = entity_set.model is m.Observation and prop.name == "phenomenonTime"
        start, end = parse_time(value, path, allow_instant=instant)
        setattr(instance, prop.start_field, start)
        setattr(instance, prop.end_field, end)
    elif prop.name in _CHECKS:
        setattr(instance, prop.field, _CHECKS[prop.name](value, path))
    elif prop.kind == "json":
        setattr(instance, prop.field, check_json(value, path))
    else:
        max_length = getattr(_field(entity_set, prop), "max_length", None)
        setattr(instance, prop.field, check_string(value, path, max_length))


def _reset_property(entity_set, instance, prop: Property, effects, creating) -> None:
    """Give an optional property its default: absent on create or PUT, or set to null."""
    if prop.kind == "time_interval":
        if entity_set.model is m.Observation and prop.name == "phenomenonTime":
            # 10.2.1.2: the service uses its own time when a client omits phenomenonTime.
            start = effects.now
        elif prop.name in ("phenomenonTime", "resultTime") and not creating:
            # A stream's times are the extent of its Observations: computed, not reset.
            effects.recompute.add((entity_set.model, instance.pk))
            return
        else:
            start = None
        setattr(instance, prop.start_field, start)
        setattr(instance, prop.end_field, None)
    elif prop.kind == "time_instant":
        setattr(instance, prop.field, None)
    else:
        setattr(instance, prop.field, _field(entity_set, prop).get_default())


def _check_entity(entity_set: EntitySet, instance, path: str) -> None:
    """Rules between properties, checked on the entity as it will be stored."""
    if entity_set.model is m.Location and instance.encoding_type in GEOJSON_ENCODINGS:
        check_geojson(instance.location, join(path, "location"))
    elif entity_set.model is m.FeatureOfInterest and instance.encoding_type in GEOJSON_ENCODINGS:
        check_geojson(instance.feature, join(path, "feature"))
    elif entity_set.model is m.MultiDatastream and instance.observation_type != m.OM_COMPLEX:
        raise STAError(
            _("must be %(type)s for a MultiDatastream") % {"type": m.OM_COMPLEX},
            path=join(path, "observationType"),
        )
    elif entity_set.model is m.Observation:
        if (instance.datastream_id is None) == (instance.multi_datastream_id is None):
            raise STAError(
                _("an Observation links to exactly one Datastream or MultiDatastream"),
                path=join(path, "Datastream"),
            )
        if instance.multi_datastream_id is not None:
            width = len(instance.multi_datastream.multi_observation_data_types)
            result = instance.result
            if not isinstance(result, list) or len(result) != width:
                raise STAError(
                    _(
                        "must be an array of %(count)d values, one per ObservedProperty of the "
                        "MultiDatastream"
                    )
                    % {"count": width},
                    path=join(path, "result"),
                )


def _check_columns(instance: m.MultiDatastream, count: int, path: str) -> None:
    """The arrays of a MultiDatastream have one entry per ObservedProperty (13.2)."""
    if count == 0:
        raise STAError(
            _("a MultiDatastream needs at least one ObservedProperty"),
            path=join(path, "ObservedProperties"),
        )
    for name, values in (
        ("multiObservationDataTypes", instance.multi_observation_data_types),
        ("unitOfMeasurements", instance.unit_of_measurements),
    ):
        if len(values) != count:
            raise STAError(
                _("has %(found)d entries, but the MultiDatastream has %(count)d ObservedProperties")
                % {"found": len(values), "count": count},
                path=join(path, name),
            )


def _set_columns(instance: m.MultiDatastream, properties: list, path: str) -> None:
    """Store the MultiDatastream's ObservedProperties in list order (its result columns)."""
    _check_columns(instance, len(properties), path)
    old = instance.multidatastreamproperty_set.count()
    if old and old != len(properties) and instance.observations.exists():
        raise STAError(
            _(
                "cannot change the number of ObservedProperties of a MultiDatastream that "
                "has Observations"
            ),
            path=join(path, "ObservedProperties"),
        )
    instance.multidatastreamproperty_set.all().delete()
    m.MultiDatastreamProperty.objects.bulk_create(
        m.MultiDatastreamProperty(multi_datastream=instance, observed_property=prop, position=i)
        for i, prop in enumerate(properties)
    )


# --- links -------------------------------------------------------------------------------


def _back_navigation(entity_set: EntitySet, parent, path: str) -> Navigation:
    """The navigation property linking a new entity to the one it is created under."""
    parent_set = _entity_set_of(parent)
    for nav in entity_set.navigation:
        if nav.target == parent_set.name:
            if (entity_set.name, nav.name) in _COLUMN_LINKS:
                break
            return nav
    raise STAError(
        _("a %(entity)s cannot be created under a %(parent)s")
        % {"entity": entity_set.singular, "parent": parent_set.singular},
        path=path,
    )


def _add_related(instance, nav: Navigation, related: list, effects: Effects) -> None:
    """Add existing entities to a to-many navigation property of a saved entity."""
    field = instance._meta.get_field(nav.accessor)
    if field.many_to_many:
        getattr(instance, nav.accessor).add(*related)
        if isinstance(instance, m.Thing) and nav.accessor == "locations":
            effects.thing_moved(instance)
        elif isinstance(instance, m.Location) and nav.accessor == "things":
            for thing in related:
                effects.thing_moved(thing)
        return
    # A reverse foreign key: the related entities now point here instead.
    foreign_key = field.field.name
    for entity in related:
        if isinstance(entity, m.Observation):
            _move_observation(entity, foreign_key, instance, effects)
        else:
            setattr(entity, foreign_key, instance)
            entity.save(update_fields=[foreign_key])


def _move_observation(observation, foreign_key: str, target, effects: Effects) -> None:
    old_key = stream_key(observation)
    setattr(observation, foreign_key, target)
    if foreign_key == "datastream":
        observation.multi_datastream = None
    elif foreign_key == "multi_datastream":
        observation.datastream = None
    _check_entity(ENTITY_SETS["Observations"], observation, f"Observations({observation.pk})")
    observation.save()
    if stream_key(observation) != old_key:
        effects.recompute.add(old_key)
        effects.observed_observation(observation)


def _to_one(nav: Navigation, value, path: str, effects: Effects):
    target = ENTITY_SETS[nav.target]
    if _is_link(value):
        return _linked(target, value, path)
    return _create(target, value, path, effects)


def _to_many(entity_set, instance, nav: Navigation, value, entity_path: str, effects) -> None:
    path = join(entity_path, nav.name)
    if not isinstance(value, list):
        raise STAError(_("must be an array"), path=path)
    target = ENTITY_SETS[nav.target]
    if (entity_set.name, nav.name) in _COLUMN_LINKS:
        columns = [_to_one(nav, item, join(path, i), effects) for i, item in enumerate(value)]
        _set_columns(instance, columns, entity_path)
        return
    existing = []
    for index, item in enumerate(value):
        if _is_link(item):
            existing.append(_linked(target, item, join(path, index)))
        else:
            _create(target, item, join(path, index), effects, parent=instance)
    if existing:
        _add_related(instance, nav, existing, effects)


# --- create ------------------------------------------------------------------------------


def _create(entity_set: EntitySet, payload, path: str, effects: Effects, parent=None):
    properties, links = _split(entity_set, payload, path)
    back = _back_navigation(entity_set, parent, path) if parent is not None else None
    if back is not None and back.name in links:
        raise STAError(
            _("is given by the %(parent)s this entity is created under")
            % {"parent": _entity_set_of(parent).singular},
            path=join(path, back.name),
        )
    instance = entity_set.model()
    for prop in entity_set.properties:
        prop_path = join(path, prop.name)
        if prop.name in properties:
            _set_property(
                entity_set, instance, prop, properties[prop.name], prop_path, effects, True
            )
        elif prop.required:
            raise STAError(_("is required"), path=prop_path)
        else:
            _reset_property(entity_set, instance, prop, effects, creating=True)

    for nav in entity_set.navigation:
        if nav.to_many:
            if nav.required and nav.name not in links:
                raise STAError(_("is required"), path=join(path, nav.name))
            continue
        if nav is back:
            setattr(instance, nav.accessor, parent)
        elif links.get(nav.name) is not None:
            setattr(
                instance, nav.accessor, _to_one(nav, links[nav.name], join(path, nav.name), effects)
            )
        elif nav.required:
            raise STAError(
                _(
                    'is required: link an existing %(entity)s as {"@iot.id": <id>} or create one '
                    "inline"
                )
                % {"entity": ENTITY_SETS[nav.target].singular},
                path=join(path, nav.name),
            )

    _check_entity(entity_set, instance, path)
    if isinstance(instance, m.Observation) and instance.feature_of_interest_id is None:
        stream = instance.datastream or instance.multi_datastream
        instance.feature_of_interest = effects.default_feature(stream, path)
    instance.save()

    for nav in entity_set.navigation:
        if not nav.to_many:
            continue
        if nav is back:
            _add_related(instance, nav, [parent], effects)
        elif nav.name in links:
            _to_many(entity_set, instance, nav, links[nav.name], path, effects)
    if isinstance(instance, m.Observation):
        effects.observed_observation(instance)
    effects.created.append(instance)
    return instance


def _refresh_extents(instance) -> None:
    if isinstance(instance, m.Datastream | m.MultiDatastream):
        instance.refresh_from_db(fields=EXTENT_FIELDS)


def create(entity_set_name: str, payload: dict, *, parent=None):
    """Create an entity of ``entity_set_name`` (e.g. ``"Things"``) from its STA JSON.

    ``parent`` is the entity the request was posted under; the new entity is linked to it.
    Returns the saved model instance.
    """
    entity_set = _entity_set(entity_set_name)
    with transaction.atomic():
        effects = Effects()
        instance = _create(entity_set, payload, "", effects, parent=parent)
        effects.finish()
    _refresh_extents(instance)
    return instance


# --- update ------------------------------------------------------------------------------


def _observation_state(observation) -> tuple:
    return (
        stream_key(observation),
        observation.phenomenon_time_start,
        observation.phenomenon_time_end,
        observation.result_time,
    )


def _update(entity_set, entity, payload, effects: Effects, replace: bool) -> None:
    properties, links = _split(entity_set, payload, "")
    before = _observation_state(entity) if isinstance(entity, m.Observation) else None
    for prop in entity_set.properties:
        if prop.name in properties:
            _set_property(
                entity_set, entity, prop, properties[prop.name], prop.name, effects, False
            )
        elif replace:
            if prop.required:
                raise STAError(_("is required"), path=prop.name)
            _reset_property(entity_set, entity, prop, effects, creating=False)

    for nav in entity_set.navigation:
        if nav.to_many or nav.name not in links:
            continue
        value = links[nav.name]
        if value is None:
            if entity_set.model is not m.Observation or nav.name == "FeatureOfInterest":
                raise STAError(
                    _('cannot be removed; link another entity as {"@iot.id": <id>}'),
                    path=nav.name,
                )
            setattr(entity, nav.accessor, None)
        else:
            setattr(entity, nav.accessor, _linked(ENTITY_SETS[nav.target], value, nav.name))
            # Linking an Observation to a Datastream unlinks its MultiDatastream, and back.
            other = {"Datastream": "MultiDatastream", "MultiDatastream": "Datastream"}
            if isinstance(entity, m.Observation) and other.get(nav.name) not in (None, *links):
                setattr(entity, entity_set.nav(other[nav.name]).accessor, None)

    _check_entity(entity_set, entity, "")
    entity.save()

    columns = links.get("ObservedProperties") if entity_set.model is m.MultiDatastream else None
    for nav in entity_set.navigation:
        if not nav.to_many or nav.name not in links:
            continue
        value = links[nav.name]
        if not isinstance(value, list):
            raise STAError(_("must be an array"), path=nav.name)
        related = [
            _linked(ENTITY_SETS[nav.target], item, join(nav.name, i))
            for i, item in enumerate(value)
        ]
        if isinstance(entity, m.Thing) and nav.name == "Locations":
            # A Thing's Locations are where it is now: a new list replaces the old one, and
            # the move is recorded as a HistoricalLocation (8.2.3).
            if {location.pk for location in related} != set(
                entity.locations.values_list("pk", flat=True)
            ):
                entity.locations.set(related)
                effects.thing_moved(entity)
        elif columns is not None and nav.name == "ObservedProperties":
            _set_columns(entity, related, "")
        else:
            _add_related(entity, nav, related, effects)
    if isinstance(entity, m.MultiDatastream) and columns is None:
        _check_columns(entity, entity.multidatastreamproperty_set.count(), "")

    if before is not None and _observation_state(entity) != before:
        old_key, start, end, result_time = before
        old_stream = old_key[0].objects.filter(pk=old_key[1]).first()
        if old_key != stream_key(entity) or (
            old_stream is not None and touches_extent(old_stream, start, end, result_time)
        ):
            effects.recompute.add(old_key)
        effects.observed_observation(entity)


def update(entity, payload: dict, *, replace: bool = False):
    """Update an entity from STA JSON: PATCH merges, ``replace=True`` (PUT) replaces.

    PUT resets missing optional properties to their default (null, server time for an
    Observation's phenomenonTime, the Observations' extent for a stream's times) and
    refuses a missing required one. Links are changed by ``{"@iot.id": n}``: a to-one link
    is replaced, a to-many list is added to, except a Thing's Locations (replaced, with a
    HistoricalLocation) and a MultiDatastream's ObservedProperties (the ordered list is
    replaced). Related entities cannot be created inline in an update (10.3.1).
    """
    entity_set = _entity_set_of(entity)
    with transaction.atomic():
        effects = Effects()
        before = entity_document(entity)
        _update(entity_set, entity, payload, effects, replace)
        effects.updated.append((entity, before))
        effects.finish()
    _refresh_extents(entity)
    return entity


# --- JSON-Patch --------------------------------------------------------------------------


def entity_document(entity) -> dict:
    """The entity's STA properties as JSON (no links, no annotations)."""
    return {name: read(entity) for name, read in _entity_set_of(entity).readers}


def _normalised_time_test(entity_set: EntitySet, operation):
    """A ``test`` of a time property compares instants, not spellings of them.

    ``2024-05-01T02:00:00+02:00`` tests equal to the stored ``2024-05-01T00:00:00Z``.
    """
    if not isinstance(operation, dict) or operation.get("op") != "test":
        return operation
    value, path = operation.get("value"), operation.get("path")
    if not isinstance(value, str) or not isinstance(path, str):
        return operation
    tokens = path.split("/")
    prop = entity_set.property(tokens[1]) if len(tokens) == 2 else None
    if prop is None or prop.kind not in ("time_interval", "time_instant"):
        return operation
    try:
        normalised = format_time(*parse_time(value, path, allow_instant=True))
    except STAError:
        return operation
    return {**operation, "value": normalised}


def apply_json_patch(entity, operations: list):
    """Apply RFC 6902 operations to the entity's JSON properties, all or nothing.

    Paths address the properties (``/name``, ``/properties/owner``, ``/result/0``);
    JSON Pointer escaping (``~0`` for ``~``, ``~1`` for ``/``) applies. A failing ``test``
    or a bad path raises STAError and changes nothing.
    """
    entity_set = _entity_set_of(entity)
    if not isinstance(operations, list):
        raise STAError(_("a JSON Patch document must be an array of operations"))
    document = entity_document(entity)
    try:
        patched = jsonpatch.apply_patch(
            document, [_normalised_time_test(entity_set, op) for op in operations]
        )
    except jsonpatch.JSONPatchError as error:
        path = f"[{error.index}]" if error.index is not None else ""
        raise STAError(error.message, path=path) from None
    if not isinstance(patched, dict):
        raise STAError(_("the patched entity must be a JSON object"))
    changes = {}
    for key, value in patched.items():
        if key not in document:
            if entity_set.nav(key) is not None:
                raise STAError(
                    _(
                        "JSON-Patch changes properties; change links with a merge PATCH such as "
                        '{"%(name)s": {"@iot.id": <id>}}'
                    )
                    % {"name": key},
                    path="/" + jsonpatch.escape_token(key),
                )
            raise STAError(
                _("unknown property of a %(entity)s") % {"entity": entity_set.singular},
                path="/" + jsonpatch.escape_token(key),
            )
        if not jsonpatch.json_equal(value, document[key]):
            changes[key] = value
    for key in document:
        if key not in patched:
            changes[key] = None
    return update(entity, changes)


# --- delete ------------------------------------------------------------------------------


def delete(entity) -> None:
    """Delete an entity and what the standard's integrity rules take with it (10.4).

    Thing: its Datastreams, MultiDatastreams and HistoricalLocations. Location: the
    HistoricalLocations that list only this Location (others just lose it). Datastream,
    MultiDatastream: their Observations. Sensor: its Datastreams and MultiDatastreams.
    ObservedProperty: the Datastreams and MultiDatastreams that use it. FeatureOfInterest:
    its Observations. Observation, HistoricalLocation: nothing else. The time extents of
    streams that lose Observations are recomputed.
    """
    _entity_set_of(entity)
    with transaction.atomic():
        effects = Effects()
        if isinstance(entity, m.Location):
            only_here = m.HistoricalLocation.objects.annotate(
                listed=Count("locations"),
                here=Count("locations", filter=Q(locations=entity)),
            ).filter(listed=1, here=1)
            m.HistoricalLocation.objects.filter(
                pk__in=list(only_here.values_list("pk", flat=True))
            ).delete()
        elif isinstance(entity, m.ObservedProperty):
            m.MultiDatastream.objects.filter(
                pk__in=entity.multidatastreamproperty_set.values("multi_datastream")
            ).delete()
        elif isinstance(entity, m.Observation):
            model, pk = stream_key(entity)
            stream = model.objects.filter(pk=pk).first()
            if stream is not None and touches_extent(
                stream, entity.phenomenon_time_start, entity.phenomenon_time_end, entity.result_time
            ):
                effects.recompute.add((model, pk))
        elif isinstance(entity, m.FeatureOfInterest):
            for model in (m.Datastream, m.MultiDatastream):
                field = stream_field(model)
                pks = (
                    entity.observations.filter(**{f"{field}__isnull": False})
                    .values_list(f"{field}_id", flat=True)
                    .distinct()
                )
                effects.recompute.update((model, pk) for pk in pks)
        entity.delete()
        effects.finish()
