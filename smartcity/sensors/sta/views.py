"""The SensorThings API 1.1 over HTTP, under ``/sta/v1.1/`` (OGC 18-088, sections 9-11, 14.4).

One view takes every request below the service root. It works out who calls (a sensor
token, ``Authorization: Bearer`` or HTTP Basic with the token as password, or the session
user), checks CSRF for session writes, and hands the request to :class:`Service`, which
parses the path (``sta/paths.py``), checks the method, resolves the entities along the
path, checks access, and calls the read functions (``sta/query.py``, ``sta/serialize.py``)
or the write services (``sta/write.py``). ``$batch`` runs each of its requests through the
same :meth:`Service.handle` (``sta/batch.py``).

Access (``smartcity.sensors.access``): reading follows ``visible`` (private Things only for
their organisation's members and platform admins; a token does not widen what is read).
A write needs a token or a signed-in user and is checked with ``may_write`` on every Thing
it touches: the Thing of the entity written (an Observation's is its stream's Thing), the
Things of entities it links in (``{"@iot.id": n}`` to a Thing, Datastream, Observation,
...), and ``may_write(..., None)`` for each new Thing. Sensors, ObservedProperties,
FeaturesOfInterest and Locations of no Thing belong to no one Thing: writing them needs a
platform or organisation token, a platform admin or a staff member, who must moreover be
allowed to change every Thing that uses them. A write to an entity the caller cannot see
answers 404, as if it did not exist.
"""

import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from smartcity.core.audit.models import AuditEntry
from smartcity.core.audit.registry import is_staff_actor, record, snapshot
from smartcity.core.permissions import (
    is_authenticated,
    is_platform_admin,
    is_staff_member,
    organisation_ids,
)
from smartcity.sensors import access
from smartcity.sensors import models as m
from smartcity.sensors.mqtt import broker
from smartcity.sensors.odata import DEFAULT_LIMITS, QueryError, parse_query_options
from smartcity.sensors.sta import batch, query, write
from smartcity.sensors.sta.batch import Result
from smartcity.sensors.sta.entities import BY_MODEL, ENTITY_SETS, EntitySet
from smartcity.sensors.sta.paths import (
    MAX_ID,
    Kind,
    PathError,
    ResourcePath,
    parse_entity_link,
    parse_path,
)
from smartcity.sensors.sta.query import read_collection, read_entity, visible
from smartcity.sensors.sta.serialize import entity_json

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
CHALLENGE = 'Basic realm="SensorThings", Bearer'
_SPEC = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
# Exactly the conformance classes this service implements (OGC 18-088, annex A); the MQTT
# classes join when a broker is configured (mqtt.broker.conformance()).
CONFORMANCE = tuple(
    _SPEC + name
    for name in (
        "datamodel",
        "resource-path/resource-path-to-entities",
        "request-data",
        "create-update-delete/create-entity",
        "create-update-delete/link-to-existing-entities",
        "create-update-delete/deep-insert",
        "create-update-delete/deep-insert-status-code",
        "create-update-delete/update-entity",
        "create-update-delete/delete-entity",
        "create-update-delete/historical-location-auto-creation",
        "multi-datastream",
        "data-array/data-array",
        "batch-request/batch-request",
    )
)
# Entities that belong to exactly the Things found by _things_of.
OWNED = (m.Thing, m.Datastream, m.MultiDatastream, m.Observation, m.HistoricalLocation)
# Entities shared by any number of Things.
SHARED = (m.Sensor, m.ObservedProperty, m.FeatureOfInterest)
ENTITY_OPTIONS = frozenset({"$select", "$expand"})
REF_OPTIONS = frozenset({"$filter", "$orderby", "$top", "$skip", "$count"})


class Problem(Exception):
    """An answer other than success, raised anywhere below :meth:`Service.handle`."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def error(status: int, detail: str, headers: dict | None = None) -> Result:
    return Result(status, {"detail": detail}, dict(headers or {}))


@dataclass
class Call:
    """One request to the service: from HTTP, or one request of a ``$batch``."""

    method: str
    resource: str  # the path below the service root, URL-decoded
    query: QueryDict
    request_path: str  # the path as the client sees it, for next links
    content_type: str = ""
    body: bytes = b""

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()


@dataclass
class Caller:
    user: object
    token: m.SensorToken | None = None

    @property
    def known(self) -> bool:
        return self.token is not None or is_authenticated(self.user)

    @property
    def who(self) -> str:
        return _("This token") if self.token is not None else _("You")


# --- which Things a write touches --------------------------------------------------------


def _things_of(entity) -> list[m.Thing]:
    """The Things whose data ``entity`` is, or (shared entities) which use it."""
    if isinstance(entity, m.Thing):
        return [entity]
    if isinstance(entity, m.Datastream | m.MultiDatastream | m.HistoricalLocation):
        return [entity.thing]
    if isinstance(entity, m.Observation):
        stream = entity.datastream or entity.multi_datastream
        return [stream.thing] if stream is not None else []
    if isinstance(entity, m.Location):
        return list(entity.things.all())
    if isinstance(entity, m.Sensor | m.ObservedProperty):
        users = Q(pk__in=entity.datastreams.values("thing")) | Q(
            pk__in=entity.multi_datastreams.values("thing")
        )
    else:
        users = Q(
            pk__in=m.Datastream.objects.filter(observations__feature_of_interest=entity).values(
                "thing"
            )
        ) | Q(
            pk__in=m.MultiDatastream.objects.filter(
                observations__feature_of_interest=entity
            ).values("thing")
        )
    return list(m.Thing.objects.filter(users))


def _label(entity) -> str:
    return f"{BY_MODEL[type(entity)].name}({entity.pk})"


@dataclass
class Needs:
    """What a write needs the caller to be allowed: collected, then checked at once."""

    targets: dict[int, m.Thing] = field(default_factory=dict)  # Things written directly
    links: dict[int, tuple[str, m.Thing]] = field(default_factory=dict)  # via linked entities
    users: dict[int, tuple[str, m.Thing]] = field(default_factory=dict)  # of shared entities
    others: dict[str, object] = field(default_factory=dict)  # linked, of no single Thing
    new_thing: bool = False
    shared: str | None = None  # label of a shared entity written

    def entity(self, entity) -> None:
        """Writing ``entity`` itself (update, delete, a link it holds)."""
        if isinstance(entity, SHARED) or (
            isinstance(entity, m.Location) and not entity.things.exists()
        ):
            self.shared = _label(entity)
            for thing in _things_of(entity):
                self.users[thing.pk] = (_label(entity), thing)
        else:
            for thing in _things_of(entity):
                self.targets[thing.pk] = thing

    def link(self, entity) -> None:
        """Linking ``entity`` in: a change of its Things' data if it belongs to a Thing;
        otherwise (a Location, Sensor, ...) it must at least be one the caller can see."""
        if isinstance(entity, OWNED):
            for thing in _things_of(entity):
                self.links.setdefault(thing.pk, (_label(entity), thing))
        else:
            self.others[_label(entity)] = entity


def _existing(entity_set: EntitySet, key):
    if isinstance(key, bool) or not isinstance(key, int) or not 0 < key <= MAX_ID:
        return None
    return entity_set.model.objects.filter(pk=key).first()


def _walk(entity_set: EntitySet, payload, needs: Needs, *, new: bool) -> None:
    """Collect the new Things and linked entities of a (deep) create or update body.

    Malformed parts are skipped: the write service refuses them with a precise message.
    """
    if not isinstance(payload, dict):
        return
    if new and entity_set.model is m.Thing:
        needs.new_thing = True
    for key, value in payload.items():
        nav = entity_set.nav(key)
        if nav is None:
            continue
        target = ENTITY_SETS[nav.target]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@iot.id" in item:
                linked = _existing(target, item["@iot.id"])
                if linked is not None:
                    needs.link(linked)
            else:
                _walk(target, item, needs, new=True)


# --- Things created in a request get the caller's organisation ---------------------------

_new_things: ContextVar[list | None] = ContextVar("sta_new_things", default=None)


def _collect_new_thing(sender, instance, created, raw=False, **kwargs):
    collected = _new_things.get()
    if created and not raw and collected is not None:
        collected.append(instance.pk)


post_save.connect(_collect_new_thing, sender=m.Thing, dispatch_uid="sta-views-new-things")


@contextmanager
def _collecting_new_things():
    collected: list[int] = []
    marker = _new_things.set(collected)
    try:
        yield collected
    finally:
        _new_things.reset(marker)


# --- the service -------------------------------------------------------------------------


def _allowed(path: ResourcePath) -> tuple[str, ...]:
    if path.kind is Kind.COLLECTION:
        return ("GET", "POST")
    if path.kind is Kind.ENTITY:
        return ("GET", "PATCH", "PUT", "DELETE")
    if path.kind in (Kind.CREATE_OBSERVATIONS, Kind.BATCH):
        return ("POST",)
    if path.kind is not Kind.REF:
        return ("GET",)
    navigation = path.target.navigation
    if navigation is None:
        return ("GET",)
    if not navigation.to_many:
        return ("GET", "PUT", "DELETE")
    return ("GET", "POST") if path.target.key is None else ("GET", "DELETE")


def _reject_constant(name):
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


class Service:
    """Answers :class:`Call` s for one caller; ``base_url`` is the service root URL."""

    def __init__(self, caller: Caller, *, base_url: str, root_path: str):
        self.caller = caller
        self.base_url = base_url.rstrip("/")
        self.root_path = root_path

    def self_link(self, entity) -> str:
        return f"{self.base_url}/{_label(entity)}"

    # entry point

    def handle(self, call: Call, *, nested: bool = False) -> Result:
        try:
            path = parse_path(call.resource)
            return self._dispatch(call, path, nested)
        except (PathError, write.STAError) as problem:
            return error(problem.status, str(problem))
        except QueryError as problem:
            return error(400, str(problem))
        except Problem as problem:
            return error(problem.status, problem.detail, problem.headers)

    def _dispatch(self, call: Call, path: ResourcePath, nested: bool) -> Result:
        allowed = _allowed(path)
        method = call.method.upper()
        if method == "OPTIONS":
            return Result(200, headers={"Allow": ", ".join((*allowed, "HEAD", "OPTIONS"))})
        if method == "HEAD":
            method = "GET"
        if method not in allowed:
            return error(
                405,
                _("%(method)s is not allowed on %(path)s; allowed are: %(allowed)s")
                % {"method": method, "path": path.text or "/", "allowed": ", ".join(allowed)},
                {"Allow": ", ".join((*allowed, "HEAD", "OPTIONS"))},
            )
        if path.kind is Kind.BATCH:
            if nested:
                raise Problem(400, _("a batch request cannot contain another batch request"))
            return self._batch(call)
        if method == "GET":
            return self._read(call, path)
        if not self.caller.known:
            raise Problem(
                401,
                _(
                    "Writing needs credentials: send a sensor token as 'Authorization: Bearer "
                    "<token>' (or HTTP Basic with the token as password), or sign in."
                ),
                {"WWW-Authenticate": CHALLENGE},
            )
        if any(name.startswith("$") for name in call.query):
            raise Problem(400, _("query options apply to reading (GET) only"))
        if path.kind is Kind.CREATE_OBSERVATIONS:
            return self._create_observations(call)
        if path.kind is Kind.COLLECTION:
            return self._create(call, path)
        if path.kind is Kind.REF:
            return self._change_link(call, path, method)
        if method == "DELETE":
            return self._delete(path)
        return self._update(call, path, replace=method == "PUT")

    # resolving paths

    def _visible(self, entity) -> bool:
        entity_set = BY_MODEL[type(entity)]
        queryset = entity_set.model.objects.filter(pk=entity.pk)
        return visible(queryset, entity_set, self.caller.user).exists()

    def _resolve(self, path: ResourcePath, *, writing: bool):
        """Walk the path: ``(entities along it, target)``; the target is an entity or, for
        a collection, a queryset. Reading sees what ``visible`` allows; writing sees all,
        and :meth:`_check` then hides what the caller may neither see nor change."""
        chain = []
        current = None
        for index, step in enumerate(path.steps):
            entity_set = step.entity_set
            shown = "/".join(s.text for s in path.steps[: index + 1])
            navigation = step.navigation
            if navigation is not None and not navigation.to_many:
                entity = getattr(current, navigation.accessor)
                if entity is None or (not writing and not self._visible(entity)):
                    raise Problem(404, _("%(path)s does not exist") % {"path": shown})
                chain.append(entity)
                current = entity
                continue
            if navigation is None:
                queryset = entity_set.model.objects.all()
            else:
                queryset = getattr(current, navigation.accessor).all()
            if not writing:
                queryset = visible(queryset, entity_set, self.caller.user)
            if step.key is None:
                return chain, queryset
            entity = queryset.filter(pk=step.key).first()
            if entity is None:
                raise Problem(404, _("%(path)s does not exist") % {"path": shown})
            chain.append(entity)
            current = entity
        return chain, current

    # access

    def _may_write_shared(self) -> bool:
        token, user = self.caller.token, self.caller.user
        if token is not None:
            return token.scope in ("platform", "organisation")
        return is_platform_admin(user) or is_staff_member(user)

    def _check(self, needs: Needs, chain: list) -> None:
        """Refuse the write unless every need is met: 403, or 404 where the caller cannot
        even see an entity the path names, or 400 for a linked entity it cannot see (as
        the write path answers a link to an entity that does not exist)."""
        user, token, who = self.caller.user, self.caller.token, self.caller.who

        def may(thing) -> bool:
            return access.may_write(user, token, thing)

        denial = hidden_link = None
        if needs.new_thing and not may(None):
            denial = _("%(who)s may not create Things") % {"who": who}
        elif needs.shared is not None and not self._may_write_shared():
            denial = _(
                "%(who)s may not change %(entity)s: Sensors, ObservedProperties, "
                "FeaturesOfInterest and Locations of no Thing are shared; changing them needs "
                "a platform or organisation token or staff membership"
            ) % {"who": who, "entity": needs.shared}
        denied_targets = [thing for thing in needs.targets.values() if not may(thing)]
        denied_links = [(label, t) for label, t in needs.links.values() if not may(t)]
        denied_users = [label for label, thing in needs.users.values() if not may(thing)]
        if denial is None and denied_targets:
            denial = _("%(who)s may not change %(thing)s") % {
                "who": who,
                "thing": _label(denied_targets[0]),
            }
        if denial is None and denied_links:
            label, thing = denied_links[0]
            if not self._visible(thing):
                hidden_link = label
            elif label == _label(thing):
                denial = _("%(who)s may not change %(thing)s") % {"who": who, "thing": label}
            else:
                denial = _("%(who)s may not change %(thing)s, which %(entity)s belongs to") % {
                    "who": who,
                    "thing": _label(thing),
                    "entity": label,
                }
        if denial is None and hidden_link is None:
            # Linking a Location or Sensor only private Things use would show it to all who
            # see the linking Thing: it needs to be visible, or all its users writable.
            hidden_link = next(
                (
                    label
                    for label, entity in needs.others.items()
                    if not self._visible(entity)
                    and not ((users := _things_of(entity)) and all(may(t) for t in users))
                ),
                None,
            )
        if denial is None and denied_users:
            denial = _(
                "%(who)s may not change %(entity)s: it is used by Things you may not change"
            ) % {"who": who, "entity": denied_users[0]}
        if denial is None and hidden_link is None:
            return
        hidden = next((entity for entity in chain if not self._visible(entity)), None)
        if hidden is not None:
            raise Problem(404, _("%(entity)s does not exist") % {"entity": _label(hidden)})
        if hidden_link is not None:
            raise Problem(400, _("%(entity)s does not exist") % {"entity": hidden_link})
        raise Problem(403, denial)

    # bodies

    def _json(self, call: Call, media_types=(JSON,)):
        if call.media_type not in media_types:
            raise Problem(
                400,
                _("the body must be sent as Content-Type %(types)s, not %(given)s")
                % {"types": " or ".join(media_types), "given": call.media_type or _("none")},
            )
        try:
            return json.loads(call.body.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            raise Problem(400, _("the body is not UTF-8 text")) from None
        except ValueError as problem:
            raise Problem(
                400, _("the body is not valid JSON: %(error)s") % {"error": problem}
            ) from None

    def _linked(self, call: Call, entity_set: EntitySet):
        """The entity a $ref body names: ``{"@iot.id": 5}`` or ``{"@iot.selfLink": url}``."""
        body = self._json(call)
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
                resource, _query = batch.resolve_url(link, self.root_path, {})
            except LookupError as problem:
                raise Problem(400, str(problem)) from None
            named_set, key = parse_entity_link(resource)
        if named_set is not entity_set:
            raise Problem(
                400,
                _("the reference must name a %(entity)s, not a %(given)s")
                % {"entity": entity_set.singular, "given": named_set.singular},
            )
        entity = _existing(entity_set, key)
        if entity is None:
            raise Problem(
                400, _("%(set)s(%(id)s) does not exist") % {"set": entity_set.name, "id": key}
            )
        return entity

    # audit

    def _audit(self, action: str, entity, before, after) -> None:
        """Staff writes as the staff member, token writes (machine writes) as the token.

        A token's new Observations are sensor readings, not configuration: they are not
        logged one by one (a logger posting every minute would flood the log).
        """
        token, user = self.caller.token, self.caller.user
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
        elif is_staff_actor(user):
            record(action, entity, before, after, actor=user)

    @staticmethod
    def _state(entity) -> dict:
        """The audited state: the columns, plus the Locations a Thing or HistoricalLocation
        lists (a many-to-many link no column shows)."""
        state = snapshot(entity)
        if isinstance(entity, m.Thing | m.HistoricalLocation):
            state["locations"] = sorted(entity.locations.values_list("pk", flat=True))
        return state

    # reading

    def _options(self, call: Call, allowed: frozenset[str] | None, where: str):
        options = parse_query_options(call.query)
        if allowed is not None:
            extra = sorted(name for name in options.sources if name not in allowed)
            if extra:
                raise Problem(
                    400,
                    _("%(options)s cannot be used on %(where)s; allowed here: %(allowed)s")
                    % {
                        "options": ", ".join(extra),
                        "where": where,
                        "allowed": ", ".join(sorted(allowed)) or _("none"),
                    },
                )
        return options

    def _read(self, call: Call, path: ResourcePath) -> Result:
        if path.kind is Kind.SERVICE:
            self._options(call, frozenset(), _("the service root"))
            return Result(200, self.service_document())
        entity_set, user = path.entity_set, self.caller.user
        if path.kind is Kind.COLLECTION:
            options = self._options(call, None, "")
            _chain, queryset = self._resolve(path, writing=False)
            return Result(
                200,
                read_collection(
                    queryset,
                    entity_set,
                    options,
                    base_url=self.base_url,
                    request_path=call.request_path,
                    user=user,
                ),
            )
        if path.kind is Kind.REF and not path.single:
            options = self._options(call, REF_OPTIONS, _("a list of references"))
            _chain, queryset = self._resolve(path, writing=False)
            page = read_collection(
                queryset,
                entity_set,
                options,
                base_url=self.base_url,
                request_path=call.request_path,
                user=user,
            )
            refs = {key: value for key, value in page.items() if key != "value"}
            refs["value"] = [
                {"@iot.selfLink": f"{self.base_url}/{entity_set.name}({item['@iot.id']})"}
                for item in page["value"]
            ]
            return Result(200, refs)
        if path.kind is Kind.ENTITY:
            options = self._options(call, ENTITY_OPTIONS, _("a single entity"))
            _chain, entity = self._resolve(path, writing=False)
            return Result(
                200, read_entity(entity, entity_set, options, base_url=self.base_url, user=user)
            )
        self._options(call, frozenset(), path.text)
        _chain, entity = self._resolve(path, writing=False)
        if path.kind is Kind.REF:
            return Result(200, {"@iot.selfLink": self.self_link(entity)})
        name = path.prop.name
        value = entity_json(entity, entity_set, base_url=self.base_url, select=[name]).get(name)
        if value is None:
            # OData 4.0 Part 1, 11.2.6: a property (or its raw value) that is null is 204.
            return Result(204)
        if path.kind is Kind.PROPERTY:
            return Result(200, {name: value})
        raw = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return Result(200, raw, text=True)

    def service_document(self) -> dict:
        return {
            "value": [{"name": name, "url": f"{self.base_url}/{name}"} for name in ENTITY_SETS],
            "serverSettings": {
                "conformance": [*CONFORMANCE, *broker.conformance()],
                "limits": service_limits(),
                **broker.server_settings(),
            },
        }

    # writing

    def _create(self, call: Call, path: ResourcePath) -> Result:
        payload = self._json(call)
        chain, _queryset = self._resolve(path, writing=True)
        parent = chain[-1] if chain else None
        entity_set = path.entity_set
        needs = Needs()
        if parent is not None:
            needs.link(parent)
        _walk(entity_set, payload, needs, new=True)
        if entity_set.model in SHARED or (
            entity_set.model is m.Location and not (needs.links or needs.new_thing)
        ):
            needs.shared = entity_set.name
        self._check(needs, chain)
        with transaction.atomic(), _collecting_new_things() as new_things:
            entity = write.create(entity_set.name, payload, parent=parent)
            organisation = self._organisation()
            if new_things and organisation is not None:
                m.Thing.objects.filter(pk__in=new_things).update(organisation_id=organisation)
                if isinstance(entity, m.Thing):
                    entity.refresh_from_db()
            self._audit(AuditEntry.Action.CREATE, entity, None, self._state(entity))
        link = self.self_link(entity)
        return Result(
            201, entity_json(entity, entity_set, base_url=self.base_url), {"Location": link}
        )

    def _organisation(self) -> int | None:
        """The organisation a Thing created by this caller belongs to, so that the caller
        may go on changing it: the token's, or the member's (the lowest id when several)."""
        token, user = self.caller.token, self.caller.user
        if token is not None:
            return token.organisation_id
        if is_platform_admin(user):
            return None
        organisations = sorted(organisation_ids(user))
        return organisations[0] if organisations else None

    def _update(self, call: Call, path: ResourcePath, *, replace: bool) -> Result:
        media_types = (JSON,) if replace else (JSON, JSON_PATCH)
        body = self._json(call, media_types)
        chain, entity = self._resolve(path, writing=True)
        needs = Needs()
        needs.entity(entity)
        if call.media_type == JSON:
            _walk(path.entity_set, body, needs, new=False)
        self._check(needs, chain)
        with transaction.atomic():
            before = self._state(entity)
            if call.media_type == JSON_PATCH:
                write.apply_json_patch(entity, body)
            else:
                write.update(entity, body, replace=replace)
            entity.refresh_from_db()
            self._audit(AuditEntry.Action.UPDATE, entity, before, self._state(entity))
        return Result(200, entity_json(entity, path.entity_set, base_url=self.base_url))

    def _delete(self, path: ResourcePath) -> Result:
        chain, entity = self._resolve(path, writing=True)
        needs = Needs()
        needs.entity(entity)
        self._check(needs, chain)
        with transaction.atomic():
            before, pk = self._state(entity), entity.pk
            write.delete(entity)
            entity.pk = pk  # Django clears it; the log names what was deleted
            self._audit(AuditEntry.Action.DELETE, entity, before, None)
        return Result(204)

    def _create_observations(self, call: Call) -> Result:
        payload = self._json(call)
        needs = Needs()
        groups = []
        for item in payload if isinstance(payload, list) else []:
            for name in ("Datastream", "MultiDatastream") if isinstance(item, dict) else ():
                link = item.get(name)
                stream = (
                    _existing(ENTITY_SETS[f"{name}s"], link.get("@iot.id"))
                    if isinstance(link, dict)
                    else None
                )
                if stream is not None:
                    needs.link(stream)
                    rows = item.get("dataArray")
                    groups.append((stream, len(rows) if isinstance(rows, list) else 0))
        self._check(needs, [])
        with transaction.atomic():
            links = write.create_observations(payload, base_url=self.base_url)
            if self.caller.token is None:
                start = 0
                for stream, count in groups:
                    stored = sum(1 for link in links[start : start + count] if link != "error")
                    start += count
                    self._audit(
                        AuditEntry.Action.UPDATE, stream, None, {"observations_created": stored}
                    )
        return Result(201, list(links))

    # links ($ref)

    def _change_link(self, call: Call, path: ResourcePath, method: str) -> Result:
        """POST adds to a to-many link, PUT sets a to-one link, DELETE removes either
        (OData 4.0 Part 1, 11.4.6, as the standard's link-to-existing-entities allows)."""
        chain, _target = self._resolve(path, writing=True)
        navigation = path.target.navigation
        owner = chain[-1] if method == "POST" else chain[-2]
        other = self._linked(call, path.entity_set) if method in ("POST", "PUT") else None
        if method == "DELETE" and navigation.to_many:
            other = chain[-1]
        needs = Needs()
        for entity in (owner, other):
            if entity is not None:
                needs.link(entity)
        self._check(needs, chain)
        holder, changes, target = self._link_change(owner, other, navigation, method)
        with transaction.atomic():
            before = self._state(holder)
            write.update(target, changes)
            holder.refresh_from_db()
            self._audit(AuditEntry.Action.UPDATE, holder, before, self._state(holder))
        return Result(204)

    def _link_change(self, owner, other, navigation, method: str):
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
                % {"owner": _label(owner), "other": _label(other)},
            )
        owner_set = BY_MODEL[type(owner)]
        inverse = next(
            nav
            for nav in BY_MODEL[type(other)].navigation
            if nav.target == owner_set.name and not nav.to_many
        )
        return other, {inverse.name: None}, other

    # $batch

    def _batch(self, call: Call) -> Result:
        media_type = call.media_type
        try:
            if media_type == JSON:
                parts = batch.parse_json(call.body)
            elif media_type == "multipart/mixed":
                parts = batch.parse_multipart(call.content_type, call.body)
            else:
                raise batch.BatchError(
                    _("a batch is sent as application/json or multipart/mixed, not %(type)s")
                    % {"type": media_type or _("none")}
                )
        except batch.BatchError as problem:
            return error(400, str(problem))
        units = batch.run(parts, self._run_part, base_url=self.base_url)
        if media_type == JSON:
            return Result(200, batch.json_answer(units))
        content_type, body = batch.multipart_answer(units)
        return Result(200, raw=body, raw_type=content_type)

    def _run_part(self, part: batch.Part, references: dict[str, str]) -> Result:
        try:
            resource, query = batch.resolve_url(part.url, self.root_path, references)
        except LookupError as problem:
            return error(404, str(problem))
        sub = Call(
            method=part.method,
            resource=resource,
            query=QueryDict(query),
            request_path=self.root_path + resource,
            content_type=part.content_type,
            body=batch.with_references(part, references),
        )
        return self.handle(sub, nested=True)


def service_limits() -> dict:
    default_top, max_top = query._top_limits()
    return {
        "defaultTop": default_top,
        "maxTop": max_top,
        "maxExpandDepth": DEFAULT_LIMITS.max_expand_depth,
        "maxExpressionDepth": DEFAULT_LIMITS.max_depth,
        "maxOptionLength": DEFAULT_LIMITS.max_length,
        "maxBatchRequests": batch.MAX_REQUESTS,
        "maxBodyBytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    }


# --- HTTP --------------------------------------------------------------------------------


def _respond(request, result: Result) -> HttpResponse:
    body = result.body()
    response = HttpResponse(b"" if request.method == "HEAD" else body, status=result.status)
    if request.method == "HEAD":
        response["Content-Length"] = str(len(body))
    if result.data is None and result.raw is None:
        del response["Content-Type"]
    else:
        response["Content-Type"] = result.content_type
    for name, value in result.headers.items():
        response[name] = value
    # Open data: any web page may read the API. No credentials are allowed cross-origin
    # (no Access-Control-Allow-Credentials), so a session cannot be used from elsewhere.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Location"
    if request.method == "OPTIONS":
        response["Access-Control-Allow-Methods"] = result.headers.get("Allow", "GET")
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Max-Age"] = "86400"
    return response


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, answering in the API's JSON instead of an HTML page."""

    def _reject(self, request, reason):
        return _respond(
            request,
            error(
                403,
                _(
                    "CSRF check failed (%(reason)s). Signed-in writes need the X-CSRFToken "
                    "header; machines should send a sensor token instead."
                )
                % {"reason": reason},
            ),
        )


def _caller(request) -> tuple[Caller, Result | None]:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    token = access.token_from_request(request) if header else None
    if header and token is None:
        return Caller(request.user), error(
            401,
            _("The Authorization header carries no valid sensor token (unknown or revoked)."),
            {"WWW-Authenticate": CHALLENGE},
        )
    return Caller(request.user, token), None


@csrf_exempt
def resource(request, resource: str = ""):
    """Every request below /sta/v1.1/.

    CSRF is checked here rather than by the middleware: token requests (machines) need
    none, while a signed-in browser session must send the X-CSRFToken header to write.
    """
    caller, problem = _caller(request)
    if problem is not None:
        return _respond(request, problem)
    if request.method in UNSAFE and caller.token is None and is_authenticated(caller.user):
        rejected = _CsrfCheck(lambda request: None).process_view(request, None, (), {})
        if rejected is not None:
            return rejected
    try:
        body = request.body
    except RequestDataTooBig:
        return _respond(
            request,
            error(
                413,
                _("the request body is larger than %(size)d bytes")
                % {"size": service_limits()["maxBodyBytes"]},
            ),
        )
    root_path = reverse("sta:root")
    service = Service(caller, base_url=request.build_absolute_uri(root_path), root_path=root_path)
    call = Call(
        method=request.method,
        resource=resource,
        query=request.GET,
        request_path=request.path,
        content_type=request.META.get("CONTENT_TYPE", ""),
        body=body,
    )
    return _respond(request, service.handle(call))
