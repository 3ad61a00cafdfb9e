"""$filter (OGC 18-088 section 9.3.3): what a client gets back for each operator and function.

Data: ``read_helpers.network``. Anonymous readers see the two public weather stations and
their Observations, in the default order (phenomenonTime, then id):
18.5, true, "ok", 19.0 (an interval 10:00/10:30), 21.0, false, {"min": 17, "max": 21},
23.5, "maintenance". The private hospital meter (1200, 1350) never shows.
"""

import json

import pytest

from smartcity.sensors.odata import QueryError
from tests.sensors.sta.read_helpers import get, names, network

pytestmark = pytest.mark.django_db

ALL = [18.5, True, "ok", 19.0, 21.0, False, {"min": 17, "max": 21}, 23.5, "maintenance"]
AT_TEN = [18.5, True, "ok"]
ALTMARKT = [18.5, True, "ok", 21.0, False, 23.5, "maintenance"]
BOTH = ["Weather station Altmarkt", "Weather station Zwinger"]


@pytest.fixture
def net(department):
    return network(department)


def results(query: str, **kwargs) -> str:
    """The results of /Observations?$filter=..., as JSON text so that true is not 1."""
    body = get("Observations", "$filter=" + query.replace("+", "%2B"), **kwargs)
    return json.dumps([item["result"] for item in body["value"]], sort_keys=True)


def things(query: str, **kwargs) -> list[str]:
    return names(get("Things", "$filter=" + query, **kwargs))


def same(values) -> str:
    return json.dumps(values, sort_keys=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Comparison operators against a number literal use numeric results only.
        ("result gt 20", [21.0, 23.5]),
        ("result ge 21", [21.0, 23.5]),
        ("result lt 19", [18.5]),
        ("result le 19", [18.5, 19.0]),
        ("result eq 21", [21.0]),
        ("result ne 21", [18.5, 19.0, 23.5]),
        ("result eq 21.0", [21.0]),
        # Strings match string results only, booleans boolean results only.
        ("result eq 'ok'", ["ok"]),
        ("result ne 'ok'", ["maintenance"]),
        ("result gt 'n'", ["ok"]),
        ("result eq true", [True]),
        ("result eq false", [False]),
        ("result ne true", [False]),
        ("result eq null", []),
        ("result ne null", ALL),
        # Logical operators.
        ("result ge 21 and result le 23.5", [21.0, 23.5]),
        ("result lt 19 or result eq 'maintenance'", [18.5, "maintenance"]),
        (
            "not (result gt 20)",
            [18.5, True, "ok", 19.0, False, {"min": 17, "max": 21}, "maintenance"],
        ),
        ("result gt 18 and (result lt 19 or result gt 23)", [18.5, 23.5]),
        # Arithmetic.
        ("result add 1.5 eq 20", [18.5]),
        ("result sub 1 eq 20", [21.0]),
        ("result mul 2 eq 47", [23.5]),
        ("result div 2 eq 9.5", [19.0]),
        ("result mod 2 eq 1", [19.0, 21.0]),
        ("-result lt -23", [23.5]),
        ("result div 0 eq 1", []),
        ("2 mul result gt 46", [23.5]),
        # Math functions.
        ("round(result) eq 19", [18.5, 19.0]),
        ("floor(result) eq 23", [23.5]),
        ("ceiling(result) eq 19", [18.5, 19.0]),
        # JSON results and parameters.
        ("result/max eq 21", [{"min": 17, "max": 21}]),
        ("result/min lt 20 and result/max gt 20", [{"min": 17, "max": 21}]),
        ("parameters/by eq 'Team Nord'", ["maintenance"]),
        ("parameters eq null", [18.5, True, "ok", 19.0, 21.0, False, {"min": 17, "max": 21}, 23.5]),
        # String functions on string results.
        ("startswith(result, 'main')", ["maintenance"]),
        ("length(result) eq 2", ["ok"]),
    ],
)
def test_result_comparisons_are_typed(net, query, expected):
    assert results(query) == same(expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Time intervals compare as FROST-Server does: an instant is an interval start=end.
        ("phenomenonTime eq 2024-05-01T10:00:00Z", AT_TEN),
        # ne is FROST-Server's: neither end may equal the instant.
        ("phenomenonTime ne 2024-05-01T10:00:00Z", ALL[4:]),
        ("phenomenonTime lt 2024-05-01T10:30:00Z", [*AT_TEN, 19.0]),
        ("phenomenonTime lt 2024-05-01T10:15:00Z", AT_TEN),
        ("phenomenonTime le 2024-05-01T10:30:00Z", [*AT_TEN, 19.0]),
        ("phenomenonTime ge 2024-05-01T10:00:00Z", ALL),
        ("phenomenonTime gt 2024-05-01T10:00:00Z", ALL[4:]),
        ("2024-05-01T11:30:00Z lt phenomenonTime", [23.5, "maintenance"]),
        ("phenomenonTime gt 2024-05-01T11:30:00%2B01:00", ALL[4:]),
        # Date arithmetic with durations.
        (
            "phenomenonTime sub duration'PT1H' eq 2024-05-01T10:00:00Z",
            [21.0, False, {"min": 17, "max": 21}],
        ),
        ("phenomenonTime add duration'PT30M' ge 2024-05-01T12:30:00Z", [23.5, "maintenance"]),
        ("resultTime sub phenomenonTime eq duration'PT5S'", [False]),
        ("resultTime sub duration'PT5S' eq phenomenonTime", [False]),
        ("resultTime sub phenomenonTime gt duration'PT1S' mul 4", [False]),
        # Instants and null.
        ("resultTime eq null", [v for v in ALL if v is not False]),
        ("resultTime ne null", [False]),
        ("resultTime gt 2024-05-01T11:00:00Z", [False]),
        # Date and time functions (in UTC).
        ("hour(phenomenonTime) eq 12", [23.5, "maintenance"]),
        ("year(phenomenonTime) eq 2024 and month(phenomenonTime) eq 5", ALL),
        ("day(phenomenonTime) eq 1", ALL),
        ("minute(resultTime) eq 0 and second(resultTime) eq 5", [False]),
        ("fractionalseconds(phenomenonTime) eq 0", ALL),
        ("date(phenomenonTime) eq 2024-05-01", ALL),
        ("time(phenomenonTime) eq 12:00:00", [23.5, "maintenance"]),
        ("time(resultTime) gt 11:00:00", [False]),
        ("totaloffsetminutes(resultTime) eq 0", [False]),
        ("phenomenonTime lt now()", ALL),
        ("phenomenonTime gt mindatetime() and phenomenonTime lt maxdatetime()", ALL),
        ("year(date(phenomenonTime)) eq 2024 and hour(time(resultTime)) eq 11", [False]),
    ],
)
def test_time_comparisons(net, query, expected):
    assert results(query) == same(expected)


def test_fractional_seconds_and_date_arithmetic(net):
    from tests.sensors.sta.read_helpers import observe

    observe(net["temperature"], 30.0, "2024-05-02T08:15:30.25Z")
    assert results("fractionalseconds(phenomenonTime) eq 0.25") == same([30.0])
    assert results("second(phenomenonTime) eq 30") == same([30.0])
    assert results("date(phenomenonTime) add duration'P1D' eq 2024-05-03") == same([30.0])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Datastream/name eq 'Door Altmarkt'", [True, False]),
        ("Datastream/Thing/name eq 'Weather station Zwinger'", [19.0, {"min": 17, "max": 21}]),
        ("Datastream/Thing/properties/owner/email eq 'umwelt@dresden.de'", ALTMARKT),
        ("Datastream/ObservedProperty/name eq 'Status'", ["ok", "maintenance"]),
        ("FeatureOfInterest/name eq 'Zwinger'", [19.0, {"min": 17, "max": 21}]),
        (
            "Datastream/unitOfMeasurement/symbol eq '°C'",
            [18.5, 19.0, 21.0, {"min": 17, "max": 21}, 23.5],
        ),
        ("MultiDatastream eq null and Datastream ne null", ALL),
        ("Datastream/Thing/Locations/name eq 'Altmarkt'", ALTMARKT),
    ],
)
def test_navigation_paths(net, query, expected):
    assert results(query) == same(expected)


def test_ids(net):
    temperature = net["temperature"]
    assert results(f"Datastream/id eq {temperature.pk}") == same([18.5, 21.0, 23.5])
    first = temperature.observations.order_by("pk").first()
    assert results(f"id eq {first.pk}") == same([18.5])
    assert things(f"id eq {net['zwinger'].pk}") == ["Weather station Zwinger"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name eq 'Weather station Altmarkt'", ["Weather station Altmarkt"]),
        ("name ne 'Weather station Altmarkt'", ["Weather station Zwinger"]),
        ("name gt 'Weather station B'", ["Weather station Zwinger"]),
        ("substringof('Zwinger', name)", ["Weather station Zwinger"]),
        ("substringof('zwinger', name)", []),
        ("startswith(name, 'Weather')", BOTH),
        ("startswith(name, 'weather')", []),
        ("endswith(name, 'Altmarkt')", ["Weather station Altmarkt"]),
        ("endswith(description, 'garden')", ["Weather station Zwinger"]),
        ("endswith(name, 'A very long suffix that is longer than any name')", []),
        ("length(name) eq 24", ["Weather station Altmarkt"]),
        ("indexof(name, 'station') eq 8", BOTH),
        ("indexof(name, 'missing') eq -1", BOTH),
        ("substring(name, 16) eq 'Zwinger'", ["Weather station Zwinger"]),
        ("substring(name, 8, 7) eq 'station'", BOTH),
        ("tolower(name) eq 'weather station zwinger'", ["Weather station Zwinger"]),
        ("toupper(name) eq 'WEATHER STATION ALTMARKT'", ["Weather station Altmarkt"]),
        ("trim(concat('  ', name)) eq name", BOTH),
        ("concat(name, '!') eq 'Weather station Zwinger!'", ["Weather station Zwinger"]),
        ("(name eq 'Weather station Altmarkt') eq false", ["Weather station Zwinger"]),
        # JSON properties compare with the literal's type, never failing on other types.
        ("properties/floor gt 2", ["Weather station Altmarkt"]),
        ("properties/floor eq 'ground'", ["Weather station Zwinger"]),
        ("properties/floor add 1 eq 4", ["Weather station Altmarkt"]),
        ("properties/active eq true", ["Weather station Altmarkt"]),
        ("properties/active", ["Weather station Altmarkt"]),
        ("properties/active eq null", ["Weather station Zwinger"]),
        ("properties/missing eq null", BOTH),
        ("properties/owner/email eq 'garten@dresden.de'", ["Weather station Zwinger"]),
        ("endswith(properties/owner/email, '@dresden.de')", BOTH),
        ("length(properties/floor) eq 6", ["Weather station Zwinger"]),
        # To-many navigation: any related entity matches.
        ("Datastreams/name eq 'Status Altmarkt'", ["Weather station Altmarkt"]),
        ("Datastreams/Observations/result gt 20", ["Weather station Altmarkt"]),
        ("Datastreams/Observations/result/max eq 21", ["Weather station Zwinger"]),
        ("Datastreams/Sensor/name eq 'Reed contact'", ["Weather station Altmarkt"]),
        ("Locations/name eq 'Zwinger'", ["Weather station Zwinger"]),
        ("not (Datastreams/name eq 'Door Altmarkt')", ["Weather station Zwinger"]),
        (
            "Datastreams/name eq 'Door Altmarkt' and Datastreams/name eq 'Status Altmarkt'",
            ["Weather station Altmarkt"],
        ),
        ("Datastreams/phenomenonTime le 2024-05-01T11:00:00Z", BOTH),
        ("Datastreams/phenomenonTime eq 2024-05-01T10:00:00Z", []),
        ("true", BOTH),
        ("false", []),
    ],
)
def test_thing_filters(net, query, expected):
    assert things(query) == expected


def test_filters_on_other_entity_sets(net):
    assert names(get("Sensors", "$filter=Datastreams/Thing/name eq 'Weather station Zwinger'")) == [
        "DS18B20"
    ]
    assert names(get("Locations", "$filter=Things/name eq 'Weather station Zwinger'")) == [
        "Zwinger"
    ]
    assert names(
        get("Datastreams", "$filter=Observations/result eq 'maintenance' or Thing/name eq 'x'")
    ) == ["Status Altmarkt"]
    assert names(
        get("ObservedProperties", "$filter=Datastreams/unitOfMeasurement/symbol eq '°C'")
    ) == ["Air temperature"]
    assert names(get("FeaturesOfInterest", "$filter=Observations/result gt 22")) == ["Altmarkt"]
    body = get("HistoricalLocations", "$filter=Thing/name eq 'Weather station Zwinger'")
    assert len(body["value"]) == 1


def test_filter_inside_expand_applies_per_parent(net):
    body = get(
        "Things",
        "$filter=name eq 'Weather station Altmarkt'"
        "&$expand=Datastreams($filter=startswith(name, 'Door');$select=name)",
    )
    assert body["value"][0]["Datastreams"] == [{"name": "Door Altmarkt"}]


def _error(entity_set: str, query: str) -> QueryError:
    with pytest.raises(QueryError) as caught:
        get(entity_set, query)
    return caught.value


@pytest.mark.parametrize(
    ("entity_set", "query", "message", "position"),
    [
        ("Things", "$filter=name eq 5", "'eq' cannot compare name (a string) with 5 (a number)", 6),
        ("Things", "$filter=nme eq 'x'", "unknown property nme of a Thing; known are: id, name", 1),
        (
            "Things",
            "$filter=length(id) eq 1",
            "argument 1 of length() must be a string; id is a number",
            8,
        ),
        (
            "Things",
            "$filter=Datastreams/name eq Locations/name",
            "properties reached through different to-many navigation paths",
            21,
        ),
        ("Things", "$filter=properties/a eq properties/b", "cannot tell how to compare", 14),
        (
            "Things",
            "$filter=properties/a eq 2024-01-01T00:00:00Z",
            "properties/a is a JSON value",
            1,
        ),
        ("Observations", "$filter=phenomenonTime eq 2024-05-01", "compare it with a date-time", 16),
        ("Datastreams", "$filter=Thing eq 1", "Thing is an entity: compare its id", 7),
        ("Things", "$filter=Datastreams eq null", "Datastreams is a collection", 1),
        ("Observations", "$filter=result gt null", "null can only be compared with eq and ne", 8),
        (
            "Observations",
            "$filter=result eq 2024-01-01T00:00:00Z",
            "result can be compared with",
            1,
        ),
        ("Things", "$filter=name has 'x'", "expected", 6),
        ("Things", "$filter=name/first eq 'x'", "name has no sub-properties", 6),
        ("Things", "$filter=name", "$filter needs a boolean expression; name is a string", 1),
        (
            "Locations",
            "$filter=st_within(name, geography'POINT(1 2)')",
            "argument 1 of st_within() must be a geometry; name is a string",
            11,
        ),
        (
            "Locations",
            "$filter=st_within(location, geometry'SRID=3857;POINT(1 2)')",
            "SRID 3857 is not supported",
            21,
        ),
        ("Things", "$orderby=Datastreams/name", "can only be used in $filter", 1),
        ("Datastreams", "$orderby=Thing", "cannot order by Thing (an entity)", 1),
        ("Things", "$filter=not length(name)", "the operand of 'not' must be a boolean", 5),
        ("Things", "$filter=resultTime add 1 eq 2", "unknown property resultTime", 1),
        ("Observations", "$filter=phenomenonTime add 1 eq 2", "'add' cannot combine", 16),
    ],
)
def test_errors_point_at_the_offending_part(net, entity_set, query, message, position):
    error = _error(entity_set, query)
    assert message in error.message
    assert error.position == position - 1
    assert f"at position {position}" in str(error)


def test_error_inside_expand_points_into_the_expand_text(net):
    error = _error("Things", "$expand=Datastreams($filter=nme eq 'x')")
    assert error.option == "$expand"
    assert error.message.startswith("unknown property nme of a Datastream")
    assert error.position == "Datastreams($filter=".__len__()


def test_no_text_of_a_filter_reaches_sql(net):
    """A quote in a string literal is data: the query neither fails nor matches more."""
    assert things("name eq 'x'' OR 1=1 --'") == []
    assert things("properties/owner/email eq 'x\" OR 1=1'") == []
