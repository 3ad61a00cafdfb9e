"""The query options: $orderby, $select, $expand, $top, $skip, $count, $resultFormat, and
parse_query_options over a whole request."""

import pytest
from django.http import QueryDict

from smartcity.sensors.odata import (
    BinaryOp,
    ExpandItem,
    Function,
    Literal,
    OrderBy,
    Property,
    QueryError,
    QueryOptions,
    parse_expand,
    parse_option,
    parse_orderby,
    parse_query_options,
    parse_select,
    to_text,
)


def P(*path):
    return Property(path)


def error(function, *args):
    with pytest.raises(QueryError) as caught:
        function(*args)
    return caught.value


def test_orderby_directions():
    assert parse_orderby("phenomenonTime desc, result asc,name") == (
        OrderBy(P("phenomenonTime"), descending=True),
        OrderBy(P("result")),
        OrderBy(P("name")),
    )


def test_orderby_expressions_and_id():
    assert parse_orderby("length(name) desc,id") == (
        OrderBy(Function("length", (P("name"),)), descending=True),
        OrderBy(P("id")),
    )
    assert parse_orderby("result add 1") == (
        OrderBy(BinaryOp("add", P("result"), Literal("int", 1))),
    )


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        (
            "name ascending",
            "expected an operator, ',', 'asc', 'desc' or the end of $orderby, found 'ascending'",
            5,
        ),
        (
            "name DESC",
            "expected an operator, ',', 'asc', 'desc' or the end of $orderby, found "
            "'DESC' (keywords are lower case: write desc)",
            5,
        ),
        ("name desc asc", "expected ',' or the end of $orderby, found 'asc'", 10),
        ("name,", "expected an operand after ','", 5),
    ],
)
def test_orderby_errors(text, message, position):
    err = error(parse_orderby, text)
    assert (err.message, err.position) == (message, position)


def test_select_paths_and_id():
    assert parse_select("id,name,Datastream/name,properties/owner") == (
        P("id"),
        P("name"),
        P("Datastream", "name"),
        P("properties", "owner"),
    )


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("@iot.id", "write id instead of @iot.id", 0),
        ("name,,id", "expected a property name after ',', found ','", 5),
        ("name id", "expected ',', '/' or the end of $select, found 'id'", 5),
        ("length(name)", "expected ',', '/' or the end of $select, found '('", 6),
        ("'name'", "expected a property name, found the string 'name'", 0),
    ],
)
def test_select_errors(text, message, position):
    err = error(parse_select, text)
    assert (err.message, err.position) == (message, position)


def test_expand_with_nested_options():
    text = "Datastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc))"
    assert parse_expand(text) == (
        ExpandItem(
            ("Datastreams",),
            QueryOptions(
                select=(P("name"),),
                expand=(
                    ExpandItem(
                        ("Observations",),
                        QueryOptions(
                            top=1, orderby=(OrderBy(P("phenomenonTime"), descending=True),)
                        ),
                    ),
                ),
            ),
        ),
    )


def test_expand_slash_paths_and_lists():
    assert parse_expand("Datastreams/Observations,Locations") == (
        ExpandItem(("Datastreams", "Observations")),
        ExpandItem(("Locations",)),
    )
    item = parse_expand("Datastreams/Observations($filter=result gt 5;$count=true;$skip=2)")[0]
    assert item.path == ("Datastreams", "Observations")
    assert item.positions == (0, 12)
    assert item.options.filter == BinaryOp("gt", P("result"), Literal("int", 5))
    assert (item.options.count, item.options.skip) == (True, 2)


def test_expand_filter_may_contain_parentheses_semicolons_in_strings_and_commas():
    item = parse_expand("Things($filter=(name eq 'a;b)' or substringof('x,y',name));$top=3)")[0]
    assert item.options.top == 3
    assert to_text(item.options.filter) == "name eq 'a;b)' or substringof('x,y',name)"


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        (
            "Datastreams(",
            "expected a query option such as $select=... after '(', found the end",
            12,
        ),
        ("Datastreams()", "expected a query option such as $select=... after '(', found ')'", 12),
        ("Datastreams($top=1;$top=2)", "$top is given twice in one $expand item", 19),
        ("Datastreams($top)", "expected '=' after $top, found ')'", 16),
        ("Datastreams($top=)", "$top needs a value", 17),
        ("Datastreams($top=-1)", "$top must be a non-negative integer, found '-'", 17),
        ("Datastreams($top=1.5)", "$top must be a non-negative integer, found '1.5'", 17),
        ("Datastreams($count=yes)", "$count must be true or false, found 'yes'", 19),
        (
            "Datastreams($resultFormat=dataArray)",
            "$resultFormat is only allowed at the top level, not in $expand",
            12,
        ),
        (
            "Datastreams($apply=groupby((name)))",
            "$apply (data aggregation) is not supported by this server",
            12,
        ),
        (
            "Datastreams($levels=2)",
            "$levels is an OData query option that SensorThings API 1.1 does not support",
            12,
        ),
        ("Datastreams($filter=name eq 'x'", "expected an operator, ';' or ')', found the end", 31),
        ("Datastreams($select=name $top=1)", "expected ',', '/', ';' or ')', found '$top'", 25),
        (
            "Datastreams,Datastreams",
            "'Datastreams' is expanded twice: give its options in one item",
            12,
        ),
        ("Datastreams/", "expected a property name after '/', found the end", 12),
        ("Datastreams /Sensor", "a path has no spaces around '/'", 12),
        ("Datastreams($orderby=id desc name)", "expected ',', ';' or ')', found 'name'", 29),
        ("Datastreams($filter=name)", None, None),
    ],
)
def test_expand_errors(text, message, position):
    if message is None:
        assert parse_expand(text)[0].options.filter == P("name")
        return
    err = error(parse_expand, text)
    assert (err.message, err.position) == (message, position)
    assert err.option == "$expand"
    assert err.text == text


def test_top_skip_count_and_result_format():
    options = parse_query_options(
        {"$top": "10", "$skip": "0", "$count": "false", "$resultFormat": "dataArray"}
    )
    assert (options.top, options.skip, options.count, options.result_format) == (
        10,
        0,
        False,
        "dataArray",
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("$top", "-1", "$top must be a non-negative integer, found '-'"),
        ("$top", "ten", "$top must be a non-negative integer, found 'ten'"),
        ("$top", "1e3", "$top must be a non-negative integer, found '1e3'"),
        ("$skip", "99999999999999999999", "$skip is too large"),
        ("$top", "5 6", "expected the end of $top, found '6'"),
        (
            "$count",
            "True",
            "$count must be true or false, found 'True' (keywords are lower case: write true)",
        ),
        ("$count", "1", "$count must be true or false, found '1'"),
        (
            "$resultFormat",
            "GeoJSON",
            "unsupported result format 'GeoJSON': the only one is dataArray",
        ),
        (
            "$resultFormat",
            "dataarray",
            "unsupported result format 'dataarray': the only one is "
            "dataArray (the name is case-sensitive)",
        ),
        ("$filter", "", "the value is empty"),
        ("$filter", "   ", "the value is empty"),
    ],
)
def test_option_value_errors(name, text, message):
    err = error(parse_option, name, text)
    assert err.option == name
    assert err.message == message


def test_parse_query_options_skips_names_without_dollar():
    options = parse_query_options({"$top": "2", "foo": "bar", "format": "x"})
    assert options == QueryOptions(top=2)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "$foo",
            "unknown query option $foo: the supported options are $filter, $expand, "
            "$select, $orderby, $top, $skip, $count and $resultFormat",
        ),
        ("$Filter", "unknown query option $Filter: option names are case-sensitive, write $filter"),
        (
            "$resultformat",
            "unknown query option $resultformat: option names are "
            "case-sensitive, write $resultFormat",
        ),
        ("$apply", "$apply (data aggregation) is not supported by this server"),
        ("$search", "$search is an OData query option that SensorThings API 1.1 does not support"),
        (
            "$",
            "unknown query option $: the supported options are $filter, $expand, $select, "
            "$orderby, $top, $skip, $count and $resultFormat",
        ),
    ],
)
def test_unknown_and_unsupported_options(name, message):
    err = error(parse_query_options, {name: "x"})
    assert err.option == name
    assert err.message == message
    assert str(err) == f"{name}: {message}"


def test_repeated_options_are_rejected_from_lists_pairs_and_querydicts():
    message = "is given 2 times; give each query option once"
    assert error(parse_query_options, {"$top": ["1", "2"]}).message == message
    assert error(parse_query_options, [("$top", "1"), ("$top", "2")]).message == message
    assert error(parse_query_options, QueryDict("$top=1&$top=2")).message == message
    assert parse_query_options(QueryDict("$top=1&x=1&x=2")) == QueryOptions(top=1)


def test_a_full_request():
    options = parse_query_options(
        QueryDict(
            "$filter=result%20gt%205%20and%20phenomenonTime%20ge%202026-11-26T10:00:00%2B01:00"
            "&$expand=Datastream($select=name)&$select=id,result&$orderby=phenomenonTime%20desc"
            "&$top=100&$count=true"
        )
    )
    assert options.to_params() == [
        ("$filter", "result gt 5 and phenomenonTime ge 2026-11-26T10:00:00+01:00"),
        ("$expand", "Datastream($select=name)"),
        ("$select", "id,result"),
        ("$orderby", "phenomenonTime desc"),
        ("$top", "100"),
        ("$count", "true"),
    ]


def test_query_options_error_points_into_the_right_text():
    options = parse_query_options(
        {"$filter": "Thingg/name eq 'x'", "$expand": "Datastreams($filter=foo eq 1)"}
    )
    top_level = options.error("$filter", "unknown property 'Thingg'", options.filter.left.pos)
    assert str(top_level) == (
        "$filter: unknown property 'Thingg' at position 1: \"Thingg/name eq 'x'\"\n"
        + " " * len("$filter: unknown property 'Thingg' at position 1: \"")
        + "^"
    )
    nested = options.expand[0].options
    err = nested.error("$filter", "unknown property 'foo'", nested.filter.left.pos)
    assert (err.option, err.position, err.text) == (
        "$expand",
        20,
        "Datastreams($filter=foo eq 1)",
    )
    assert options.error("$top", "too large").option == "$top"


def test_values_must_be_strings():
    with pytest.raises(TypeError):
        parse_query_options({"$top": 5})
