"""Property tests: random well-typed trees survive to_text -> parse unchanged, and random
text never makes the parser fail with anything but QueryError."""

import datetime as dt
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcity.sensors.odata import (
    OPTIONS,
    BinaryOp,
    BoolOp,
    ExpandItem,
    Function,
    Geometry,
    Literal,
    OrderBy,
    Property,
    QueryError,
    QueryOptions,
    UnaryOp,
    parse_expression,
    parse_filter,
    parse_option,
    parse_query_options,
    to_text,
)

# Names that are neither keywords nor bare durations, including non-ASCII letters.
NAMES = st.sampled_from(
    [
        "name",
        "description",
        "result",
        "phenomenonTime",
        "resultTime",
        "id",
        "properties",
        "owner",
        "Datastream",
        "Thing",
        "location",
        "_private",
        "x1",
        "Straße",
        "Ørsted",
        "nameEq",
    ]
)
PROPERTIES = st.lists(NAMES, min_size=1, max_size=3).map(lambda p: Property(tuple(p)))

COORDINATE = st.floats(allow_nan=False, allow_infinity=False, width=64)
POSITION = st.tuples(COORDINATE, COORDINATE)


def _ring(points):
    return (*points, points[0])


POINT = POSITION.map(lambda p: Geometry("Point", p))
LINE = st.lists(POSITION, min_size=2, max_size=4).map(lambda ps: Geometry("LineString", tuple(ps)))
POLYGON = st.lists(
    st.lists(POSITION, min_size=3, max_size=4).map(_ring), min_size=1, max_size=2
).map(lambda rings: Geometry("Polygon", tuple(rings)))
MULTIPOINT = st.lists(POSITION, min_size=1, max_size=3).map(
    lambda ps: Geometry("MultiPoint", tuple(ps))
)
SIMPLE_GEOMETRY = st.one_of(POINT, LINE, POLYGON, MULTIPOINT)
COLLECTION = st.lists(SIMPLE_GEOMETRY, min_size=1, max_size=3).map(
    lambda gs: Geometry("GeometryCollection", tuple(gs))
)
GEOMETRY = st.builds(
    lambda g, srid: Geometry(g.type, g.coordinates, srid),
    st.one_of(SIMPLE_GEOMETRY, COLLECTION),
    st.one_of(st.none(), st.integers(0, 99999)),
)

OFFSETS = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)


def _representable_in_utc(value):
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        return False
    return True


LITERALS = {
    "boolean": st.booleans().map(lambda v: Literal("bool", v)),
    "number": st.one_of(
        st.integers(-(2**63), 2**63 - 1).map(lambda v: Literal("int", v)),
        st.decimals(allow_nan=False, allow_infinity=False)
        .filter(lambda v: not v or -324 <= v.adjusted() <= 308)
        .map(lambda v: Literal("decimal", v)),
    ),
    "string": st.text().map(lambda v: Literal("string", v)),
    "datetime": st.datetimes(timezones=OFFSETS)
    .filter(_representable_in_utc)
    .map(lambda v: Literal("datetime", v)),
    "date": st.dates().map(lambda v: Literal("date", v)),
    "time": st.times().map(lambda v: Literal("time", v)),
    "duration": st.timedeltas().map(lambda v: Literal("duration", v)),
    "geometry": st.one_of(
        GEOMETRY.map(lambda g: Literal("geography", g)),
        GEOMETRY.map(lambda g: Literal("geometry", g)),
    ),
}
COMPARABLE = ("number", "string", "datetime", "date", "time", "duration", "boolean")


@cache
def expressions(kind, depth):
    """Well-typed expressions of static type ``kind``, at most ``depth`` levels deep."""
    leaves = st.one_of(LITERALS[kind], PROPERTIES, st.just(Literal("null", None)))
    if kind == "datetime":
        leaves = st.one_of(leaves, st.sampled_from([Function(n) for n in ("now", "mindatetime")]))
    if depth == 0 or kind == "geometry":
        return leaves

    def sub(k):
        return expressions(k, depth - 1)

    def fn(name, *kinds):
        return st.tuples(*(sub(k) for k in kinds)).map(lambda args: Function(name, args))

    compound = {
        "boolean": st.one_of(
            st.sampled_from(COMPARABLE).flatmap(
                lambda k: st.builds(
                    BinaryOp, st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]), sub(k), sub(k)
                )
            ),
            st.builds(
                BoolOp,
                st.sampled_from(["and", "or"]),
                st.lists(sub("boolean"), min_size=2, max_size=3),
            ),
            sub("boolean").map(lambda e: UnaryOp("not", e)),
            fn("startswith", "string", "string"),
            fn("substringof", "string", "string"),
            fn("st_within", "geometry", "geometry"),
            st.builds(
                lambda a, b, pattern: Function("st_relate", (a, b, pattern)),
                sub("geometry"),
                sub("geometry"),
                st.one_of(
                    PROPERTIES,
                    st.text("TF*012", min_size=9, max_size=9).map(lambda p: Literal("string", p)),
                ),
            ),
            fn("geo.intersects", "geometry", "geometry"),
        ),
        "number": st.one_of(
            st.builds(
                BinaryOp,
                st.sampled_from(["add", "sub", "mul", "div", "mod"]),
                sub("number"),
                sub("number"),
            ),
            sub("number").map(lambda e: UnaryOp("-", e)),
            fn("length", "string"),
            fn("indexof", "string", "string"),
            fn("round", "number"),
            fn("year", "datetime"),
            fn("fractionalseconds", "time"),
            fn("geo.distance", "geometry", "geometry"),
        ),
        "string": st.one_of(
            fn("concat", "string", "string"),
            fn("substring", "string", "number"),
            st.builds(
                lambda text, start, length: Function("substring", (text, start, length)),
                sub("string"),
                sub("number"),
                st.one_of(PROPERTIES, st.integers(0, 2**63 - 1).map(lambda n: Literal("int", n))),
            ),
            fn("tolower", "string"),
        ),
        "datetime": st.one_of(
            st.builds(BinaryOp, st.sampled_from(["add", "sub"]), sub("datetime"), sub("duration")),
        ),
        "date": st.one_of(fn("date", "datetime")),
        "time": st.one_of(fn("time", "datetime")),
        "duration": st.one_of(
            st.builds(BinaryOp, st.just("sub"), sub("datetime"), sub("datetime")),
            st.builds(BinaryOp, st.just("mul"), sub("duration"), sub("number")),
            sub("duration").map(lambda e: UnaryOp("-", e)),
        ),
    }[kind]
    return st.one_of(leaves, compound)


FILTERS = expressions("boolean", 3)
ANY_EXPRESSION = st.sampled_from(sorted(LITERALS)).flatmap(lambda k: expressions(k, 2))

SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(FILTERS)
def test_random_filters_survive_printing_and_parsing(tree):
    assert parse_filter(to_text(tree)) == tree


@SLOW
@given(ANY_EXPRESSION)
def test_random_expressions_of_every_type_survive_printing_and_parsing(tree):
    assert parse_expression(to_text(tree)) == tree


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(LITERALS)).flatmap(lambda k: LITERALS[k]))
def test_every_literal_survives_printing_and_parsing(literal):
    assert parse_expression(to_text(literal)) == literal


@cache
def options(depth):
    """Random QueryOptions; ``depth`` is the navigation budget left for $expand."""
    expand = st.just(())
    if depth > 0:
        items = st.integers(1, min(2, depth)).flatmap(
            lambda length: st.builds(
                ExpandItem,
                st.lists(NAMES, min_size=length, max_size=length).map(tuple),
                options(depth - length) if depth - length >= 0 else st.just(QueryOptions()),
            )
        )
        expand = st.lists(items, max_size=2, unique_by=lambda item: item.path).map(tuple)
    return st.builds(
        QueryOptions,
        filter=st.one_of(st.none(), expressions("boolean", 1)),
        select=st.lists(PROPERTIES, max_size=3).map(tuple),
        expand=expand,
        orderby=st.lists(
            st.builds(OrderBy, st.one_of(PROPERTIES, expressions("number", 1)), st.booleans()),
            max_size=2,
        ).map(tuple),
        top=st.one_of(st.none(), st.integers(0, 2**63 - 1)),
        skip=st.one_of(st.none(), st.integers(0, 2**63 - 1)),
        count=st.one_of(st.none(), st.booleans()),
    )


TOP_LEVEL = st.builds(
    lambda o, fmt: QueryOptions(
        filter=o.filter,
        select=o.select,
        expand=o.expand,
        orderby=o.orderby,
        top=o.top,
        skip=o.skip,
        count=o.count,
        result_format=fmt,
    ),
    options(5),
    st.one_of(st.none(), st.just("dataArray")),
)


@SLOW
@given(TOP_LEVEL)
def test_random_query_options_survive_printing_and_parsing(query):
    assert parse_query_options(dict(query.to_params())) == query


# Fragments that steer random text into the parser's corners.
FRAGMENTS = st.sampled_from(
    [
        "name", "eq", "and", "or", "not", "(", ")", ",", ";", "/", "'x'", "'", "''", "1", "-",
        "+", "1.5e3", "1e400", "9" * 20, "2026-11-26T10:00:00Z", "2026-11-26", "10:00", "P1D",
        "-P", "PT", "duration'", "geography'POINT(1 2)'", "geography'", "POLYGON((", "SRID=1;",
        "$top=", "$filter=", "$expand=", "Datastreams(", "length(", "substring(", "st_relate(",
        "geo.distance(", "now()", "true", "null", " ", "asc", "desc", "@", "*", "=", "T", "Z",
        ".", "e", ":", "¹", "٣",
    ]
)  # fmt: skip
GARBAGE = st.one_of(
    st.text(max_size=60),
    st.lists(FRAGMENTS, max_size=25).map("".join),
    st.lists(FRAGMENTS, max_size=25).map(" ".join),
)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(OPTIONS), GARBAGE)
def test_any_text_gives_a_value_or_a_query_error_never_a_crash(name, text):
    try:
        value = parse_option(name, text)
    except QueryError as error:
        assert error.option == name
        assert error.position is None or 0 <= error.position <= len(text)
        assert str(error).startswith(f"{name}: ")
        return
    if name in ("$filter", "$orderby", "$select", "$expand"):
        assert parse_option(name, to_text(value)) == value
