"""to_text: canonical text that parses back to the same tree."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from smartcity.sensors.odata import (
    BinaryOp,
    ExpandItem,
    Literal,
    OrderBy,
    Property,
    QueryOptions,
    UnaryOp,
    parse_expand,
    parse_expression,
    parse_filter,
    parse_orderby,
    parse_query_options,
    parse_select,
    to_text,
)

CANONICAL = [
    ("name  eq   'O''Neil'", "name eq 'O''Neil'"),
    ("((a eq 1))", "a eq 1"),
    ("a sub (b sub c) eq 1", "a sub (b sub c) eq 1"),
    ("(a sub b) sub c eq 1", "a sub b sub c eq 1"),
    ("(a add b) mul c eq 1", "(a add b) mul c eq 1"),
    ("not (a eq 1)", "not (a eq 1)"),
    ("not(a)", "not a"),
    ("(a or b) and c", "(a or b) and c"),
    ("(a and b) and c", "(a and b) and c"),
    ("a and b and c", "a and b and c"),
    ("a eq (b eq c)", "a eq (b eq c)"),
    ("- 5 eq x", "-(5) eq x"),
    ("-(a add 1) eq x", "-(a add 1) eq x"),
    ("t eq 2026-11-26T10:00:00+00:00", "t eq 2026-11-26T10:00:00Z"),
    ("t eq 2026-11-26T10:00Z", "t eq 2026-11-26T10:00:00Z"),
    ("t eq 2026-11-26T10:00:00.120-02:30", "t eq 2026-11-26T10:00:00.12-02:30"),
    ("t eq 10:30", "t eq 10:30:00"),
    ("d eq duration'PT24H'", "d eq duration'P1D'"),
    ("d eq PT1H", "d eq duration'PT1H'"),
    ("d eq -P1DT0.5S", "d eq duration'-P1DT0.5S'"),
    ("d eq duration'PT0S'", "d eq duration'PT0S'"),
    ("x eq 1.50", "x eq 1.50"),
    ("x eq 1e3", "x eq 1E+3"),
    ("x eq 99999999999999999999", "x eq 99999999999999999999.0"),
    (
        "st_within(l,geography'Point( 1.0  2.50 )')",
        "st_within(l,geography'POINT(1 2.5)')",
    ),
    (
        "st_within(l,geometry'SRID=4326;MultiPoint(1 2,3 4)')",
        "st_within(l,geometry'SRID=4326;MULTIPOINT((1 2), (3 4))')",
    ),
    ("substring( name , 1 , 2 ) eq 'x'", "substring(name,1,2) eq 'x'"),
    ("geo.distance(a,b) lt 5.5", "geo.distance(a,b) lt 5.5"),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL)
def test_canonical_text(text, canonical):
    tree = parse_filter(text)
    assert to_text(tree) == canonical
    assert parse_filter(canonical) == tree


def test_printing_hand_built_trees():
    assert to_text(BinaryOp("eq", Property(("a", "b")), Literal("null", None))) == "a/b eq null"
    assert to_text(UnaryOp("-", Literal("int", -3))) == "-(-3)"
    assert to_text(UnaryOp("-", UnaryOp("-", Property(("x",))))) == "--x"
    assert to_text(Literal("decimal", Decimal("5"))) == "5.0"
    assert to_text(Literal("date", dt.date(33, 1, 2))) == "0033-01-02"
    assert to_text(Literal("time", dt.time(7, 5, 3, 120))) == "07:05:03.00012"


def test_option_values():
    assert to_text(parse_orderby("a desc, b asc")) == "a desc,b"
    assert to_text(parse_select("id, name,Datastream/name")) == "id,name,Datastream/name"
    text = "Datastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc))"
    assert to_text(parse_expand(text)) == (
        "Datastreams($expand=Observations($orderby=phenomenonTime desc;$top=1);$select=name)"
    )
    assert to_text(ExpandItem(("Things", "Locations"))) == "Things/Locations"
    assert to_text(OrderBy(Property(("x",)), descending=True)) == "x desc"


def test_query_options_text_and_params():
    options = parse_query_options(
        {"$count": "true", "$top": "5", "$skip": "10", "$filter": "a eq 1", "$select": "id"}
    )
    assert options.to_params() == [
        ("$filter", "a eq 1"),
        ("$select", "id"),
        ("$top", "5"),
        ("$skip", "10"),
        ("$count", "true"),
    ]
    assert to_text(options) == "$filter=a eq 1;$select=id;$top=5;$skip=10;$count=true"
    assert QueryOptions().to_params() == []


def test_next_link_style_replacement_keeps_everything_else():
    options = parse_query_options({"$filter": "a eq 1", "$top": "5", "$skip": "10"})
    following = dataclasses.replace(options, skip=15)
    assert dict(following.to_params())["$skip"] == "15"
    assert parse_query_options(dict(following.to_params())) == following


def test_expression_roundtrip_examples():
    for text in [
        "result gt 5 and (phenomenonTime lt now() sub duration'P1D' or not substringof('x',name))",
        "round(result mul 1.5) mod 2 eq 1",
        "st_relate(location,geography'LINESTRING(0 0, 1 1)','T********')",
        "concat(concat(name,', '),description) eq 'a, b'",
        "Datastream/Thing/properties/owner eq null",
    ]:
        tree = parse_expression(text)
        assert parse_expression(to_text(tree)) == tree
        assert to_text(tree) == text
