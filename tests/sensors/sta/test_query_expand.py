"""$expand (OGC 18-088 section 9.3.2.1) with nested options, and its query cost."""

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.odata import QueryError
from smartcity.sensors.sta import write
from smartcity.sensors.sta.entities import ENTITY_SETS
from smartcity.sensors.sta.reading import read_collection
from tests.sensors.sta.read_helpers import (
    BASE,
    datastream,
    get,
    get_one,
    location,
    names,
    network,
    observe,
    options,
    wind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(department):
    return network(department)


def test_nested_expand_with_options_at_each_level(net):
    body = get(
        "Things",
        "$filter=name eq 'Weather station Altmarkt'&$select=name"
        "&$expand=Datastreams($orderby=name desc;$top=2;$count=true;$select=name;"
        "$expand=Observations($top=1;$orderby=phenomenonTime desc;$select=result))",
    )
    altmarkt = net["altmarkt"]
    status, door = net["status"], net["door"]
    assert body["value"] == [
        {
            "name": "Weather station Altmarkt",
            "Datastreams@iot.count": 3,
            "Datastreams@iot.nextLink": (
                f"{BASE}/Things({altmarkt.pk})/Datastreams?$expand=Observations("
                "$select=result;$orderby=phenomenonTime%20desc;$top=1)&$select=name"
                "&$orderby=name%20desc&$top=2&$skip=2&$count=true"
            ),
            "Datastreams": [
                {
                    "name": "Status Altmarkt",
                    "Observations@iot.nextLink": (
                        f"{BASE}/Datastreams({status.pk})/Observations?$select=result"
                        "&$orderby=phenomenonTime%20desc&$top=1&$skip=1"
                    ),
                    "Observations": [{"result": "maintenance"}],
                },
                {
                    "name": "Door Altmarkt",
                    "Observations@iot.nextLink": (
                        f"{BASE}/Datastreams({door.pk})/Observations?$select=result"
                        "&$orderby=phenomenonTime%20desc&$top=1&$skip=1"
                    ),
                    "Observations": [{"result": False}],
                },
            ],
        }
    ]


def test_following_a_nested_next_link(net):
    altmarkt = net["altmarkt"]
    body = get("Things", "$filter=name eq 'Weather station Altmarkt'&$expand=Datastreams($top=2)")
    link = body["value"][0]["Datastreams@iot.nextLink"]
    assert link == f"{BASE}/Things({altmarkt.pk})/Datastreams?$top=2&$skip=2"
    rest = read_collection(
        altmarkt.datastreams.all(),
        ENTITY_SETS["Datastreams"],
        options("$top=2&$skip=2"),
        base_url=BASE,
        request_path=f"/sta/v1.1/Things({altmarkt.pk})/Datastreams",
        user=None,
    )
    assert names(rest) == ["Status Altmarkt"]


def test_expand_paths_and_merged_items(net):
    short = get(
        "Things",
        "$select=name&$expand=Datastreams/Observations($top=1;$select=result),"
        "Datastreams($select=name;$top=1)",
    )
    temperature = net["temperature"]
    assert short["value"][0]["Datastreams"] == [
        {
            "name": "Air temperature Altmarkt",
            "Observations@iot.nextLink": (
                f"{BASE}/Datastreams({temperature.pk})/Observations?$select=result&$top=1&$skip=1"
            ),
            "Observations": [{"result": 18.5}],
        }
    ]
    plain = get("Datastreams", "$top=1&$expand=Thing/Locations($select=name)&$select=name")
    assert plain["value"][0]["Thing"]["Locations"] == [{"name": "Altmarkt"}]
    assert plain["value"][0]["Thing"]["name"] == "Weather station Altmarkt"


def test_to_one_expansions(net):
    body = get(
        "Observations",
        "$top=1&$select=result&$expand=Datastream($select=name;$expand=Sensor($select=name),"
        "ObservedProperty($select=definition)),FeatureOfInterest($select=name,feature)",
    )
    assert body["value"][0] == {
        "result": 18.5,
        "Datastream": {
            "name": "Air temperature Altmarkt",
            "Sensor": {"name": "DS18B20"},
            "ObservedProperty": {"definition": "https://example.org/Airtemperature"},
        },
        "FeatureOfInterest": {
            "name": "Altmarkt",
            "feature": {"type": "Point", "coordinates": [13.7373, 51.0504]},
        },
    }
    # A filter on a to-one expansion leaves out the entity that does not match.
    filtered = get("Observations", "$top=1&$select=result&$expand=Datastream($filter=name eq 'x')")
    assert filtered["value"] == [{"result": 18.5}]
    # An Observation of a MultiDatastream has no Datastream to expand.
    assert (
        "MultiDatastream" not in get("Observations", "$top=1&$expand=MultiDatastream")["value"][0]
    )


def test_many_to_many_expansions(net):
    write.update(net["zwinger"], {"Locations": [{"@iot.id": net["altmarkt"].locations.get().pk}]})
    body = get("Locations", "$select=name&$expand=Things($select=name;$orderby=name desc)")
    assert {loc["name"]: [t["name"] for t in loc["Things"]] for loc in body["value"]} == {
        "Altmarkt": ["Weather station Zwinger", "Weather station Altmarkt"],
        "Zwinger": [],
    }
    limited = get(
        "Things",
        "$select=name&$expand=HistoricalLocations($top=1;$orderby=time desc;"
        "$expand=Locations($select=name))",
    )
    latest = {t["name"]: t["HistoricalLocations"][0]["Locations"] for t in limited["value"]}
    assert latest == {
        "Weather station Altmarkt": [{"name": "Altmarkt"}],
        "Weather station Zwinger": [{"name": "Altmarkt"}],
    }


def test_multidatastream_expansion(net):
    wind("Wind Altmarkt", net["altmarkt"], "2024-05-01T10:00:00Z")
    body = get(
        "MultiDatastreams",
        "$select=name&$expand=ObservedProperties($select=name),Observations($select=result)",
    )
    assert body["value"] == [
        {
            "name": "Wind Altmarkt",
            "ObservedProperties": [{"name": "Wind speed"}, {"name": "Wind direction"}],
            "Observations": [{"result": [3.5, 270]}],
        }
    ]


def test_read_entity(net):
    body = get_one(net["zwinger"], "$select=id,name&$expand=Datastreams($select=name;$count=true)")
    assert body == {
        "@iot.id": net["zwinger"].pk,
        "@iot.selfLink": f"{BASE}/Things({net['zwinger'].pk})",
        "name": "Weather station Zwinger",
        "Datastreams@iot.count": 1,
        "Datastreams": [{"name": "Air temperature Zwinger"}],
    }
    for query in ("$top=1", "$filter=name eq 'x'", "$orderby=name", "$count=true", "$skip=1"):
        with pytest.raises(QueryError, match="applies to collections"):
            get_one(net["zwinger"], query)


@pytest.mark.parametrize(
    ("entity_set", "query", "message"),
    [
        ("Things", "$expand=Sensors", "Sensors is not a navigation property of a Thing"),
        (
            "Things",
            "$expand=Datastreams/Sensors",
            "Sensors is not a navigation property of a Datastream",
        ),
        ("Datastreams", "$expand=Thing($top=1)", "$top cannot be used on Thing"),
        ("Datastreams", "$expand=Thing($count=true)", "$count cannot be used on Thing"),
        ("Datastreams", "$expand=Thing($orderby=name)", "$orderby cannot be used on Thing"),
        (
            "Things",
            "$expand=Datastreams/Observations($top=1),Datastreams($expand=Observations($top=2))",
            "Observations is expanded twice with options",
        ),
        ("Things", "$expand=Datastreams($select=nme)", "unknown property nme of a Datastream"),
        ("Things", "$expand=Datastreams($orderby=nme)", "unknown property nme of a Datastream"),
    ],
)
def test_expand_errors(net, entity_set, query, message):
    with pytest.raises(QueryError) as caught:
        get(entity_set, query)
    assert caught.value.option == "$expand"
    assert message in caught.value.message
    assert caught.value.position is not None


def _many_streams(count: int):
    """``count`` Datastreams on 5 Things with 3 Observations each, without the write path's
    per-request work (this is about reading)."""
    sensor = m.Sensor.objects.create(name="S", description="s", encoding_type="x", metadata="y")
    prop = m.ObservedProperty.objects.create(name="P", description="p", definition="d")
    feature = m.FeatureOfInterest.objects.create(
        name="F", description="f", feature={"type": "Point", "coordinates": [13.7, 51.0]}
    )
    things = [m.Thing.objects.create(name=f"Thing {i}", description="t") for i in range(5)]
    streams = m.Datastream.objects.bulk_create(
        m.Datastream(
            name=f"Stream {i:03d}",
            description="d",
            thing=things[i % 5],
            sensor=sensor,
            observed_property=prop,
            unit_of_measurement={"name": "n", "symbol": "s", "definition": "d"},
        )
        for i in range(count)
    )
    observations = []
    for index, stream in enumerate(streams):
        for hour in (9, 11, 10):
            observation = m.Observation(
                datastream=stream,
                feature_of_interest=feature,
                phenomenon_time_start=f"2024-05-01T{hour}:00:00Z",
            )
            observation.set_result(index * 100 + hour)
            observations.append(observation)
    m.Observation.objects.bulk_create(observations)
    return streams


LATEST = "$expand=Observations($top=1;$orderby=phenomenonTime desc;$select=result,phenomenonTime)"


@pytest.mark.parametrize("count", [5, 50])
def test_latest_observation_of_each_datastream_in_three_queries(
    db, count, django_assert_max_num_queries
):
    _many_streams(count)
    # The Datastreams, the page of Observation keys per Datastream, the Observations.
    with django_assert_max_num_queries(3):
        body = get("Datastreams", f"$top={count}&$select=name&" + LATEST)
    assert len(body["value"]) == count
    for index, stream in enumerate(body["value"]):
        assert stream["Observations"] == [
            {"phenomenonTime": "2024-05-01T11:00:00Z", "result": index * 100 + 11}
        ]


@pytest.mark.parametrize("count", [5, 50])
def test_nested_expand_costs_one_query_per_level(db, count, django_assert_max_num_queries, staff):
    _many_streams(count)
    query = (
        "$select=name&$expand=Locations,Datastreams($count=true;$select=name;"
        f"$expand=Sensor($select=name),{LATEST.removeprefix('$expand=')})"
    )
    # Things; page keys and rows of Locations, Datastreams and Observations; the count;
    # Sensors; the member's organisations (one query) for the logged-in user.
    with django_assert_max_num_queries(9):
        anonymous = get("Things", query)
    with django_assert_max_num_queries(10):
        member = get("Things", query, user=staff)
    assert anonymous == member
    streams = [s for thing in anonymous["value"] for s in thing["Datastreams"]]
    assert len(streams) == count
    assert all(s["Observations"][0]["phenomenonTime"] == "2024-05-01T11:00:00Z" for s in streams)
    assert all(s["Sensor"] == {"name": "S"} for s in streams)
    assert sum(t["Datastreams@iot.count"] for t in anonymous["value"]) == count


def test_locations_of_things_share_queries(net):
    # Two Things at a new place: each lists it once.
    place = write.create(
        "Locations", location("Postplatz", {"type": "Point", "coordinates": [13.73, 51.05]})
    )
    for thing in (net["altmarkt"], net["zwinger"]):
        write.update(thing, {"Locations": [{"@iot.id": place.pk}]})
    body = get("Things", "$select=name&$expand=Locations($select=name)")
    assert [t["Locations"] for t in body["value"]] == [[{"name": "Postplatz"}]] * 2


def test_observations_added_later_show_in_expansions(net):
    observe(net["temperature"], 25.0, "2024-05-01T13:00:00Z")
    stream = get(
        "Datastreams",
        f"$filter=id eq {net['temperature'].pk}&$expand=Observations($orderby=result desc;$top=1)",
    )
    assert stream["value"][0]["Observations"][0]["result"] == 25.0
    datastream("Empty", net["zwinger"])
    empty = get("Datastreams", "$filter=name eq 'Empty'&$expand=Observations")
    assert empty["value"][0]["Observations"] == []
