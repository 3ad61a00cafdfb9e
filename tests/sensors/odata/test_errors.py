"""The error format: option, reason, 1-based position, the text and a caret under it."""

import pickle

import pytest

from smartcity.sensors.odata import QueryError, parse_filter, parse_query_options


def message_of(options):
    with pytest.raises(QueryError) as caught:
        parse_query_options(options)
    return str(caught.value)


def caret_column(rendered):
    first, caret = rendered.split("\n")
    assert caret.strip() == "^"
    return first, caret.index("^")


def test_the_documented_example():
    rendered = message_of({"$filter": "name eq 'x' and "})
    assert rendered == (
        "$filter: expected an operand after 'and' at position 17: \"name eq 'x' and \"\n"
        + " " * 74
        + "^"
    )
    first, column = caret_column(rendered)
    # The caret stands under the character at the position; here the end of the text,
    # which is where the closing quote of the excerpt is printed.
    assert first[column] == '"'


# A dozen malformed requests: the option, the text, the reason and the offending character.
MALFORMED = [
    ("$filter", "name eq", "expected an operand after 'eq'", 7, None),
    ("$filter", "name eq 'x' and ", "expected an operand after 'and'", 16, None),
    (
        "$filter",
        "(name eq 'x'",
        "expected an operator or ')' to close the '(' at position 1, found the end",
        12,
        None,
    ),
    ("$filter", "name eq 'x')", "expected an operator or the end of $filter, found ')'", 11, ")"),
    (
        "$filter",
        "name eq 'abc",
        "unterminated string: it needs a closing quote (a quote inside "
        "a string is written as two quotes '')",
        8,
        "'",
    ),
    (
        "$filter",
        "name == 'x'",
        "expected an operator or the end of $filter, found '=' "
        "(comparisons are written eq, ne, gt, ge, lt, le)",
        5,
        "=",
    ),
    (
        "$filter",
        "result gt 5 nd result lt 9",
        "expected an operator or the end of $filter, found 'nd'",
        12,
        "n",
    ),
    ("$filter", "substring(name) eq 'x'", "substring() takes 2 or 3 arguments, found 1", 0, "s"),
    (
        "$filter",
        "phenomenonTime gt 2026-11-26T10:00:00",
        "a date-time needs a time zone: add Z or an offset such as +01:00",
        37,
        None,
    ),
    (
        "$filter",
        "st_within(location, geography'POLYGON((0 0, 1 0, 1 1))')",
        "a polygon ring needs at least 4 positions, found 3",
        38,
        "(",
    ),
    (
        "$orderby",
        "phenomenonTime descending",
        "expected an operator, ',', 'asc', 'desc' or the end of $orderby, found 'descending'",
        15,
        "d",
    ),
    ("$select", "name,,id", "expected a property name after ',', found ','", 5, ","),
    ("$expand", "Datastreams($top=1;$filter=)", "$filter needs a value", 27, ")"),
    (
        "$expand",
        "Datastreams($select=name",
        "expected ',', '/', ';' or ')', found the end",
        24,
        None,
    ),
    ("$top", "-5", "$top must be a non-negative integer, found '-'", 0, "-"),
    (
        "$filter",
        'name eq "x"',
        "unexpected character '\"': strings are written in single quotes",
        8,
        '"',
    ),
]


@pytest.mark.parametrize(("option", "text", "message", "position", "char"), MALFORMED)
def test_malformed_inputs_report_reason_and_position(option, text, message, position, char):
    with pytest.raises(QueryError) as caught:
        parse_query_options({option: text})
    err = caught.value
    assert err.option == option
    assert err.text == text
    assert err.position == position
    assert err.message == message
    first, column = caret_column(str(err))
    assert first.startswith(f'{option}: {err.message} at position {position + 1}: "')
    if char is not None:
        assert first[column] == char


def test_long_texts_are_shortened_around_the_position():
    text = "name eq 'x' and " * 30 + "name eq"
    rendered = message_of({"$filter": text})
    first, column = caret_column(rendered)
    assert len(first) < 200
    assert '"...' in first
    assert first.endswith('name eq"')
    assert first[column] == '"'


def test_long_texts_with_the_position_in_the_middle():
    text = "a eq 1 and " * 20 + "b eq @ and " + "c eq 1 and " * 20 + "d eq 1"
    rendered = message_of({"$filter": text})
    first, column = caret_column(rendered)
    assert first.count("...") == 2
    assert first[column] == "@"


def test_tabs_and_line_breaks_keep_the_caret_aligned():
    rendered = message_of({"$filter": "name\teq\n'x' and"})
    first, column = caret_column(rendered)
    assert "\t" not in first
    assert first[column] == '"'


def test_errors_without_a_position_have_no_caret():
    err = QueryError("is given 2 times; give each query option once", "$top")
    assert str(err) == "$top: is given 2 times; give each query option once"
    assert err.detail == str(err)
    assert str(QueryError("plain")) == "plain"


def test_query_errors_survive_pickling_for_task_queues():
    with pytest.raises(QueryError) as caught:
        parse_filter("a eq")
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301
    assert str(copy) == str(caught.value)
