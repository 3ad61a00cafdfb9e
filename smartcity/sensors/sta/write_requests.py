"""Answering POST, PATCH, PUT and DELETE: entities, ``CreateObservations`` and links.

Each handler finds the entities the path names (``sta/lookup.py``), collects and checks
what the caller must be allowed (``sta/authority.py``), then writes with the write
services of ``sta/write.py`` in one transaction and records the change in the audit log.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from smartcity.core.audit.models import AuditEntry
from smartcity.core.audit.registry import record, snapshot
from smartcity.core.permissions import is_city_staff
from smartcity.sensors import models as m
from smartcity.sensors.sta import batch, write
from smartcity.sensors.sta.authority import (
    SHARED,
    Caller,
    Needs,
    check,
    collecting_new_things,
    label,
    walk,
)
from smartcity.sensors.sta.calls import JSON, JSON_PATCH, Call, Problem, Result
from smartcity.sensors.sta.entities import BY_MODEL, ENTITY_SETS, EntitySet
from smartcity.sensors.sta.lookup import existing, existing_many, resolve
from smartcity.sensors.sta.paths import ResourcePath, parse_entity_link
from smartcity.sensors.sta.serialize import entity_json, self_link

# --- entities ----------------------------------------------------------------------------


def create(call: Call, path: ResourcePath, caller: Caller, *, base_url: str) -> Result:
    payload = call.json()
    chain, _queryset = resolve(path, caller.user, writing=True)
    parent = chain[-1] if chain else None
    entity_set = path.entity_set
    needs = Needs()
    if parent is not None:
        needs.link(parent)
    walk(entity_set, payload, needs, new=True)
    if entity_set.model in SHARED or (
        entity_set.model is m.Location and not (needs.links or needs.new_thing)
    ):
        needs.shared = entity_set.name
    check(caller, needs, chain)
    with transaction.atomic(), collecting_new_things() as new_things:
        entity = write.create(entity_set.name, payload, parent=parent)
        organisation = caller.organisation
        if new_things and organisation is not None:
            m.Thing.objects.filter(pk__in=new_things).update(organisation_id=organisation)
            if isinstance(entity, m.Thing):
                entity.refresh_from_db()
        _audit(caller, AuditEntry.Action.CREATE, entity, None, _state(entity))
    link = self_link(base_url, BY_MODEL[type(entity)], entity.pk)
    return Result(201, entity_json(entity, entity_set, base_url=base_url), {"Location": link})


def update(
    call: Call, path: ResourcePath, caller: Caller, *, base_url: str, replace: bool
) -> Result:
    media_types = (JSON,) if replace else (JSON, JSON_PATCH)
    body = call.json(media_types)
    chain, entity = resolve(path, caller.user, writing=True)
    needs = Needs()
    needs.entity(entity)
    if call.media_type == JSON:
        walk(path.entity_set, body, needs, new=False)
    check(caller, needs, chain)
    with transaction.atomic():
        before = _state(entity)
        if call.media_type == JSON_PATCH:
            write.apply_json_patch(entity, body)
        else:
            write.update(entity, body, replace=replace)
        entity.refresh_from_db()
        _audit(caller, AuditEntry.Action.UPDATE, entity, before, _state(entity))
    return Result(200, entity_json(entity, path.entity_set, base_url=base_url))


def delete(path: ResourcePath, caller: Caller) -> Result:
    chain, entity = resolve(path, caller.user, writing=True)
    needs = Needs()
    needs.entity(entity)
    check(caller, needs, chain)
    with transaction.atomic():
        before, pk = _state(entity), entity.pk
        write.delete(entity)
        entity.pk = pk  # Django clears it; the log names what was deleted
        _audit(caller, AuditEntry.Action.DELETE, entity, before, None)
    return Result(204)


def create_observations(call: Call, caller: Caller, *, base_url: str) -> Result:
    payload = call.json()
    items = payload if isinstance(payload, list) else []
    links = [
        (name, link.get("@iot.id"), item)
        for item in items
        if isinstance(item, dict)
        for name in ("Datastream", "MultiDatastream")
        if isinstance(link := item.get(name), dict)
    ]
    # The streams of all groups with their Things at once: a gateway sends hundreds.
    streams = {
        name: existing_many(ENTITY_SETS[f"{name}s"], {key for n, key, _ in links if n == name})
        for name in ("Datastream", "MultiDatastream")
    }
    needs = Needs()
    groups = []
    for name, key, item in links:
        stream = streams[name].get(key)
        if stream is not None:
            needs.link(stream)
            rows = item.get("dataArray")
            groups.append((stream, len(rows) if isinstance(rows, list) else 0))
    check(caller, needs, [])
    with transaction.atomic():
        links = write.create_observations(payload, base_url=base_url)
        if caller.token is None:
            start = 0
            for stream, count in groups:
                stored = sum(1 for link in links[start : start + count] if link != "error")
                start += count
                _audit(
                    caller,
                    AuditEntry.Action.UPDATE,
                    stream,
                    None,
                    {"observations_created": stored},
                )
    return Result(201, list(links))


# --- links ($ref) ------------------------------------------------------------------------


def change_link(
    call: Call, path: ResourcePath, method: str, caller: Caller, *, root_path: str
) -> Result:
    """POST adds to a to-many link, PUT sets a to-one link, DELETE removes either
    (OData 4.0 Part 1, 11.4.6, as the standard's link-to-existing-entities allows)."""
    chain, _target = resolve(path, caller.user, writing=True)
    navigation = path.target.navigation
    owner = chain[-1] if method == "POST" else chain[-2]
    other = _linked(call, path.entity_set, root_path) if method in ("POST", "PUT") else None
    if method == "DELETE" and navigation.to_many:
        other = chain[-1]
    needs = Needs()
    for entity in (owner, other):
        if entity is not None:
            needs.link(entity)
    check(caller, needs, chain)
    holder, changes, target = _link_change(owner, other, navigation, method)
    with transaction.atomic():
        before = _state(holder)
        write.update(target, changes)
        holder.refresh_from_db()
        _audit(caller, AuditEntry.Action.UPDATE, holder, before, _state(holder))
    return Result(204)


def _linked(call: Call, entity_set: EntitySet, root_path: str):
    """The entity a $ref body names: ``{"@iot.id": 5}`` or ``{"@iot.selfLink": url}``."""
    body = call.json()
    if (
        not isinstance(body, dict)
        or len(body) != 1
        or not ({"@iot.id", "@iot.selfLink"} & set(body))
    ):
        raise Problem(
            400,
            _('a reference is {"@iot.id": <id>} or {"@iot.selfLink": "<url>"}'),
        )
    if "@iot.id" in body:
        named_set, key = entity_set, body["@iot.id"]
    else:
        link = body["@iot.selfLink"]
        if not isinstance(link, str):
            raise Problem(400, _("@iot.selfLink must be a URL"))
        try:
            resource, _query = batch.resolve_url(link, root_path, {})
        except LookupError as problem:
            raise Problem(400, str(problem)) from None
        named_set, key = parse_entity_link(resource)
    if named_set is not entity_set:
        raise Problem(
            400,
            _("the reference must name a %(entity)s, not a %(given)s")
            % {"entity": entity_set.singular, "given": named_set.singular},
        )
    entity = existing(entity_set, key)
    if entity is None:
        raise Problem(
            400, _("%(set)s(%(id)s) does not exist") % {"set": entity_set.name, "id": key}
        )
    return entity


def _link_change(owner, other, navigation, method: str):
    """``(holder, changes, target)``: ``write.update(target, changes)`` makes the link
    change, and ``holder`` is the entity whose stored link it changes (for the audit)."""
    if not navigation.to_many:
        return owner, {navigation.name: None if other is None else {"@iot.id": other.pk}}, owner
    adding = method == "POST"
    field_ = owner._meta.get_field(navigation.accessor)
    if field_.many_to_many and (
        (isinstance(owner, m.Thing) and navigation.accessor == "locations")
        or (isinstance(owner, m.Location) and navigation.accessor == "things")
    ):
        # A Thing's Locations are replaced as a whole (and recorded as a move).
        thing, location = (owner, other) if isinstance(owner, m.Thing) else (other, owner)
        keep = [pk for pk in thing.locations.values_list("pk", flat=True) if pk != location.pk]
        pks = [*keep, location.pk] if adding else keep
        return thing, {"Locations": [{"@iot.id": pk} for pk in pks]}, thing
    if adding:
        # The reverse side of a foreign key or many-to-many field is the other entity.
        holder = other if field_.auto_created else owner
        return holder, {navigation.name: [{"@iot.id": other.pk}]}, owner
    if field_.many_to_many:
        raise Problem(
            400,
            _(
                "%(owner)s and %(other)s cannot be unlinked: the Locations of a "
                "HistoricalLocation record where a Thing was (delete the "
                "HistoricalLocation instead), and the ObservedProperties of a "
                "MultiDatastream are its result columns (PATCH the MultiDatastream)"
            )
            % {"owner": label(owner), "other": label(other)},
        )
    owner_set = BY_MODEL[type(owner)]
    inverse = next(
        nav
        for nav in BY_MODEL[type(other)].navigation
        if nav.target == owner_set.name and not nav.to_many
    )
    return other, {inverse.name: None}, other


# --- audit -------------------------------------------------------------------------------


def _audit(caller: Caller, action: str, entity, before, after) -> None:
    """Staff writes as the staff member, token writes (machine writes) as the token.

    A token's new Observations are sensor readings, not configuration: they are not
    logged one by one (a logger posting every minute would flood the log).
    """
    token, user = caller.token, caller.user
    if token is not None:
        if action == AuditEntry.Action.CREATE and isinstance(entity, m.Observation):
            return
        record(
            action,
            entity,
            before,
            after,
            actor_label=f"sensor token “{token.name[:120]}” ({token.prefix}…)",
        )
    elif is_city_staff(user):
        record(action, entity, before, after, actor=user)


def _state(entity) -> dict:
    """The audited state: the columns, plus the Locations a Thing or HistoricalLocation
    lists (a many-to-many link no column shows)."""
    state = snapshot(entity)
    if isinstance(entity, m.Thing | m.HistoricalLocation):
        state["locations"] = sorted(entity.locations.values_list("pk", flat=True))
    return state
