"""The SensorThings 1.1 read engine: collections and entities with paging, ``$expand`` and
``$resultFormat`` (OGC 18-088 section 9.3), loaded as rows in a few queries per level.

Public interface (called by the HTTP layer under ``/sta/v1.1/``)::

    read_collection(queryset, entity_set, options, *, base_url, request_path, user) -> dict
    read_entity(obj, entity_set, options, *, base_url, user) -> dict

Visibility and the translation of ``$filter``/``$orderby`` are ``sta/query.py``. See
``docs/sensors-read.md`` for the semantics chosen (nulls, orders, paging).
"""

from __future__ import annotations

import dataclasses
import json
from functools import cached_property
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    F,
    Field,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    TextField,
    Value,
)

from smartcity.sensors.odata import ExpandItem, QueryOptions
from smartcity.sensors.sta import counting
from smartcity.sensors.sta.entities import ENTITY_SETS, ROWS, EntitySet, Navigation
from smartcity.sensors.sta.query import (
    INHERITED,
    Fail,
    option_fail,
    reverse_lookup,
    translate_filter,
    translate_orderby,
    visible,
)
from smartcity.sensors.sta.serialize import (
    Selection,
    compile_select,
    data_array,
    data_array_components,
    entity_json,
)

__all__ = ["read_collection", "read_entity", "top_limits"]

# Parents per prefetch query: keeps IN lists within SQLite's 32,766 parameters.
PREFETCH_CHUNK = 10_000
# Characters left as they are in next links, for readable URLs; all others are %-encoded.
_URL_SAFE = "$/(),;'=:*"


def top_limits() -> tuple[int, int]:
    """``$top`` when a request gives none, and the most a page holds."""
    return settings.STA_DEFAULT_TOP, settings.STA_MAX_TOP


def _default_orderby(entity_set: EntitySet) -> list:
    if entity_set.name == "Observations":
        return [F("phenomenon_time_start").asc(), F("pk").asc()]
    return [F("pk").asc()]


# --- $expand ------------------------------------------------------------------------------


@dataclasses.dataclass
class _Level:
    """One expanded navigation property with its (merged) options."""

    source: EntitySet
    nav: Navigation
    options: QueryOptions
    children: list[_Level]
    selection: Selection | None
    top: int = 0
    skip: int = 0

    @property
    def target(self) -> EntitySet:
        return ENTITY_SETS[self.nav.target]

    @property
    def attr(self) -> str:
        return f"_sta_{self.nav.name}"

    @cached_property
    def next_query(self) -> str:
        """The query string of every parent's next page: the same for all of them."""
        following = dataclasses.replace(self.options, top=self.top, skip=self.skip + self.top)
        return _query_string(following)


_ONLY_FOR_COLLECTIONS = (("orderby", "$orderby"), ("top", "$top"), ("skip", "$skip"))


def _merge(first: QueryOptions, second: QueryOptions, item: ExpandItem, fail: Fail):
    """Options of two $expand items for the same navigation property (one of them may
    only carry nested expansions, as ``Datastreams/Observations`` does for Datastreams)."""
    own = [o for o in (first, second) if not dataclasses.replace(o, expand=()).is_empty()]
    if len(own) > 1:
        raise fail(
            f"{item.path[0]} is expanded twice with options: give its options in one item",
            item.pos,
        )
    base = own[0] if own else first
    return dataclasses.replace(base, expand=first.expand + second.expand)


def _plan(entity_set: EntitySet, options: QueryOptions) -> list[_Level]:
    """The expansion tree of ``options.expand``, checked against the entity model."""
    fail = option_fail(options, "$expand")
    grouped: dict[str, tuple[Navigation, QueryOptions, ExpandItem]] = {}
    for item in options.expand:
        positions = item.positions or (item.pos,) * len(item.path)
        nav = entity_set.nav(item.path[0])
        if nav is None:
            known = ", ".join(n.name for n in entity_set.navigation)
            raise fail(
                f"{item.path[0]} is not a navigation property of a {entity_set.singular}; "
                f"known are: {known}",
                positions[0],
            )
        if len(item.path) == 1:
            own = item.options
        else:
            nested = ExpandItem(item.path[1:], item.options, positions[1:], pos=positions[1])
            own = QueryOptions(expand=(nested,), sources=item.options.sources)
        if nav.name in grouped:
            own = _merge(grouped[nav.name][1], own, item, fail)
        grouped[nav.name] = (nav, own, item)
    default_top, max_top = top_limits()
    levels = []
    for nav, own, item in grouped.values():
        if not nav.to_many:
            for name, option in (*_ONLY_FOR_COLLECTIONS, ("count", "$count")):
                if getattr(own, name) not in (None, (), False):
                    raise fail(
                        f"{option} cannot be used on {nav.name}, which is a single entity",
                        item.pos,
                    )
        target = ENTITY_SETS[nav.target]
        top = min(own.top if own.top is not None else default_top, max_top)
        selection = compile_select(target, own.select, option_fail(own, "$select"))
        levels.append(
            _Level(entity_set, nav, own, _plan(target, own), selection, top, own.skip or 0)
        )
    return levels


def _level_queryset(level: _Level, user):
    target = level.target
    queryset = target.model.objects.all()
    if (level.source.name, level.nav.name) not in INHERITED:
        queryset = visible(queryset, target, user)
    if level.options.filter is not None:
        queryset = queryset.filter(
            translate_filter(
                target, level.options.filter, user=user, fail=option_fail(level.options, "$filter")
            )
        )
    return queryset


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_rows(queryset, entity_set: EntitySet) -> list:
    """The entities of ``queryset`` as rows (``entities.EntityRow``), in its order.

    Times are read as UTC text (``_UTCText``): parsing them into datetimes only to print
    them again costs a third of a large response (``format_instant`` reads the text).
    """
    row = ROWS[entity_set.name]
    times = _time_columns(entity_set)
    columns = [_UTCText(name) if name in times else name for name in row.columns]
    return [row(values) for values in queryset.values_list(*columns)]


def _time_columns(entity_set: EntitySet) -> frozenset[str]:
    return frozenset(
        f.attname for f in entity_set.model._meta.concrete_fields if isinstance(f, DateTimeField)
    )


class _UTCText(Func):
    """A time column as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC, the text SQLite stores
    (Python's ``str`` of a naive UTC datetime: no fraction when it is zero)."""

    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        # The CAST hides the column's declared type, which the driver would parse.
        template = "CAST(%(expressions)s AS text)"
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        # to_char prints 6 fraction digits always; the zero fraction goes as in Python.
        template = (
            "replace(to_char(%(expressions)s AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD HH24:MI:SS.US'), '.000000', '')"
        )
        return super().as_sql(compiler, connection, template=template, **extra)


class _Keys(Func):
    """A list of primary keys as one bound parameter, for ``pk__in``: Django binds an
    ``__in`` list value by value, which costs more than the query for 10,000 keys."""

    output_field = IntegerField()

    def __init__(self, keys: list[int]):
        super().__init__(Value(json.dumps(keys)))

    def as_sql(self, compiler, connection, **extra):
        template = "SELECT value FROM json_each(%(expressions)s)"
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "SELECT jsonb_array_elements_text(%(expressions)s::jsonb)::bigint"
        return super().as_sql(compiler, connection, template=template, **extra)


def _by_pk(queryset, entity_set: EntitySet, pks) -> dict:
    found = {}
    for chunk in _chunks(sorted(pks), PREFETCH_CHUNK):
        rows = load_rows(queryset.filter(pk__in=_Keys(chunk)), entity_set)
        found.update((row.pk, row) for row in rows)
    return found


class _PagePks(Subquery):
    """The primary keys a per-parent subquery selects, in its order, as one value.

    One correlated subquery per parent walks the index on (parent, order) and stops after
    the page: the cost grows with parents × page size, not with the rows each parent has
    (a window function over all Observations of 10,000 Datastreams reads every row).
    PostgreSQL's ARRAY(subquery) keeps the subquery's order; SQLite feeds an aggregate over
    an ordered, limited subquery (a co-routine) in that order.
    """

    output_field = Field()

    def as_sql(self, compiler, connection, **extra):
        template = "(SELECT group_concat(page.page_pk) FROM (%(subquery)s) page)"
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="ARRAY(%(subquery)s)", **extra)


def _pks(value) -> list[int]:
    if value is None:
        return []
    return value if isinstance(value, list) else [int(pk) for pk in value.split(",")]


def _expand_many(parents: list, level: _Level, queryset, user) -> None:
    if level.options.count:
        _count(parents, level, queryset)
    if not level.top:
        for parent in parents:
            setattr(parent, level.attr, [])
            setattr(parent, level.attr + "_more", False)
        return
    order = (
        translate_orderby(
            level.target,
            level.options.orderby,
            user=user,
            fail=option_fail(level.options, "$orderby"),
        )
        if level.options.orderby
        else _default_orderby(level.target)
    )
    # One row more than the page shows tells whether a next link is needed.
    end = level.skip + level.top + 1
    page = (
        queryset.filter(**{reverse_lookup(level.source, level.nav): OuterRef("pk")})
        .order_by(*order)
        .values(page_pk=F("pk"))[level.skip : end]
    )
    pages: dict = {}
    for chunk in _chunks([p.pk for p in parents], PREFETCH_CHUNK):
        rows = (
            level.source.model.objects.filter(pk__in=_Keys(chunk))
            .annotate(page=_PagePks(page))
            .values_list("pk", "page")
        )
        pages.update((pk, _pks(value)) for pk, value in rows)
    # The key past the page only tells that there is a next page: its entity is not loaded.
    wanted = {pk for pks in pages.values() for pk in pks[: level.top]}
    children = _by_pk(level.target.model.objects.all(), level.target, wanted)
    for parent in parents:
        pks = pages.get(parent.pk, ())
        setattr(parent, level.attr, [children[pk] for pk in pks[: level.top]])
        setattr(parent, level.attr + "_more", len(pks) > level.top)


def _expand_one(parents: list, level: _Level, queryset) -> None:
    attname = level.source.model._meta.get_field(level.nav.accessor).attname
    children = _by_pk(queryset, level.target, {getattr(p, attname) for p in parents} - {None})
    for parent in parents:
        setattr(parent, level.attr, children.get(getattr(parent, attname)))


def _fetch(parents: list, levels: list[_Level], user) -> None:
    """Load the expansions of ``parents``, level by level: a few queries per navigation
    property and level (per 10,000 parents), whatever the number of parents."""
    if not parents:
        return
    for level in levels:
        queryset = _level_queryset(level, user)
        if level.nav.to_many:
            _expand_many(parents, level, queryset, user)
        else:
            _expand_one(parents, level, queryset)
        children: dict[int, object] = {}
        for parent in parents:
            related = getattr(parent, level.attr)
            for child in related if level.nav.to_many else [related]:
                if child is not None:
                    children.setdefault(id(child), child)
        _fetch(list(children.values()), level.children, user)


def _count(parents: list, level: _Level, queryset) -> None:
    lookup = reverse_lookup(level.source, level.nav)
    counts = {}
    for chunk in _chunks(parents, PREFETCH_CHUNK):
        rows = (
            queryset.filter(**{f"{lookup}__in": [p.pk for p in chunk]})
            .order_by()
            .values(lookup)
            .annotate(n=Count("pk"))
        )
        counts.update({row[lookup]: row["n"] for row in rows})
    for parent in parents:
        setattr(parent, level.attr + "_count", counts.get(parent.pk, 0))


# --- documents ----------------------------------------------------------------------------


def _query_string(options: QueryOptions) -> str:
    return urlencode(options.to_params(), quote_via=quote, safe=_URL_SAFE)


def _document(obj, entity_set: EntitySet, selection, levels, base_url: str) -> dict:
    body = entity_json(obj, entity_set, base_url=base_url, select=selection)
    for level in levels:
        related = getattr(obj, level.attr)
        name = level.nav.name
        if not level.nav.to_many:
            if related is not None:
                body[name] = _document(
                    related, level.target, level.selection, level.children, base_url
                )
            continue
        if level.options.count:
            body[f"{name}@iot.count"] = getattr(obj, level.attr + "_count")
        if getattr(obj, level.attr + "_more"):
            body[f"{name}@iot.nextLink"] = (
                f"{base_url}/{entity_set.name}({obj.pk})/{name}?{level.next_query}"
            )
        body[name] = [
            _document(child, level.target, level.selection, level.children, base_url)
            for child in related
        ]
    return body


def _absolute(base_url: str, request_path: str) -> str:
    """The collection's URL: ``request_path`` is the full request path (``request.path``),
    a path relative to the service root (``/Things``) or an absolute URL."""
    if request_path.startswith(("http://", "https://")):
        return request_path
    parts = urlsplit(base_url)
    root = parts.path.rstrip("/")
    if root and (request_path == root or request_path.startswith(root + "/")):
        return f"{parts.scheme}://{parts.netloc}{request_path}"
    return base_url + ("" if request_path.startswith("/") else "/") + request_path


def _check_result_format(entity_set: EntitySet, options: QueryOptions) -> None:
    if options.result_format is None:
        return
    fail = option_fail(options, "$resultFormat")
    if entity_set.name != "Observations":
        raise fail("dataArray is a result format for Observations only", None)
    if options.expand:
        raise fail("$expand cannot be combined with $resultFormat=dataArray", None)


def read_collection(
    queryset,
    entity_set: EntitySet,
    options: QueryOptions,
    *,
    base_url: str,
    request_path: str,
    user,
) -> dict:
    """A collection response: ``{"@iot.count"?, "@iot.nextLink"?, "value": [...]}``.

    ``queryset`` holds the collection before any option (``Thing.objects.all()``,
    ``datastream.observations.all()``); this function applies visibility for ``user``,
    ``$filter``, ``$count``, ``$orderby``, ``$skip``/``$top``, ``$select``, ``$expand`` and
    ``$resultFormat=dataArray``. ``base_url`` is the service root
    (``https://host/sta/v1.1``); ``request_path`` the request's path, used for the next link.
    """
    base_url = base_url.rstrip("/")
    _check_result_format(entity_set, options)
    levels = _plan(entity_set, options)
    select_fail = option_fail(options, "$select")
    if options.result_format:
        components = data_array_components(entity_set, options.select, select_fail)
    else:
        selection = compile_select(entity_set, options.select, select_fail)
    queryset = visible(queryset, entity_set, user)
    if options.filter is not None:
        queryset = queryset.filter(
            translate_filter(
                entity_set, options.filter, user=user, fail=option_fail(options, "$filter")
            )
        )
    body: dict = {}
    if options.count:
        body["@iot.count"] = counting.count(queryset)
    order = (
        translate_orderby(
            entity_set, options.orderby, user=user, fail=option_fail(options, "$orderby")
        )
        if options.orderby
        else _default_orderby(entity_set)
    )
    default_top, max_top = top_limits()
    top = min(options.top if options.top is not None else default_top, max_top)
    skip = options.skip or 0
    rows = load_rows(queryset.order_by(*order)[skip : skip + top + 1], entity_set) if top else []
    if len(rows) > top:
        following = dataclasses.replace(options, top=top, skip=skip + top)
        body["@iot.nextLink"] = f"{_absolute(base_url, request_path)}?{_query_string(following)}"
    rows = rows[:top]
    if options.result_format:
        body["value"] = data_array(rows, components, base_url=base_url)
        return body
    _fetch(rows, levels, user)
    body["value"] = [_document(row, entity_set, selection, levels, base_url) for row in rows]
    return body


def read_entity(obj, entity_set: EntitySet, options: QueryOptions, *, base_url: str, user) -> dict:
    """One entity with ``$select`` and ``$expand``. ``obj`` must be one ``user`` may read
    (looked up through ``visible``); expanded entities are restricted to what ``user`` may
    read. Collection options (``$filter``, ``$orderby``, ``$top``, ``$skip``, ``$count``,
    ``$resultFormat``) are refused."""
    for name, option in (
        ("filter", "$filter"),
        *_ONLY_FOR_COLLECTIONS,
        ("count", "$count"),
        ("result_format", "$resultFormat"),
    ):
        if getattr(options, name) not in (None, ()):
            raise options.error(option, "applies to collections, not to a single entity")
    base_url = base_url.rstrip("/")
    levels = _plan(entity_set, options)
    selection = compile_select(entity_set, options.select, option_fail(options, "$select"))
    _fetch([obj], levels, user)
    return _document(obj, entity_set, selection, levels, base_url)
