"""Entity JSON (OGC 18-088 section 9.2) and $select (section 9.3.2.2)."""

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.odata import QueryError, parse_select
from smartcity.sensors.sta import write
from smartcity.sensors.sta.entities import ENTITY_SETS
from smartcity.sensors.sta.serialize import entity_json
from tests.sensors.sta.read_helpers import BASE, get, get_one, network, observe

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(department):
    return network(department)


def test_thing(net):
    thing = net["altmarkt"]
    link = f"{BASE}/Things({thing.pk})"
    assert entity_json(thing, ENTITY_SETS["Things"], base_url=BASE + "/") == {
        "@iot.id": thing.pk,
        "@iot.selfLink": link,
        "name": "Weather station Altmarkt",
        "description": "On the roof of the old town hall",
        "properties": {"owner": {"email": "umwelt@dresden.de"}, "floor": 3, "active": True},
        "Locations@iot.navigationLink": f"{link}/Locations",
        "HistoricalLocations@iot.navigationLink": f"{link}/HistoricalLocations",
        "Datastreams@iot.navigationLink": f"{link}/Datastreams",
        "MultiDatastreams@iot.navigationLink": f"{link}/MultiDatastreams",
    }


def test_observation_keeps_types_times_and_nulls(net):
    observation = observe(
        net["energy"],
        1200,
        "2024-05-01T12:00:00.250+02:00/2024-05-01T13:00:00+02:00",
        validTime="2024-05-01T00:00:00Z/2024-06-01T00:00:00Z",
        resultQuality={"flag": "checked"},
    )
    link = f"{BASE}/Observations({observation.pk})"
    assert entity_json(observation, ENTITY_SETS["Observations"], base_url=BASE) == {
        "@iot.id": observation.pk,
        "@iot.selfLink": link,
        "phenomenonTime": "2024-05-01T10:00:00.250000Z/2024-05-01T11:00:00Z",
        "result": 1200,
        "resultTime": None,
        "resultQuality": {"flag": "checked"},
        "validTime": "2024-05-01T00:00:00Z/2024-06-01T00:00:00Z",
        "parameters": None,
        "Datastream@iot.navigationLink": f"{link}/Datastream",
        "MultiDatastream@iot.navigationLink": f"{link}/MultiDatastream",
        "FeatureOfInterest@iot.navigationLink": f"{link}/FeatureOfInterest",
    }
    # A number keeps the form it was sent in: 1200 stays an integer, 21.0 a float.
    results = [o["result"] for o in get("Observations", "$filter=result ge 21", user=None)["value"]]
    assert [type(r) for r in results] == [float, float]


def test_datastream_and_historical_location(net):
    stream = m.Datastream.objects.get(pk=net["temperature"].pk)
    body = entity_json(stream, ENTITY_SETS["Datastreams"], base_url=BASE)
    assert body["phenomenonTime"] == "2024-05-01T10:00:00Z/2024-05-01T12:00:00Z"
    assert body["resultTime"] is None
    assert body["observedArea"] is None
    assert body["unitOfMeasurement"] == {
        "name": "degree Celsius",
        "symbol": "°C",
        "definition": "ucum:Cel",
    }
    assert body["Thing@iot.navigationLink"] == f"{BASE}/Datastreams({stream.pk})/Thing"
    history = net["altmarkt"].historical_locations.get()
    body = entity_json(history, ENTITY_SETS["HistoricalLocations"], base_url=BASE)
    assert set(body) == {
        "@iot.id",
        "@iot.selfLink",
        "time",
        "Thing@iot.navigationLink",
        "Locations@iot.navigationLink",
    }
    assert body["time"].endswith("Z")


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ("name", {"name": "Weather station Altmarkt"}),
        ("id", "identity"),
        (
            "properties/owner/email,name",
            {
                "properties": {"owner": {"email": "umwelt@dresden.de"}},
                "name": "Weather station Altmarkt",
            },
        ),
        ("properties/floor,properties/active", {"properties": {"floor": 3, "active": True}}),
        ("properties/owner/email,properties", "whole properties"),
        ("properties/missing", {}),
        ("Datastreams,description", "links"),
    ],
)
def test_select(net, select, expected):
    thing = net["altmarkt"]
    link = f"{BASE}/Things({thing.pk})"
    named = {
        "identity": {"@iot.id": thing.pk, "@iot.selfLink": link},
        "whole properties": {"properties": thing.properties},
        "links": {
            "description": "On the roof of the old town hall",
            "Datastreams@iot.navigationLink": f"{link}/Datastreams",
        },
    }
    if isinstance(expected, str):
        expected = named[expected]
    # Parsed $select nodes and plain strings select the same.
    nodes = parse_select(select)
    assert entity_json(thing, ENTITY_SETS["Things"], base_url=BASE, select=nodes) == expected
    strings = select.split(",")
    assert entity_json(thing, ENTITY_SETS["Things"], base_url=BASE, select=strings) == expected


def test_select_into_json_results(net):
    write.create(
        "Observations",
        {
            "phenomenonTime": "2024-05-02T10:00:00Z",
            "result": {"min": 1, "max": 2},
            "Datastream": {"@iot.id": net["zwinger_temperature"].pk},
        },
    )
    body = get("Observations", "$filter=result/max eq 2&$select=result/max,phenomenonTime")
    assert body["value"] == [{"result": {"max": 2}, "phenomenonTime": "2024-05-02T10:00:00Z"}]


@pytest.mark.parametrize(
    ("select", "message", "position"),
    [
        ("nme", "unknown property nme of a Thing; known are: id, name, description", 1),
        ("name/first", "name is not a JSON property", 6),
        (
            "Datastreams/name",
            "Datastreams is a navigation property: use $expand=Datastreams/name",
            13,
        ),
        ("id/x", "id has no sub-properties", 4),
    ],
)
def test_select_errors(net, select, message, position):
    with pytest.raises(QueryError) as caught:
        get("Things", "$select=" + select)
    assert caught.value.option == "$select"
    assert message in caught.value.message
    assert caught.value.position == position - 1
    # entity_json checks plain strings the same way, without a position.
    with pytest.raises(QueryError) as plain:
        entity_json(net["altmarkt"], ENTITY_SETS["Things"], base_url=BASE, select=[select])
    assert message in plain.value.message


def test_every_entity_set_serialises(net):
    for name, entity_set in ENTITY_SETS.items():
        for item in get(name, user=None)["value"]:
            obj = entity_set.model.objects.get(pk=item["@iot.id"])
            assert item == entity_json(obj, entity_set, base_url=BASE)
            assert item["@iot.selfLink"] == f"{BASE}/{name}({obj.pk})"
            links = [key for key in item if key.endswith("@iot.navigationLink")]
            assert len(links) == len(entity_set.navigation)
    assert get_one(net["zwinger"]) == entity_json(
        net["zwinger"], ENTITY_SETS["Things"], base_url=BASE
    )
