"""Every literal type of the query language, read from $filter text."""

import datetime as dt
from decimal import Decimal

import pytest

from smartcity.sensors.odata import (
    Geometry,
    Literal,
    QueryError,
    parse_expression,
    parse_filter,
    parse_orderby,
)


def literal(text):
    """The literal on the right of ``x eq <text>``."""
    expr = parse_filter(f"x eq {text}")
    assert isinstance(expr.right, Literal)
    return expr.right


def geo(text):
    """The geometry literal ``text``; geometries can only be compared with null."""
    expr = parse_expression(text)
    assert isinstance(expr, Literal)
    return expr


def error(text):
    with pytest.raises(QueryError) as caught:
        parse_filter(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'abc'", "abc"),
        ("''", ""),
        ("'O''Neil'", "O'Neil"),
        ("''''", "'"),
        ("'it''s a ''quote'''", "it's a 'quote'"),
        ("'Straße – Ü'", "Straße – Ü"),
        ("'a eq b and (c)'", "a eq b and (c)"),
    ],
)
def test_string_literals_unescape_doubled_quotes(text, value):
    assert literal(text) == Literal("string", value)


def test_unterminated_string_points_at_its_opening_quote():
    err = error("name eq 'abc")
    assert err.position == 8
    assert "unterminated string" in err.message


def test_single_quote_inside_a_string_must_be_doubled():
    err = error("name eq 'O'Neil'")
    assert err.message == (
        "unexpected 'N' right after a string: separate it with a space, or write a quote "
        "inside a string as two quotes ''"
    )
    assert err.position == 11


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("0", "int", 0),
        ("42", "int", 42),
        ("-42", "int", -42),
        ("9223372036854775807", "int", 2**63 - 1),
        ("-9223372036854775808", "int", -(2**63)),
        ("9223372036854775808", "decimal", Decimal(2**63)),
        ("1.5", "decimal", Decimal("1.5")),
        ("-0.25", "decimal", Decimal("-0.25")),
        ("1e3", "decimal", Decimal("1000")),
        ("2.5E-3", "decimal", Decimal("0.0025")),
        ("6.02e+23", "decimal", Decimal("6.02e23")),
    ],
)
def test_number_literals(text, kind, value):
    assert literal(text) == Literal(kind, value)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("x eq 1.", "expected digits after the decimal point", 7),
        ("x eq 1e", "expected digits in the exponent", 7),
        ("x eq 12abc", "unexpected 'a' after the number", 7),
        ("x eq 1.2.3", "unexpected '.' after the number", 8),
    ],
)
def test_malformed_numbers(text, message, position):
    err = error(text)
    assert err.message == message
    assert err.position == position


def test_booleans_and_null_are_lower_case_keywords():
    assert literal("true") == Literal("bool", True)
    assert literal("false") == Literal("bool", False)
    assert literal("null") == Literal("null", None)
    err = error("x eq True")
    assert (
        err.message
        == "expected an operand after 'eq', found 'True' (keywords are lower case: write true)"
    )


UTC = dt.UTC
PLUS_ONE = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026-11-26T10:00:00Z", dt.datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
        ("2026-11-26T10:00Z", dt.datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
        (
            "2026-11-26T10:00:00.123+01:00",
            dt.datetime(2026, 11, 26, 10, 0, 0, 123000, tzinfo=PLUS_ONE),
        ),
        (
            "2026-11-26T10:00:00.5-05:30",
            dt.datetime(
                2026, 11, 26, 10, 0, 0, 500000, tzinfo=dt.timezone(-dt.timedelta(hours=5.5))
            ),
        ),
        # Digits beyond microseconds are cut, as the database would.
        ("2026-11-26T10:00:00.1234567Z", dt.datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_datetime_literals(text, value):
    parsed = literal(text)
    assert parsed.kind == "datetime"
    assert parsed.value == value
    assert parsed.value.utcoffset() == value.utcoffset()


def test_datetime_keeps_its_offset():
    assert literal("2026-11-26T10:00:00+01:00").value.utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        (
            "x eq 2026-11-26T10:00:00",
            "a date-time needs a time zone: add Z or an offset such as +01:00",
            24,
        ),
        (
            "x eq 2026-11-26T10:00:00 01:00",
            "a '+' in a URL is read as a space: encode the time zone offset's '+' as %2B",
            24,
        ),
        ("x eq 2026-13-01", "invalid date: month must be in 1..12", 5),
        ("x eq 2026-02-30", "invalid date: day is out of range for month", 5),
        ("x eq 2026-11-26T25:00:00Z", "invalid date-time: hour must be in 0..23", 16),
        ("x eq 26-11-2026", "a date needs a four-digit year (YYYY-MM-DD)", 5),
        ("x eq 2026-1-26", "expected a two-digit month (YYYY-MM-DD)", 10),
        (
            "x eq 2026-11-26T10:00:00+1:00",
            "expected a two-digit hour in the time zone offset (+hh:mm)",
            25,
        ),
        ("x eq 2026-11-26T10:00:00+24:00", "the time zone offset is out of range", 24),
    ],
)
def test_malformed_datetimes(text, message, position):
    err = error(text)
    assert err.message == message
    assert err.position == position


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x eq 1e400", "the number is out of range (beyond the magnitude of a 64-bit float)"),
        ("x eq -1e-400", "the number is out of range (beyond the magnitude of a 64-bit float)"),
        (
            "x eq " + "9" * 400,
            "the number is out of range (beyond the magnitude of a 64-bit float)",
        ),
        ("x eq -P999999999DT1S", "the duration is out of range"),
        ("x eq duration'P9999999999D'", "the duration is out of range"),
        ("x eq 9999-12-31T23:59:59-01:00", "the date-time is out of range in UTC"),
        ("x eq 0000-01-01", "invalid date: year 0 is out of range"),
        ("x eq 2026-11-26T10:00:00.1234567890123Z", "at most 12 digits of fractional seconds"),
    ],
)
def test_out_of_range_values(text, message):
    assert error(text).message == message


def test_date_and_time_of_day_literals():
    assert literal("2026-11-26") == Literal("date", dt.date(2026, 11, 26))
    assert literal("10:30") == Literal("time", dt.time(10, 30))
    assert literal("10:30:15.25") == Literal("time", dt.time(10, 30, 15, 250000))
    assert error("x eq 10:61").message == "invalid time of day: minute must be in 0..59"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("duration'P1DT2H'", dt.timedelta(days=1, hours=2)),
        ("duration'PT30M'", dt.timedelta(minutes=30)),
        ("duration'PT0.5S'", dt.timedelta(seconds=0.5)),
        ("duration'P2D'", dt.timedelta(days=2)),
        ("duration'-PT1H'", dt.timedelta(hours=-1)),
        (
            "duration'P1DT2H3M4.000005S'",
            dt.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=5),
        ),
        # Bare ISO 8601 durations, with or without a sign.
        ("P1D", dt.timedelta(days=1)),
        ("PT15M", dt.timedelta(minutes=15)),
        ("-PT1H30M", dt.timedelta(hours=-1, minutes=-30)),
    ],
)
def test_duration_literals(text, value):
    assert literal(text) == Literal("duration", value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("duration'P1Y'", "durations cannot count years"),
        ("duration'P2M'", "durations cannot count months"),
        ("P3W", "durations cannot count weeks"),
        ("duration'P'", "a duration needs at least one part, e.g. P1D or PT1H"),
        ("duration'P1DT'", "'T' must be followed by hours, minutes or seconds"),
        ("duration'PT1H2H'", "duration parts must appear once each, in the order D, T, H, M, S"),
        ("duration'PT1.5H'", "only seconds may have a fractional part in a duration"),
        ("duration'1D'", "a duration starts with 'P', e.g. P1DT2H or PT30M"),
        ("Duration'P1D'", "literal prefixes are lower case: write duration'...'"),
        ("datetime'2026-01-01T00:00:00'", "datetime'...' is not OData 4 syntax"),
        ("foo'bar'", "unknown literal type 'foo'"),
    ],
)
def test_malformed_durations_and_prefixes(text, message):
    assert message in error(f"x eq {text}").message


def test_bare_durations_end_at_punctuation():
    first, second = parse_orderby("PT1H,name")
    assert first.expr == Literal("duration", dt.timedelta(hours=1))
    assert second.expr.path == ("name",)
    assert parse_filter("(d eq PT1.5S)").right == Literal("duration", dt.timedelta(seconds=1.5))


def test_geography_point():
    assert geo("geography'POINT(13.74 51.05)'") == Literal(
        "geography", Geometry("Point", (13.74, 51.05))
    )


def test_geometry_literal_with_srid_and_lower_case_type_name():
    value = geo("geometry'SRID=4326;Point(13.74 51.05)'").value
    assert value == Geometry("Point", (13.74, 51.05), 4326)
    assert value.ewkt == "SRID=4326;POINT(13.74 51.05)"


@pytest.mark.parametrize(
    ("wkt", "kind", "coordinates"),
    [
        ("LINESTRING(13.7 51.0, 13.8 51.1)", "LineString", ((13.7, 51.0), (13.8, 51.1))),
        (
            "POLYGON((0 0, 1 0, 1 1, 0 0), (0.1 0.1, 0.2 0.1, 0.2 0.2, 0.1 0.1))",
            "Polygon",
            (
                ((0, 0), (1, 0), (1, 1), (0, 0)),
                ((0.1, 0.1), (0.2, 0.1), (0.2, 0.2), (0.1, 0.1)),
            ),
        ),
        ("MULTIPOINT((1 2), (3 4))", "MultiPoint", ((1, 2), (3, 4))),
        ("MULTIPOINT(1 2, 3 4)", "MultiPoint", ((1, 2), (3, 4))),
        (
            "MULTILINESTRING((0 0, 1 1), (2 2, 3 3))",
            "MultiLineString",
            (((0, 0), (1, 1)), ((2, 2), (3, 3))),
        ),
        (
            "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
            "MultiPolygon",
            ((((0, 0), (1, 0), (1, 1), (0, 0)),), (((5, 5), (6, 5), (6, 6), (5, 5)),)),
        ),
        ("POINT(13.74 51.05 112.5)", "Point", (13.74, 51.05, 112.5)),
        ("POINT(-1.5e-3 +2)", "Point", (-0.0015, 2.0)),
    ],
)
def test_wkt_geometries(wkt, kind, coordinates):
    value = geo(f"geography'{wkt}'").value
    assert value == Geometry(kind, coordinates)


def test_geometry_collection_and_geojson():
    value = geo("geometry'GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))'").value
    assert value.type == "GeometryCollection"
    assert value.geojson() == {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Point", "coordinates": [1.0, 2.0]},
            {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]},
        ],
    }
    assert value.wkt == "GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))"


@pytest.mark.parametrize(
    ("wkt", "message", "offset"),
    [
        (
            "POLYGON((0 0, 1 0, 1 1, 0 1))",
            "a polygon ring must end at the position where it starts",
            8,
        ),
        ("POLYGON((0 0, 1 0, 0 0))", "a polygon ring needs at least 4 positions, found 3", 8),
        ("LINESTRING(0 0)", "a line string needs at least 2 positions, found 1", 10),
        ("POINT(1)", "expected a coordinate, found ')'", 7),
        ("POINT(1 2 3 4)", "a position has 2 or 3 coordinates, found 4", 6),
        ("CIRCLE(1 2)", "expected a geometry type", 0),
        ("POINT EMPTY", "empty geometries are not supported", 6),
        ("POINT(1 2) x", "unexpected 'x' after the geometry", 11),
        ("SRID=;POINT(1 2)", "expected the SRID number after 'SRID='", 5),
        ("POINT(1 2", "expected ')' after the point's position", 9),
        ("MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0))", "expected ',' or ')' after a polygon", 35),
        (
            "GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(1 2)))",
            "a GEOMETRYCOLLECTION cannot contain another one",
            19,
        ),
        ("POINT(1e999 2)", "coordinate out of range", 6),
        ("SRID=123456;POINT(1 2)", "an SRID has at most 5 digits", 5),
    ],
)
def test_malformed_geometries_point_into_the_literal(wkt, message, offset):
    text = f"st_within(x, geography'{wkt}')"
    err = error(text)
    assert message in err.message
    assert err.position == len("st_within(x, geography'") + offset


def test_geometries_compare_only_with_null():
    assert error("location eq geography'POINT(1 2)'").message == (
        "geometries cannot be compared with 'eq' (only with null); use st_equals() or another "
        "geospatial function"
    )
    assert parse_filter("geography'POINT(1 2)' ne null").op == "ne"


def test_literals_standing_alone_in_expressions():
    assert parse_expression("'abc'") == Literal("string", "abc")
    assert parse_expression("-1.5") == Literal("decimal", Decimal("-1.5"))
