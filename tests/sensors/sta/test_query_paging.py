"""$orderby, $top, $skip, $count and @iot.nextLink (OGC 18-088 sections 9.3.3.2-9.3.3.4)."""

import json

import pytest

from smartcity.sensors.sta.entities import ENTITY_SETS
from smartcity.sensors.sta.reading import read_collection
from tests.sensors.sta.read_helpers import BASE, follow, get, names, network, options

pytestmark = pytest.mark.django_db

DEFAULT_ORDER = [18.5, True, "ok", 19.0, 21.0, False, {"max": 21, "min": 17}, 23.5, "maintenance"]


@pytest.fixture
def net(department):
    return network(department)


def results(body) -> str:
    return json.dumps([item["result"] for item in body["value"]], sort_keys=True)


def same(values) -> str:
    return json.dumps(values, sort_keys=True)


def test_default_orders(net):
    # Things and every other set by id, Observations by phenomenonTime and then id.
    assert names(get("Things")) == ["Weather station Altmarkt", "Weather station Zwinger"]
    assert names(get("Datastreams")) == [
        "Air temperature Altmarkt",
        "Door Altmarkt",
        "Status Altmarkt",
        "Air temperature Zwinger",
    ]
    assert results(get("Observations")) == same(DEFAULT_ORDER)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "$orderby=Datastream/name,phenomenonTime desc",
            [23.5, 21.0, 18.5, {"max": 21, "min": 17}, 19.0, False, True, "maintenance", "ok"],
        ),
        # Results order by number, then text, then boolean; nulls first ascending (OData).
        (
            "$orderby=result",
            [{"max": 21, "min": 17}, False, True, "maintenance", "ok", 18.5, 19.0, 21.0, 23.5],
        ),
        (
            "$orderby=result desc",
            [23.5, 21.0, 19.0, 18.5, "ok", "maintenance", True, False, {"max": 21, "min": 17}],
        ),
        (
            "$orderby=phenomenonTime desc,id desc&$top=3",
            ["maintenance", 23.5, {"max": 21, "min": 17}],
        ),
        ("$orderby=hour(phenomenonTime) desc,result&$top=2", ["maintenance", 23.5]),
        ("$orderby=resultTime desc&$top=1", [False]),
    ],
)
def test_orderby(net, query, expected):
    assert results(get("Observations", query)) == same(expected)


def test_orderby_json_properties_and_expressions(net):
    # floor: 3 (a number) at Altmarkt, "ground" (a string) at Zwinger.
    assert names(get("Things", "$orderby=properties/floor")) == [
        "Weather station Zwinger",
        "Weather station Altmarkt",
    ]
    assert names(get("Things", "$orderby=properties/floor desc")) == [
        "Weather station Altmarkt",
        "Weather station Zwinger",
    ]
    assert names(get("Datastreams", "$orderby=length(name) desc,name")) == [
        "Air temperature Altmarkt",
        "Air temperature Zwinger",
        "Status Altmarkt",
        "Door Altmarkt",
    ]
    assert names(get("Datastreams", "$orderby=Thing/name desc,name")) == [
        "Air temperature Zwinger",
        "Air temperature Altmarkt",
        "Door Altmarkt",
        "Status Altmarkt",
    ]


def test_next_links_page_through_everything(net):
    page = get("Observations", "$top=2&$filter=phenomenonTime ge 2024-01-01T00:00:00Z")
    seen = [item["result"] for item in page["value"]]
    pages = 1
    while "@iot.nextLink" in page:
        page = follow(page["@iot.nextLink"])
        seen += [item["result"] for item in page["value"]]
        pages += 1
    assert pages == 5
    assert same(seen) == same(DEFAULT_ORDER)


def test_next_link_repeats_every_option_canonically(net):
    body = get(
        "Observations",
        "$filter=result gt 18 and phenomenonTime lt 2024-05-01T14:00:00%2B02:00"
        "&$orderby=result desc&$select=result,phenomenonTime&$top=1&$count=true"
        "&$expand=Datastream($select=name)",
    )
    assert body["@iot.count"] == 3
    assert body["@iot.nextLink"] == (
        f"{BASE}/Observations?$filter=result%20gt%2018%20and%20phenomenonTime%20lt%20"
        "2024-05-01T14:00:00%2B02:00&$expand=Datastream($select=name)"
        "&$select=result,phenomenonTime&$orderby=result%20desc&$top=1&$skip=1&$count=true"
    )
    second = follow(body["@iot.nextLink"])
    assert second["@iot.count"] == 3
    assert second["value"] == [
        {
            "phenomenonTime": "2024-05-01T10:00:00Z/2024-05-01T10:30:00Z",
            "result": 19.0,
            "Datastream": {"name": "Air temperature Zwinger"},
        }
    ]
    assert "$skip=2" in second["@iot.nextLink"]


def test_count(net):
    assert get("Observations", "$count=true")["@iot.count"] == 9
    assert get("Observations", "$count=true&$top=1")["@iot.count"] == 9
    assert get("Observations", "$count=true&$filter=result gt 20")["@iot.count"] == 2
    assert "@iot.count" not in get("Observations", "$count=false")
    assert "@iot.count" not in get("Observations")
    empty = get("Things", "$count=true&$top=0")
    assert empty == {"@iot.count": 2, "value": []}


def test_skip_and_top(net):
    assert results(get("Observations", "$skip=7")) == same([23.5, "maintenance"])
    assert "@iot.nextLink" not in get("Observations", "$skip=7")
    assert get("Observations", "$skip=100") == {"value": []}
    assert results(get("Observations", "$skip=2&$top=2")) == same(["ok", 19.0])


def test_page_sizes_come_from_settings(net, settings):
    settings.STA_DEFAULT_TOP = 2
    settings.STA_MAX_TOP = 3
    body = get("Observations")
    assert len(body["value"]) == 2
    assert body["@iot.nextLink"] == f"{BASE}/Observations?$top=2&$skip=2"
    capped = get("Observations", "$top=1000")
    assert len(capped["value"]) == 3
    assert capped["@iot.nextLink"] == f"{BASE}/Observations?$top=3&$skip=3"


def test_next_link_of_a_navigation_collection(net):
    stream = net["temperature"]
    path = f"/sta/v1.1/Datastreams({stream.pk})/Observations"
    es = ENTITY_SETS["Observations"]

    def page(query):
        return read_collection(
            stream.observations.all(),
            es,
            options(query),
            base_url=BASE,
            request_path=path,
            user=None,
        )

    first = page("$top=2")
    assert first["@iot.nextLink"] == f"http://testserver{path}?$top=2&$skip=2"
    assert [o["result"] for o in page("$top=2&$skip=2")["value"]] == [23.5]
    # A path relative to the service root gives the same link.
    relative = read_collection(
        stream.observations.all(),
        es,
        options("$top=2"),
        base_url=BASE + "/",
        request_path=f"/Datastreams({stream.pk})/Observations",
        user=None,
    )
    assert relative["@iot.nextLink"] == first["@iot.nextLink"]


def test_count_is_exact_up_to_the_limit_and_estimated_above(net, settings):
    settings.STA_COUNT_EXACT_LIMIT = 9
    assert get("Observations", "$count=true")["@iot.count"] == 9
    settings.STA_COUNT_EXACT_LIMIT = 5
    # Above the limit: an estimate, never below limit + 1 (on a table this small the
    # SQLite sample covers every row, and PostgreSQL's planner sees 9 rows after ANALYZE).
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    estimate = get("Observations", "$count=true")["@iot.count"]
    assert 6 <= estimate <= 18
    settings.STA_COUNT_EXACT_LIMIT = 0
    assert get("Observations", "$count=true&$filter=result gt 20")["@iot.count"] == 2
