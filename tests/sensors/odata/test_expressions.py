"""Operators, precedence, associativity, property paths and the built-in functions."""

import pytest

from smartcity.sensors.odata import (
    BinaryOp,
    BoolOp,
    Function,
    Literal,
    Property,
    QueryError,
    UnaryOp,
    parse_expression,
    parse_filter,
    static_type,
    to_text,
)
from smartcity.sensors.odata.functions import FUNCTIONS


def P(*path):
    return Property(path)


def N(value):
    return Literal("int", value)


def S(value):
    return Literal("string", value)


def error(text, parse=parse_filter):
    with pytest.raises(QueryError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize("op", ["eq", "ne", "gt", "ge", "lt", "le"])
def test_comparison_operators(op):
    assert parse_filter(f"result {op} 5") == BinaryOp(op, P("result"), N(5))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "mod"])
def test_arithmetic_operators(op):
    assert parse_filter(f"result {op} 2 gt 1") == BinaryOp(
        "gt", BinaryOp(op, P("result"), N(2)), N(1)
    )


@pytest.mark.parametrize("op", ["and", "or"])
def test_logical_operators(op):
    assert parse_filter(f"a eq 1 {op} b eq 2") == BoolOp(
        op, (BinaryOp("eq", P("a"), N(1)), BinaryOp("eq", P("b"), N(2)))
    )


def test_not_and_unary_minus():
    assert parse_filter("not endswith(name,'x')") == UnaryOp(
        "not", Function("endswith", (P("name"), S("x")))
    )
    assert parse_filter("-result lt 0") == BinaryOp("lt", UnaryOp("-", P("result")), N(0))
    assert parse_filter("not(a)") == UnaryOp("not", P("a"))


def test_minus_before_a_number_is_part_of_the_literal_and_a_spaced_minus_negates():
    assert parse_expression("-5") == N(-5)
    assert parse_expression("- 5") == UnaryOp("-", N(5))
    assert parse_expression("-(5)") == UnaryOp("-", N(5))
    assert parse_expression("--5") == UnaryOp("-", N(-5))
    assert parse_expression("x sub -5") == BinaryOp("sub", P("x"), N(-5))


# Each row: text, and the same expression fully parenthesised the way OData groups it.
PRECEDENCE_CASES = [
    ("a add b mul c eq 1", "(a add (b mul c)) eq 1"),
    ("a mul b add c eq 1", "((a mul b) add c) eq 1"),
    ("a div b mod c eq 1", "((a div b) mod c) eq 1"),
    ("a sub b sub c eq 1", "((a sub b) sub c) eq 1"),
    ("a sub b add c eq 1", "((a sub b) add c) eq 1"),
    ("-a mul b eq 1", "((-a) mul b) eq 1"),
    ("a eq 1 and b eq 2 or c eq 3", "((a eq 1) and (b eq 2)) or (c eq 3)"),
    ("a eq 1 or b eq 2 and c eq 3", "(a eq 1) or ((b eq 2) and (c eq 3))"),
    ("not a and b", "(not a) and b"),
    ("not a or b", "(not a) or b"),
    ("a add 1 gt b sub 2", "(a add 1) gt (b sub 2)"),
    ("a lt b eq true", "(a lt b) eq true"),
    ("a eq b lt c", "a eq (b lt c)"),
    ("a eq true eq false", "(a eq true) eq false"),
    ("a gt 1 and b", "(a gt 1) and b"),
    ("(a or b) and c", "(a or b) and c"),
]


@pytest.mark.parametrize(("text", "grouped"), PRECEDENCE_CASES)
def test_precedence_and_left_associativity(text, grouped):
    assert parse_filter(text) == parse_filter(grouped)


def test_precedence_shapes():
    assert parse_filter("a add b mul c eq 1") == BinaryOp(
        "eq", BinaryOp("add", P("a"), BinaryOp("mul", P("b"), P("c"))), N(1)
    )
    assert parse_filter("a sub b sub c eq 1").left == BinaryOp(
        "sub", BinaryOp("sub", P("a"), P("b")), P("c")
    )


def test_unparenthesised_and_or_chains_are_one_node_and_parentheses_nest():
    a, b, c = P("a"), P("b"), P("c")
    assert parse_filter("a and b and c") == BoolOp("and", (a, b, c))
    assert parse_filter("(a and b) and c") == BoolOp("and", (BoolOp("and", (a, b)), c))
    assert parse_filter("a and (b and c)") == BoolOp("and", (a, BoolOp("and", (b, c))))
    assert parse_filter("a or b and c or d") == BoolOp("or", (a, BoolOp("and", (b, c)), P("d")))


def test_not_binds_more_tightly_than_comparisons_as_in_odata():
    assert parse_filter("not (name eq 'x')") == UnaryOp("not", BinaryOp("eq", P("name"), S("x")))
    err = error("not name eq 'x'")
    assert err.message == (
        "'eq' cannot compare a boolean with a string ('not' binds more tightly than 'eq': "
        "write not (a eq b))"
    )


def test_property_paths():
    assert parse_filter("Datastream/Thing/name eq 'x'").left == P("Datastream", "Thing", "name")
    assert parse_filter("properties/owner/email eq 'a@b.de'").left == P(
        "properties", "owner", "email"
    )
    assert parse_filter("id eq 5").left == P("id")
    assert parse_filter("result gt 1").left == P("result")
    assert parse_filter("phenomenonTime gt now()").left == P("phenomenonTime")


def test_property_paths_keep_segment_positions():
    left = parse_filter("Datastream/Thing/name eq 'x'").left
    assert left.positions == (0, 11, 17)
    assert left.pos == 0


def test_property_names_are_case_sensitive():
    assert parse_filter("Name eq 'x'").left == P("Name")
    assert parse_filter("Name eq 'x'") != parse_filter("name eq 'x'")


def test_keywords_and_function_names_are_case_sensitive():
    assert error("a eq 1 AND b eq 2").message == (
        "expected an operator or the end of $filter, found 'AND' (keywords are lower case: "
        "write and)"
    )
    assert error("Startswith(name,'a')").message == (
        "unknown function Startswith(): function names are lower case, write startswith()"
    )


# name -> (arguments, static result type)
FUNCTION_CASES = {
    "substringof": ("'x',name", "boolean"),
    "endswith": ("name,'x'", "boolean"),
    "startswith": ("name,'x'", "boolean"),
    "length": ("name", "number"),
    "indexof": ("name,'x'", "number"),
    "substring": ("name,1", "string"),
    "tolower": ("name", "string"),
    "toupper": ("name", "string"),
    "trim": ("name", "string"),
    "concat": ("name,'x'", "string"),
    "year": ("phenomenonTime", "number"),
    "month": ("phenomenonTime", "number"),
    "day": ("2026-11-26", "number"),
    "hour": ("phenomenonTime", "number"),
    "minute": ("10:30:00", "number"),
    "second": ("phenomenonTime", "number"),
    "fractionalseconds": ("phenomenonTime", "number"),
    "date": ("phenomenonTime", "date"),
    "time": ("phenomenonTime", "time"),
    "totaloffsetminutes": ("phenomenonTime", "number"),
    "now": ("", "datetime"),
    "mindatetime": ("", "datetime"),
    "maxdatetime": ("", "datetime"),
    "round": ("result", "number"),
    "floor": ("result", "number"),
    "ceiling": ("1.5", "number"),
    "geo.distance": ("location,geography'POINT(13.74 51.05)'", "number"),
    "geo.length": ("geography'LINESTRING(0 0, 1 1)'", "number"),
    "geo.intersects": ("location,geography'POINT(13.74 51.05)'", "boolean"),
    "st_equals": ("location,geography'POINT(1 2)'", "boolean"),
    "st_disjoint": ("location,geography'POINT(1 2)'", "boolean"),
    "st_touches": ("location,geography'POINT(1 2)'", "boolean"),
    "st_within": ("location,geography'POLYGON((0 0, 1 0, 1 1, 0 0))'", "boolean"),
    "st_overlaps": ("location,geography'POINT(1 2)'", "boolean"),
    "st_crosses": ("location,geography'POINT(1 2)'", "boolean"),
    "st_intersects": ("location,geography'POINT(1 2)'", "boolean"),
    "st_contains": ("location,geography'POINT(1 2)'", "boolean"),
    "st_relate": ("location,geography'POINT(1 2)','T********'", "boolean"),
}


def test_every_sensorthings_function_is_covered():
    assert set(FUNCTION_CASES) == set(FUNCTIONS)


@pytest.mark.parametrize(("name", "case"), FUNCTION_CASES.items())
def test_functions(name, case):
    args, result_type = case
    node = parse_expression(f"{name}({args})")
    assert isinstance(node, Function)
    assert node.name == name
    assert to_text(node) == f"{name}({args})"
    assert static_type(node) == result_type


def test_function_arguments():
    assert parse_expression("substring(name,1,2)") == Function("substring", (P("name"), N(1), N(2)))
    assert parse_expression("st_relate(a,b,'T********')") == Function(
        "st_relate", (P("a"), P("b"), S("T********"))
    )
    assert parse_expression("now()") == Function("now")
    assert parse_expression("concat( name , 'x' )") == Function("concat", (P("name"), S("x")))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("substring(name)", "substring() takes 2 or 3 arguments, found 1"),
        ("substring(name,1,2,3)", "substring() takes 2 or 3 arguments, found 4"),
        ("st_relate(a,b)", "st_relate() takes 3 arguments, found 2"),
        ("now(1)", "now() takes no arguments, found 1"),
        ("length()", "length() takes 1 argument, found 0"),
        ("geo.distance(a)", "geo.distance() takes 2 arguments, found 1"),
    ],
)
def test_function_arity_is_checked_while_parsing(text, message):
    err = error(text, parse_expression)
    assert err.message == message
    assert err.position == 0


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        (
            "contains(name,'x')",
            "contains() is not supported: SensorThings 1.1 has "
            "substringof(needle, haystack) instead of contains",
            0,
        ),
        ("foo(name)", "unknown function foo(); see the SensorThings 1.1 built-in functions", 0),
        (
            "geo.area(a) gt 1",
            "geo.area() is not supported: SensorThings 1.1 has no geo.area function",
            0,
        ),
        (
            "Datastreams/any(d:d/name eq 'x')",
            "'(' cannot follow a property path: key "
            "predicates, lambda operators (any, all) and bound functions are not supported",
            15,
        ),
        (
            "Datastream.name eq 'x'",
            "'Datastream.name' is not a property name: paths separate "
            "names with '/', and a function call needs parentheses",
            0,
        ),
        ("Datastream/ eq 'x'", "a path has no spaces around '/'", 10),
        ("Datastream/'x' eq 'x'", "expected a property name after '/', found the string 'x'", 11),
    ],
)
def test_unknown_functions_and_bad_paths(text, message, position):
    err = error(text)
    assert err.message == message
    assert err.position == position


def test_constant_arguments_that_can_never_be_valid():
    err = error("st_relate(location,geography'POINT(1 2)','T*F')")
    assert err.message == (
        "the third argument of st_relate() must be a DE-9IM pattern: 9 characters out of T, F, "
        "*, 0, 1, 2, e.g. 'T*F**F***'"
    )
    assert err.position == 41
    assert error("substring(name,1,-2) eq 'x'").message == (
        "the length given to substring() cannot be negative"
    )
    assert parse_filter("st_relate(location,geography'POINT(1 2)','t*f**f012')")
    assert parse_filter("substring(name,-1,2) eq 'x'")


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("length(name) eq 'x'", "'eq' cannot compare a number with a string", 13),
        ("year('x') eq 1", "argument 1 of year() must be a date or a date-time, found a string", 5),
        (
            "a add 'x' eq 1",
            "the right operand of 'add' must be a duration or a number, found a string",
            6,
        ),
        ("now() sub 2026-01-01 eq 5", "'sub' cannot combine a date-time with a date", 6),
        ("not 5", "the operand of 'not' must be a boolean expression, found a number", 4),
        ("-'x' eq 1", "the operand of '-' must be a number or a duration, found a string", 1),
        ("a and 'x'", "the operands of 'and' must be boolean expressions, found a string", 6),
        (
            "substring(name,'1') eq 'x'",
            "argument 2 of substring() must be a number, found a string",
            15,
        ),
        (
            "st_within(location, 5)",
            "argument 2 of st_within() must be a geometry, found a number",
            20,
        ),
        ("5 add 3", "$filter needs a boolean expression such as a comparison, found a number", 0),
    ],
)
def test_type_errors_visible_without_the_data_model(text, message, position):
    err = error(text)
    assert err.message == message
    assert err.position == position


def test_well_typed_temporal_arithmetic_is_accepted():
    parse_filter("phenomenonTime gt now() sub duration'P1D'")
    parse_filter("phenomenonTime sub 2026-01-01T00:00:00Z gt duration'PT1H'")
    parse_filter("date(phenomenonTime) eq 2026-11-26 add duration'P1D'")
    parse_filter("duration'PT1H' mul 2 eq duration'PT2H'")
    parse_filter("result eq null and name ne null")
    assert static_type(parse_expression("now() sub duration'P1D'")) == "datetime"
    assert static_type(parse_expression("result add 1")) == "number"
    assert static_type(parse_expression("result add duration'P1D'")) == "any"
