"""Safety limits: expression depth, option length, $expand depth."""

import pytest

from smartcity.sensors.odata import (
    BoolOp,
    Limits,
    QueryError,
    parse_expand,
    parse_filter,
    parse_query_options,
    to_text,
)

TOO_DEEP = "the expression is nested too deeply (at most 50 levels)"


def error(function, *args, **kwargs):
    with pytest.raises(QueryError) as caught:
        function(*args, **kwargs)
    return caught.value


def test_fifty_levels_of_parentheses_pass_and_fifty_one_fail():
    assert parse_filter("(" * 49 + "a eq 1" + ")" * 49)
    err = error(parse_filter, "(" * 50 + "a eq 1" + ")" * 50)
    assert err.message == TOO_DEEP
    assert err.position == 50


def test_hostile_nesting_is_an_error_not_a_crash():
    err = error(parse_filter, "(" * 16000)
    assert err.message == TOO_DEEP
    assert error(parse_filter, "not " * 2000 + "a").message == TOO_DEEP
    assert error(parse_filter, "-" * 2000 + "a eq 1").message == TOO_DEEP
    assert error(parse_filter, "tolower(" * 100 + "a" + ")" * 100 + " eq 'x'").message == TOO_DEEP


def test_long_operator_chains_count_as_nesting():
    err = error(parse_filter, "a" + " add 1" * 60 + " eq 1")
    assert err.message == TOO_DEEP
    # The 50th 'add' makes the 51st level; positions count from the start of the text.
    assert err.position == len("a" + " add 1" * 49) + 1


def test_long_and_or_chains_stay_flat():
    text = " or ".join(f"id eq {n}" for n in range(1000))
    expr = parse_filter(text)
    assert isinstance(expr, BoolOp)
    assert len(expr.operands) == 1000
    assert expr.depth == 3
    assert parse_filter(to_text(expr)) == expr


def test_option_length_limit():
    ok = "name eq '" + "x" * (16 * 1024 - 10) + "'"
    assert len(ok) == 16 * 1024 - 0
    assert parse_filter(ok)
    err = error(parse_filter, ok + " ")
    assert err.message == "the value is 16385 characters long; at most 16384 are allowed"
    assert err.position is None
    assert str(err) == "$filter: " + err.message
    err = error(parse_query_options, {"$select": "a," * 9000 + "a"})
    assert err.option == "$select"


def test_expand_depth_limit_counts_path_segments_and_nesting():
    assert parse_expand("A/B/C/D/E")
    err = error(parse_expand, "A/B/C/D/E/F")
    assert err.message == "$expand is nested too deeply (at most 5 navigation steps)"
    assert err.position == 10
    assert parse_expand("A($expand=B($expand=C/D($expand=E)))")
    text = "A($expand=B($expand=C/D($expand=E($expand=F))))"
    err = error(parse_expand, text)
    assert err.position == text.index("F")


def test_limits_can_be_set_per_call():
    limits = Limits(max_depth=3, max_length=20, max_expand_depth=1)
    assert parse_filter("a eq 1 and b", limits=limits)
    assert error(parse_filter, "(((a eq 1)))", limits=limits).message == (
        "the expression is nested too deeply (at most 3 levels)"
    )
    assert error(parse_filter, "a eq '" + "x" * 20 + "'", limits=limits).message.startswith(
        "the value is 27 characters long"
    )
    assert error(parse_expand, "A/B", limits=limits).message == (
        "$expand is nested too deeply (at most 1 navigation steps)"
    )
    options = parse_query_options({"$expand": "A"}, limits=limits)
    assert options.expand[0].path == ("A",)


def test_a_number_with_an_enormous_exponent_is_out_of_range():
    with pytest.raises(QueryError, match="out of range"):
        parse_filter("result gt 10E999999999999999999")
