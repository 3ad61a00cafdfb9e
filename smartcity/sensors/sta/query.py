"""SensorThings 1.1 visibility and ``$filter``/``$orderby`` (OGC 18-088 section 9.3) on the
Django ORM; ``sta/reading.py`` reads collections and entities with them.

Public interface::

    visible(queryset, entity_set, user) -> QuerySet
    translate_filter(entity_set, expr, *, user, fail=None) -> Q
    translate_orderby(entity_set, orderby, *, user=None, fail=None) -> list[OrderBy]

``options`` is the ``QueryOptions`` of ``smartcity.sensors.odata.parse_query_options``. Every
problem with a query raises ``QueryError`` pointing at the offending part of the option text;
the HTTP layer answers it with 400 and ``{"detail": str(error)}``.

The translation builds Django expressions only (``Q``, ``F``, ``Value``, lookups and ``Func``
subclasses with fixed SQL templates): no text of a request becomes SQL. See
``docs/sensors-read.md`` for the semantics chosen (time intervals, nulls, orders, paging).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import operator
from collections.abc import Callable
from functools import reduce

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    TextField,
    TimeField,
    Value,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import (
    Cast,
    Ceil,
    Coalesce,
    Concat,
    Extract,
    Floor,
    Greatest,
    Length,
    Lower,
    Mod,
    NullIf,
    Round,
    StrIndex,
    Substr,
    Trim,
    TruncDate,
    TruncTime,
    Upper,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone

from smartcity.sensors import models as m
from smartcity.sensors.access import visible_things_filter
from smartcity.sensors.odata import (
    BinaryOp,
    BoolOp,
    Function,
    Literal,
    Property,
    QueryError,
    QueryOptions,
    UnaryOp,
    to_text,
    walk,
)
from smartcity.sensors.odata.functions import (
    BOOLEAN,
    DATE,
    DATETIME,
    DURATION,
    GEO,
    NULL,
    NUMBER,
    STRING,
    TIME,
)
from smartcity.sensors.odata.typecheck import ARITHMETIC, DESCRIPTIONS
from smartcity.sensors.sta.entities import ENTITY_SETS, EntitySet, Navigation
from smartcity.sensors.sta.expressions import FractionalSeconds, JSONValue, OffsetMinutes
from smartcity.sensors.sta.spatial import PREDICATES, GeoFunction, GeoInput

__all__ = [
    "INHERITED",
    "Fail",
    "option_fail",
    "reverse_lookup",
    "translate_filter",
    "translate_orderby",
    "visible",
]

Fail = Callable[[str, int | None], QueryError]


# --- visibility ---------------------------------------------------------------------------

# Navigation whose targets are visible whenever its source entity is: they hang off the same
# Thing, or are Locations, Sensors, ObservedProperties and FeaturesOfInterest that a visible
# entity uses (which makes them visible by the rules of ``visibility_q``).
INHERITED = frozenset(
    {
        ("Things", "Locations"),
        ("Things", "HistoricalLocations"),
        ("Things", "Datastreams"),
        ("Things", "MultiDatastreams"),
        ("HistoricalLocations", "Thing"),
        ("HistoricalLocations", "Locations"),
        ("Datastreams", "Thing"),
        ("Datastreams", "Sensor"),
        ("Datastreams", "ObservedProperty"),
        ("Datastreams", "Observations"),
        ("MultiDatastreams", "Thing"),
        ("MultiDatastreams", "Sensor"),
        ("MultiDatastreams", "ObservedProperties"),
        ("MultiDatastreams", "Observations"),
        ("Observations", "Datastream"),
        ("Observations", "MultiDatastream"),
        ("Observations", "FeatureOfInterest"),
    }
)


def _prefixed(q: Q, prefix: str) -> Q:
    """``q`` (lookups on Thing) with every lookup moved behind ``prefix`` (``"thing__"``)."""
    children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return Q.create(children, connector=q.connector, negated=q.negated)


def _location_q(things: Q, ref: str) -> Q:
    """Locations (the one ``ref`` names) linked to a visible Thing now or in the past, or
    never linked to any Thing."""
    linked = m.Thing.objects.filter(locations=OuterRef(ref))
    historical = m.HistoricalLocation.objects.filter(locations=OuterRef(ref))
    return (
        Q(Exists(linked.filter(things)))
        | Q(Exists(historical.filter(_prefixed(things, "thing__"))))
        | (~Q(Exists(linked)) & ~Q(Exists(historical)))
    )


def _used_q(things: Q, streams: dict[type, str]) -> Q:
    """Entities used by a visible (Multi)Datastream, or by none at all."""
    used = [model.objects.filter(**{lookup: OuterRef("pk")}) for model, lookup in streams.items()]
    by_visible = reduce(
        operator.or_, (Q(Exists(qs.filter(_prefixed(things, "thing__")))) for qs in used)
    )
    unused = reduce(operator.and_, (~Q(Exists(qs)) for qs in used))
    return by_visible | unused


def _observation_q(things: Q) -> Q:
    return _prefixed(things, "datastream__thing__") | _prefixed(things, "multi_datastream__thing__")


def visibility_q(entity_set: EntitySet, user) -> Q | None:
    """The condition an entity of ``entity_set`` meets when ``user`` may read it; None when
    the user may read everything (platform admins).

    Things: public ones and the private ones of the user's organisations
    (``access.visible_things_filter``). Datastreams, MultiDatastreams, HistoricalLocations:
    those of visible Things. Observations: those of visible (Multi)Datastreams. Locations:
    linked to a visible Thing now or in the past, or never linked to a Thing. Sensors and
    ObservedProperties: used by a visible (Multi)Datastream, or unused. FeaturesOfInterest:
    observed by a visible Observation, or not observed yet and derived from a visible (or
    no) Location. So nothing that only private Things use is seen by outsiders.
    """
    things = visible_things_filter(user)
    if not things:
        return None
    name = entity_set.name
    if name == "Things":
        return things
    if name in ("Datastreams", "MultiDatastreams", "HistoricalLocations"):
        return _prefixed(things, "thing__")
    if name == "Observations":
        return _observation_q(things)
    if name == "Locations":
        return _location_q(things, "pk")
    if name == "Sensors":
        return _used_q(things, {m.Datastream: "sensor", m.MultiDatastream: "sensor"})
    if name == "ObservedProperties":
        return _used_q(
            things,
            {m.Datastream: "observed_property", m.MultiDatastream: "observed_properties"},
        )
    if name == "FeaturesOfInterest":
        observed = m.Observation.objects.filter(feature_of_interest=OuterRef("pk"))
        return Q(Exists(observed.filter(_observation_q(things)))) | (
            ~Q(Exists(observed)) & _location_q(things, "source_location")
        )
    raise ValueError(f"no visibility rule for {name}")


def visible(queryset, entity_set: EntitySet, user):
    """``queryset`` restricted to what ``user`` (None or anonymous included) may read."""
    condition = visibility_q(entity_set, user)
    return queryset if condition is None else queryset.filter(condition)


def reverse_lookup(source: EntitySet, nav: Navigation) -> str:
    """The lookup on ``nav``'s target model that leads back to ``source``."""
    field = source.model._meta.get_field(nav.accessor)
    if field.auto_created and not field.concrete:  # reverse side of a FK or M2M
        return field.field.name
    if field.many_to_many:
        return field.related_query_name()
    raise ValueError(f"{source.name}/{nav.name} is not a to-many navigation")


# --- $filter and $orderby -----------------------------------------------------------------

# Operand types besides those of the query language (odata.functions).
INTERVAL = "interval"
JSON = "json"
RESULT = "result"
ENTITY = "entity"
_DEFERRED = (JSON, RESULT)
_DESCRIBED = {
    **DESCRIPTIONS,
    INTERVAL: "a time interval",
    JSON: "a JSON value",
    RESULT: "a result",
    ENTITY: "an entity",
}
_LOOKUPS = {
    "eq": Exact,
    "gt": GreaterThan,
    "ge": GreaterThanOrEqual,
    "lt": LessThan,
    "le": LessThanOrEqual,
}
_FLIPPED = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
_CONNECTORS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
_FIELD_TYPES = {
    "CharField": STRING,
    "TextField": STRING,
    "IntegerField": NUMBER,
    "BigIntegerField": NUMBER,
    "PositiveIntegerField": NUMBER,
    "PositiveSmallIntegerField": NUMBER,
    "SmallIntegerField": NUMBER,
    "AutoField": NUMBER,
    "BigAutoField": NUMBER,
    "FloatField": NUMBER,
    "BooleanField": BOOLEAN,
    "DateTimeField": DATETIME,
}
_TRUE = Q(Exact(Value(1), Value(1)))
_FALSE = Q(Exact(Value(1), Value(0)))
_MIN_DATETIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_MAX_DATETIME = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
_DATE_PARTS = ("year", "month", "day")
_TIME_PARTS = ("hour", "minute", "second")
_STRING_FUNCTIONS = frozenset(
    {
        "substringof",
        "startswith",
        "endswith",
        "length",
        "indexof",
        "substring",
        "tolower",
        "toupper",
        "trim",
        "concat",
    }
)


@dataclasses.dataclass(frozen=True)
class Val:
    """A translated operand. ``expr`` is a Django expression, a ``Q`` for boolean
    conditions, or ``(start, end)`` for an interval; JSON and result operands are typed by
    what they are compared with (``field``: the model path, ``keys``: JSON keys). ``guard``
    must hold for the value to mean anything (the result type of an Observation)."""

    type: str
    expr: object = None
    text: str = ""
    guard: Q | None = None
    field: str = ""
    keys: tuple[str, ...] = ()


def _and(*conditions: Q | None) -> Q | None:
    present = [c for c in conditions if c is not None]
    return reduce(operator.and_, present) if present else None


def _guarded(q: Q, *vals: Val) -> Q:
    return _and(q, *(v.guard for v in vals))


class _Translator:
    """Translates expressions relative to ``entity_set``; ``skip`` path segments of every
    property were already followed by an enclosing ``EXISTS`` (to-many navigation)."""

    def __init__(self, entity_set: EntitySet, user, fail: Fail, skip: int = 0):
        self.entity_set = entity_set
        self.user = user
        self.fail = fail
        self.skip = skip

    # -- boolean conditions ----------------------------------------------------------------

    def condition(self, node) -> Q:
        if isinstance(node, BoolOp):
            combine = operator.and_ if node.op == "and" else operator.or_
            return reduce(combine, (self.condition(o) for o in node.operands))
        if isinstance(node, UnaryOp) and node.op == "not":
            return ~self.condition(node.operand)
        return self._leaf(node)

    def _leaf(self, node) -> Q:
        prefix = self._many_prefix(node)
        if prefix is None:
            return self._boolean(self.value(node), node)
        steps, length = prefix
        target = ENTITY_SETS[steps[-1][1].target]
        inner = _Translator(target, self.user, self.fail, self.skip + length)
        return self._exists(steps, inner._boolean(inner.value(node), node))

    def _boolean(self, val: Val, node) -> Q:
        if val.type in _DEFERRED:
            val = self._resolve(val, BOOLEAN, node.pos)
        if val.type == NULL:
            return _FALSE
        if val.type != BOOLEAN:
            raise self.fail(
                f"$filter needs a boolean expression; {val.text} is {_DESCRIBED[val.type]}",
                node.pos,
            )
        q = val.expr if isinstance(val.expr, Q) else Q(Exact(val.expr, Value(True)))
        return _guarded(q, val)

    def _many_prefix(self, node):
        """The navigation steps up to the last to-many one shared by every property in
        ``node`` and the number of path segments they take; None without to-many steps."""
        found = None
        for prop in (n for n in walk(node) if isinstance(n, Property)):
            steps, _, _ = self._steps(prop)
            last = max((i for i, (_, nav) in enumerate(steps) if nav.to_many), default=-1)
            key = tuple(nav.name for _, nav in steps[: last + 1])
            if found is None:
                found = (key, steps[: last + 1], prop)
            elif found[0] != key:
                raise self.fail(
                    "properties reached through different to-many navigation paths cannot be "
                    f"combined in one comparison ({'/'.join(found[2].path)} and "
                    f"{'/'.join(prop.path)})",
                    prop.pos,
                )
        if found is None or not found[0]:
            return None
        return found[1], len(found[0])

    def _exists(self, steps, condition: Q) -> Q:
        """``condition`` on the entities at the end of ``steps``, as nested EXISTS."""
        levels = []
        outer: list[str] = []
        for source, nav in steps:
            if nav.to_many:
                levels.append((source, nav, "__".join(outer) or "pk"))
                outer = []
            else:
                outer.append(nav.accessor)
        for source, nav, ref in reversed(levels):
            target = ENTITY_SETS[nav.target]
            queryset = target.model.objects.all()
            if (source.name, nav.name) not in INHERITED:
                queryset = visible(queryset, target, self.user)
            queryset = queryset.filter(condition, **{reverse_lookup(source, nav): OuterRef(ref)})
            condition = Q(Exists(queryset))
        return condition

    # -- property paths --------------------------------------------------------------------

    def _steps(self, prop: Property):
        """``(steps, entity set, rest)``: the navigation steps of ``prop`` after ``skip``
        as ``(source set, Navigation)`` pairs, where they end, and the remaining segments
        with their positions."""
        path = prop.path[self.skip :]
        positions = prop.positions[self.skip :] if prop.positions else (prop.pos,) * len(path)
        current = self.entity_set
        steps = []
        index = 0
        while index < len(path):
            nav = current.nav(path[index])
            if nav is None:
                break
            steps.append((current, nav))
            current = ENTITY_SETS[nav.target]
            index += 1
        return steps, current, tuple(zip(path[index:], positions[index:], strict=True))

    def _property(self, node: Property) -> Val:
        steps, current, rest = self._steps(node)
        text = "/".join(node.path)
        for _, nav in steps:
            if nav.to_many:
                raise self.fail(
                    f"{text} goes through the to-many navigation property {nav.name}, which "
                    "can only be used in $filter",
                    node.pos,
                )
        prefix = "".join(nav.accessor + "__" for _, nav in steps)
        if not rest:
            if not steps:  # the path ends at a to-many navigation property
                raise self.fail(
                    f"{text} is a collection: compare one of its properties, e.g. {text}/id",
                    node.pos,
                )
            return Val(ENTITY, F(prefix.removesuffix("__")), text)
        (name, position), *more = rest
        if name == "id":
            if more:
                raise self.fail("id has no sub-properties", more[0][1])
            return Val(NUMBER, F(prefix + "pk"), text)
        prop = current.property(name)
        if prop is None:
            known = ["id", *(p.name for p in current.properties)]
            known += [n.name for n in current.navigation]
            raise self.fail(
                f"unknown property {name} of a {current.singular}; known are: " + ", ".join(known),
                position,
            )
        keys = tuple(segment for segment, _ in more)
        if prop.kind == "json":
            return Val(JSON, None, text, field=prefix + prop.field, keys=keys)
        if prop.kind == "result":
            if keys:
                guard = Q(Exact(F(prefix + "result_type"), Value(m.ResultType.JSON)))
                return Val(JSON, None, text, guard, field=prefix + "result_json", keys=keys)
            return Val(RESULT, None, text, field=prefix)
        if more:
            raise self.fail(f"{name} has no sub-properties", more[0][1])
        if prop.kind == "time_interval":
            start = F(prefix + prop.start_field)
            return Val(INTERVAL, (start, Coalesce(F(prefix + prop.end_field), start)), text)
        if prop.kind == "time_instant":
            return Val(DATETIME, F(prefix + prop.field), text)
        field = current.model._meta.get_field(prop.field)
        return Val(
            _FIELD_TYPES.get(field.get_internal_type(), STRING), F(prefix + prop.field), text
        )

    def _resolve(self, val: Val, wanted: str, pos: int) -> Val:
        """A JSON or result operand read as ``wanted`` (number, string, boolean, geometry)."""
        if val.type == JSON:
            if wanted in (NUMBER, STRING, BOOLEAN):
                expr = JSONValue(F(val.field), val.keys, wanted)
                return Val(wanted, expr, val.text, val.guard)
            if wanted == GEO:
                expr = JSONValue(F(val.field), val.keys, "json") if val.keys else F(val.field)
                return Val(GEO, expr, val.text, val.guard)
            raise self.fail(
                f"{val.text} is a JSON value; it can be compared with numbers, strings, "
                f"booleans and null, not with {_DESCRIBED[wanted]}",
                pos,
            )
        if val.type == RESULT:
            columns = {
                NUMBER: ("result_number", m.ResultType.NUMBER),
                STRING: ("result_string", m.ResultType.STRING),
                BOOLEAN: ("result_boolean", m.ResultType.BOOLEAN),
            }
            if wanted not in columns:
                raise self.fail(
                    f"{val.text} can be compared with numbers, strings, booleans and null, "
                    f"not with {_DESCRIBED[wanted]}",
                    pos,
                )
            column, result_type = columns[wanted]
            guard = Q(Exact(F(val.field + "result_type"), Value(result_type)))
            return Val(wanted, F(val.field + column), val.text, guard)
        return val

    def _is_null(self, val: Val) -> Q:
        if val.type == RESULT:
            return Q(Exact(F(val.field + "result_type"), Value(m.ResultType.NULL)))
        if val.type == JSON:
            expr = JSONValue(F(val.field), val.keys, "text") if val.keys else F(val.field)
            return _guarded(Q(IsNull(expr, True)), val)
        if val.type == INTERVAL:
            return Q(IsNull(val.expr[0], True))
        return _guarded(Q(IsNull(self._expression(val), True)), val)

    @staticmethod
    def _expression(val: Val):
        if isinstance(val.expr, Q):
            return ExpressionWrapper(val.expr, output_field=BooleanField())
        return val.expr

    # -- operands --------------------------------------------------------------------------

    def value(self, node) -> Val:
        if isinstance(node, Literal):
            return self._literal(node)
        if isinstance(node, Property):
            return self._property(node)
        if isinstance(node, Function):
            return self._function(node)
        if isinstance(node, BoolOp) or (isinstance(node, UnaryOp) and node.op == "not"):
            return Val(BOOLEAN, self.condition(node), to_text(node))
        if isinstance(node, UnaryOp):
            return self._negate(node)
        if node.op in _LOOKUPS or node.op == "ne":
            return Val(BOOLEAN, self._compare(node), to_text(node))
        return self._arithmetic(node)

    def _literal(self, node: Literal) -> Val:
        value, kind, text = node.value, node.kind, to_text(node)
        if kind == "null":
            return Val(NULL, None, text)
        if kind == "bool":
            return Val(BOOLEAN, Value(value, BooleanField()), text)
        if kind == "int":
            return Val(NUMBER, Value(value, IntegerField()), text)
        if kind == "decimal":
            return Val(NUMBER, Value(float(value), FloatField()), text)
        if kind == "string":
            return Val(STRING, Value(value, TextField()), text)
        if kind == "datetime":
            return Val(DATETIME, Value(value, DateTimeField()), text)
        if kind == "date":
            return Val(DATE, Value(value, DateField()), text)
        if kind == "time":
            return Val(TIME, Value(value, TimeField()), text)
        if kind == "duration":
            return Val(DURATION, Value(value, DurationField()), text)
        if value.srid not in (None, 4326):
            raise self.fail(
                f"geometries are compared in WGS 84 (SRID 4326); SRID {value.srid} is not "
                "supported",
                node.pos,
            )
        return Val(GEO, Value(json.dumps(value.geojson()), TextField()), text)

    def _negate(self, node: UnaryOp) -> Val:
        val = self.value(node.operand)
        if val.type in _DEFERRED:
            val = self._resolve(val, NUMBER, node.operand.pos)
        if val.type not in (NUMBER, DURATION):
            raise self.fail(
                f"'-' needs a number or a duration; {val.text} is {_DESCRIBED[val.type]}",
                node.pos,
            )
        expr = CombinedExpression(val.expr, "*", Value(-1, IntegerField()))
        return Val(val.type, expr, to_text(node), val.guard)

    def _pair(self, node: BinaryOp) -> tuple[Val, Val]:
        """Both operands, JSON and result operands typed by the other side."""
        left, right = self.value(node.left), self.value(node.right)
        if left.type in _DEFERRED and right.type in _DEFERRED:
            if node.op in _CONNECTORS or node.op == "mod":
                return (
                    self._resolve(left, NUMBER, node.left.pos),
                    self._resolve(right, NUMBER, node.right.pos),
                )
            raise self.fail(
                f"cannot tell how to compare {left.text} with {right.text}: compare each "
                "with a literal",
                node.pos,
            )
        if left.type in _DEFERRED and right.type != NULL:
            left = self._resolve(left, _scalar(right.type), node.left.pos)
        if right.type in _DEFERRED and left.type != NULL:
            right = self._resolve(right, _scalar(left.type), node.right.pos)
        return left, right

    def _compare(self, node: BinaryOp) -> Q:
        op = node.op
        left, right = self._pair(node)
        if NULL in (left.type, right.type):
            if op not in ("eq", "ne"):
                raise self.fail(
                    f"null can only be compared with eq and ne, not with {op}", node.pos
                )
            if left.type == right.type:
                return _TRUE if op == "eq" else _FALSE
            q = self._is_null(right if left.type == NULL else left)
            return q if op == "eq" else ~q
        for side in (left, right):
            if side.type in (ENTITY, GEO):
                what = (
                    "an entity: compare its id, e.g. " + side.text + "/id"
                    if side.type == ENTITY
                    else "a geometry: use st_equals() or another geospatial function"
                )
                raise self.fail(f"{side.text} is {what}", node.pos)
        if INTERVAL in (left.type, right.type):
            return self._compare_times(op, left, right, node)
        if left.type != right.type:
            raise self.fail(
                f"'{op}' cannot compare {left.text} ({_DESCRIBED[left.type]}) with "
                f"{right.text} ({_DESCRIBED[right.type]})",
                node.pos,
            )
        lhs, rhs = self._expression(left), self._expression(right)
        q = ~Q(Exact(lhs, rhs)) if op == "ne" else Q(_LOOKUPS[op](lhs, rhs))
        return _guarded(q, left, right)

    def _compare_times(self, op: str, left: Val, right: Val, node: BinaryOp) -> Q:
        """Intervals as FROST-Server compares them (its StaTimeIntervalWrapper)."""
        if left.type != INTERVAL:
            left, right, op = right, left, _FLIPPED[op]
        if right.type not in (INTERVAL, DATETIME):
            raise self.fail(
                f"'{node.op}' cannot compare {left.text} (a time interval) with {right.text} "
                f"({_DESCRIBED[right.type]}); compare it with a date-time such as "
                "2026-01-01T00:00:00Z",
                node.pos,
            )
        s1, e1 = left.expr
        if right.type == DATETIME:
            t = right.expr
            conditions = {
                "eq": [Exact(s1, t), Exact(e1, t)],
                "gt": [GreaterThan(s1, t)],
                "ge": [GreaterThanOrEqual(s1, t)],
                "lt": [LessThanOrEqual(e1, t), LessThan(s1, t)],
                "le": [LessThanOrEqual(e1, t)],
            }
            if op == "ne":
                return _guarded(~Q(Exact(s1, t)) & ~Q(Exact(e1, t)), right)
        else:
            s2, e2 = right.expr
            conditions = {
                "eq": [Exact(s1, s2), Exact(e1, e2)],
                "gt": [GreaterThanOrEqual(s1, e2), GreaterThan(s1, s2)],
                "ge": [GreaterThanOrEqual(s1, s2), GreaterThanOrEqual(e1, e2)],
                "lt": [LessThanOrEqual(e1, s2), LessThan(s1, s2)],
                "le": [LessThanOrEqual(s1, s2), LessThanOrEqual(e1, e2)],
            }
            if op == "ne":
                return ~Q(Exact(s1, s2)) & ~Q(Exact(e1, e2))
        return _guarded(reduce(operator.and_, (Q(c) for c in conditions[op])), right)

    def _arithmetic(self, node: BinaryOp) -> Val:
        op = node.op
        left, right = self._pair(node)
        for val, operand in ((left, node.left), (right, node.right)):
            if val.type in _DEFERRED:
                raise self.fail(f"{val.text} needs a number to calculate with", operand.pos)
        text = to_text(node)
        if left.type == INTERVAL and right.type == DURATION and op in ("add", "sub"):
            start, end = (
                CombinedExpression(part, _CONNECTORS[op], right.expr) for part in left.expr
            )
            return Val(INTERVAL, (start, end), text, _and(left.guard, right.guard))
        # Otherwise an interval takes part with its start, as in FROST-Server.
        left, right = _start_of(left), _start_of(right)
        types = (left.type, right.type)
        result = _ARITHMETIC.get(op, {}).get(types)
        if result is None:
            raise self.fail(
                f"'{op}' cannot combine {left.text} ({_DESCRIBED[left.type]}) with "
                f"{right.text} ({_DESCRIBED[right.type]})",
                node.pos,
            )
        lhs, rhs = left.expr, right.expr
        if result == DATE:
            # Django adds durations to date-times only; the sum is cut back to a date below.
            lhs = Cast(lhs, DateTimeField())
        if op == "mod":
            expr = Mod(lhs, NullIf(rhs, Value(0, IntegerField())))
        elif op == "div":
            # Division by zero gives null (no match) rather than a database error.
            expr = CombinedExpression(lhs, "/", NullIf(rhs, Value(0, IntegerField())))
        else:
            expr = CombinedExpression(lhs, _CONNECTORS[op], rhs)
        if result == DURATION and types == (DATETIME, DATETIME):
            expr = ExpressionWrapper(expr, output_field=DurationField())
        elif result == DATE:
            expr = TruncDate(ExpressionWrapper(expr, output_field=DateTimeField()), tzinfo=dt.UTC)
        return Val(result, expr, text, _and(left.guard, right.guard))

    # -- functions -------------------------------------------------------------------------

    def _argument(self, node: Function, index: int, *accepted: str) -> Val:
        arg = node.args[index]
        val = self.value(arg)
        if val.type in _DEFERRED:
            val = self._resolve(val, accepted[0], arg.pos)
        if val.type == INTERVAL and DATETIME in accepted:
            val = _start_of(val)
        if val.type not in accepted:
            names = " or ".join(_DESCRIBED[t] for t in accepted)
            raise self.fail(
                f"argument {index + 1} of {node.name}() must be {names}; {val.text} is "
                f"{_DESCRIBED[val.type]}",
                arg.pos,
            )
        return val

    def _function(self, node: Function) -> Val:
        name, text = node.name, to_text(node)
        if name in _STRING_FUNCTIONS:
            return self._string_function(node)
        if name in ("now", "mindatetime", "maxdatetime"):
            moment = {"now": timezone.now(), "mindatetime": _MIN_DATETIME}.get(name, _MAX_DATETIME)
            return Val(DATETIME, Value(moment, DateTimeField()), text)
        if name in _DATE_PARTS or name in _TIME_PARTS or name == "fractionalseconds":
            other = DATE if name in _DATE_PARTS else TIME
            arg = self._argument(node, 0, DATETIME, other)
            if name == "fractionalseconds":
                return Val(NUMBER, FractionalSeconds(arg.expr), text, arg.guard)
            tz = {"tzinfo": dt.UTC} if arg.type == DATETIME else {}
            return Val(NUMBER, Extract(arg.expr, name, **tz), text, arg.guard)
        if name in ("date", "time", "totaloffsetminutes"):
            arg = self._argument(node, 0, DATETIME)
            if name == "date":
                return Val(DATE, TruncDate(arg.expr, tzinfo=dt.UTC), text, arg.guard)
            if name == "time":
                return Val(TIME, TruncTime(arg.expr, tzinfo=dt.UTC), text, arg.guard)
            return Val(NUMBER, OffsetMinutes(arg.expr), text, arg.guard)
        if name in ("round", "floor", "ceiling"):
            arg = self._argument(node, 0, NUMBER)
            function = {"round": Round, "floor": Floor, "ceiling": Ceil}[name]
            return Val(NUMBER, function(arg.expr), text, arg.guard)
        return self._geo_function(node)

    def _string_function(self, node: Function) -> Val:
        name, text = node.name, to_text(node)
        if name == "substring":
            s = self._argument(node, 0, STRING)
            start = self._argument(node, 1, NUMBER)
            # OData counts from 0, SQL from 1; a negative start or length means 0.
            first = CombinedExpression(
                Greatest(start.expr, Value(0, IntegerField())), "+", Value(1, IntegerField())
            )
            if len(node.args) == 3:
                length = self._argument(node, 2, NUMBER)
                count = Greatest(length.expr, Value(0, IntegerField()))
                return Val(
                    STRING,
                    Substr(s.expr, first, count),
                    text,
                    _and(s.guard, start.guard, length.guard),
                )
            return Val(STRING, Substr(s.expr, first), text, _and(s.guard, start.guard))
        args = [self._argument(node, i, STRING) for i in range(len(node.args))]
        guard = _and(*(a.guard for a in args))
        exprs = [a.expr for a in args]
        if name == "substringof":
            needle, haystack = exprs
            return Val(
                BOOLEAN, _guarded(Q(GreaterThan(StrIndex(haystack, needle), 0)), *args), text
            )
        if name == "startswith":
            s, prefix = exprs
            q = Q(Exact(Substr(s, 1, Length(prefix)), prefix))
            return Val(BOOLEAN, _guarded(q, *args), text)
        if name == "endswith":
            s, suffix = exprs
            start = CombinedExpression(
                CombinedExpression(Length(s), "-", Length(suffix)), "+", Value(1, IntegerField())
            )
            q = Q(Exact(Substr(s, start), suffix))
            return Val(BOOLEAN, _guarded(q, *args), text)
        if name == "length":
            return Val(NUMBER, Length(exprs[0]), text, guard)
        if name == "indexof":
            position = CombinedExpression(StrIndex(*exprs), "-", Value(1, IntegerField()))
            return Val(NUMBER, position, text, guard)
        if name == "concat":
            return Val(STRING, Concat(*exprs, output_field=TextField()), text, guard)
        function = {"tolower": Lower, "toupper": Upper, "trim": Trim}[name]
        return Val(STRING, function(exprs[0]), text, guard)

    def _geo_function(self, node: Function) -> Val:
        name, text = node.name, to_text(node)
        geometries = [
            self._argument(node, i, GEO) for i in range(len(node.args) - (name == "st_relate"))
        ]
        inputs = [GeoInput(g.expr) for g in geometries]
        guard = _and(*(g.guard for g in geometries))
        if name in ("geo.distance", "geo.length"):
            return Val(NUMBER, GeoFunction(name, *inputs), text, guard)
        if name == "st_relate":
            pattern = self._argument(node, 2, STRING)
            inputs.append(Upper(pattern.expr))
            guard = _and(guard, pattern.guard)
        elif name not in PREDICATES:
            raise self.fail(f"{name}() is not supported", node.pos)
        q = Q(Exact(GeoFunction(name, *inputs), Value(True)))
        return Val(BOOLEAN, _and(q, guard), text)

    # -- $orderby --------------------------------------------------------------------------

    def order_terms(self, node) -> list:
        val = self.value(node)
        if val.type == INTERVAL:
            return list(val.expr)
        if val.type == RESULT:
            return [F(val.field + c) for c in ("result_number", "result_string", "result_boolean")]
        if val.type == JSON:
            return [JSONValue(F(val.field), val.keys, kind) for kind in (NUMBER, STRING, BOOLEAN)]
        if val.type in (GEO, ENTITY, NULL):
            raise self.fail(f"cannot order by {val.text} ({_DESCRIBED[val.type]})", node.pos)
        return [self._expression(val)]


# The parser's result types of arithmetic, less date - date, which has no portable SQL.
_ARITHMETIC = {
    op: {types: result for types, result in table.items() if types != (DATE, DATE)}
    for op, table in ARITHMETIC.items()
}


def _scalar(kind: str) -> str:
    """The type a JSON or result operand is read as next to an operand of type ``kind``."""
    return DATETIME if kind == INTERVAL else kind


def _start_of(val: Val) -> Val:
    if val.type != INTERVAL:
        return val
    return dataclasses.replace(val, type=DATETIME, expr=val.expr[0])


def option_fail(options: QueryOptions, option: str) -> Fail:
    """The error maker for problems in ``option`` (``"$filter"``) of ``options``."""
    return lambda message, position=None: options.error(option, message, position)


def translate_filter(entity_set: EntitySet, expr, *, user, fail: Fail | None = None) -> Q:
    """``$filter`` as a ``Q`` on ``entity_set``'s model; navigation through to-many
    properties only reaches entities ``user`` may read."""
    fail = fail or option_fail(QueryOptions(), "$filter")
    return _Translator(entity_set, user, fail).condition(expr)


def translate_orderby(
    entity_set: EntitySet, orderby, *, user=None, fail: Fail | None = None
) -> list:
    """``$orderby`` items as ORM order expressions, nulls first in ascending order (OData
    4.01 Part 1, 11.2.6.2), then ascending ``id`` so that pages never overlap. ``user``
    matters only for boolean keys with to-many paths (``Datastreams/name eq 'x'``)."""
    fail = fail or option_fail(QueryOptions(), "$orderby")
    translator = _Translator(entity_set, user, fail)
    terms = []
    for item in orderby:
        for term in translator.order_terms(item.expr):
            if _never_null(term, entity_set.model):
                # No NULLS FIRST/LAST where no null can be: PostgreSQL's B-tree walks
                # (datastream, time) backwards only for plain DESC, not DESC NULLS LAST.
                terms.append(term.desc() if item.descending else term.asc())
            elif item.descending:
                terms.append(term.desc(nulls_last=True))
            else:
                terms.append(term.asc(nulls_first=True))
    if not orderby or orderby[-1].expr != Property(("id",)):
        terms.append(F("pk").asc())
    return terms


def _never_null(term, model) -> bool:
    """Whether an order term is a column declared NOT NULL on ``model`` (or a COALESCE with
    one), so that where its nulls sort does not matter."""
    if isinstance(term, F):
        if term.name == "pk":
            return True
        try:
            return not model._meta.get_field(term.name).null
        except FieldDoesNotExist:
            return False
    if isinstance(term, Coalesce):
        return any(_never_null(part, model) for part in term.get_source_expressions())
    return False
