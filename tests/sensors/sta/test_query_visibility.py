"""Private Things (the hospital's meter) and everything that hangs off them are hidden from
everyone but members of their organisation and platform admins: in collections, through
navigation, in $expand, in $filter, in $count and in data arrays."""

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.sta import write
from smartcity.sensors.sta.entities import ENTITY_SETS
from smartcity.sensors.sta.query import visible
from tests.sensors.sta.read_helpers import datastream, get, names, network, observe

pytestmark = pytest.mark.django_db

PRIVATE = {
    "Things": "Stromzähler Klinikum",
    "Datastreams": "Energy Klinikum",
    "Locations": "Klinikum Keller",
    "Sensors": "Meter EMH",
    "ObservedProperties": "Electric energy",
    "FeaturesOfInterest": "Klinikum Keller",
}
OUTSIDERS = ("anonymous", "citizen")
INSIDERS = ("staff", "department_admin", "platform_admin")


@pytest.fixture
def net(department):
    net = network(department)
    # The hospital also measures room temperature with the public stations' sensor type.
    room = datastream("Room temperature Klinikum", net["klinikum"])
    observe(room, 22.0, "2024-05-01T10:00:00Z")
    net["room"] = room
    return net


@pytest.mark.parametrize("entity_set", sorted(PRIVATE))
def test_named_entities(net, users, entity_set):
    for role, user in users.items():
        shown = names(get(entity_set, user=user))
        assert (PRIVATE[entity_set] in shown) == (role in INSIDERS), (role, shown)
    # Shared entities stay visible: the temperature sensor type and property are used by
    # public stations too.
    if entity_set in ("Sensors", "ObservedProperties"):
        assert {"DS18B20", "Air temperature"} & set(names(get(entity_set)))


def test_observations_and_historical_locations(net, users):
    for role, user in users.items():
        results = [o["result"] for o in get("Observations", user=user)["value"]]
        assert (1200 in results) == (role in INSIDERS)
        assert (22.0 in results) == (role in INSIDERS)
        count = get("Observations", "$count=true&$top=0", user=user)["@iot.count"]
        assert count == (12 if role in INSIDERS else 9)
        history = get("HistoricalLocations", "$count=true", user=user)["@iot.count"]
        assert history == (3 if role in INSIDERS else 2)


def test_unused_entities_are_public(net):
    write.create(
        "Sensors",
        {"name": "Spare", "description": "in stock", "encodingType": "text/plain", "metadata": "-"},
    )
    write.create(
        "Locations",
        {"name": "Depot", "description": "store", "encodingType": "text/plain", "location": "x"},
    )
    assert "Spare" in names(get("Sensors"))
    assert "Depot" in names(get("Locations"))


def test_navigation_collections(net, users):
    klinikum = net["klinikum"]
    for role, user in users.items():
        streams = visible(klinikum.datastreams.all(), ENTITY_SETS["Datastreams"], user)
        single = visible(m.Thing.objects.filter(pk=klinikum.pk), ENTITY_SETS["Things"], user)
        assert (streams.count() == 2) == (role in INSIDERS)
        assert single.exists() == (role in INSIDERS)
    sensor = m.Sensor.objects.get(name="DS18B20")
    shown = get("Datastreams", queryset=sensor.datastreams.all())
    assert names(shown) == ["Air temperature Altmarkt", "Air temperature Zwinger"]


def test_no_leak_through_expand(net, staff):
    query = "$select=name&$expand=Datastreams($select=name;$expand=Observations($select=result))"
    public = get("Sensors", "$filter=name eq 'DS18B20'&" + query)
    assert [d["name"] for d in public["value"][0]["Datastreams"]] == [
        "Air temperature Altmarkt",
        "Air temperature Zwinger",
    ]
    inside = get("Sensors", "$filter=name eq 'DS18B20'&" + query, user=staff)
    assert [d["name"] for d in inside["value"][0]["Datastreams"]] == [
        "Air temperature Altmarkt",
        "Air temperature Zwinger",
        "Room temperature Klinikum",
    ]
    counted = get("ObservedProperties", "$expand=Datastreams($count=true;$top=0)")
    air = next(p for p in counted["value"] if p["name"] == "Air temperature")
    assert air["Datastreams@iot.count"] == 2


def test_shared_location_and_feature(net, users):
    altmarkt = net["altmarkt"].locations.get()
    write.update(net["klinikum"], {"Locations": [{"@iot.id": altmarkt.pk}]})
    feature = m.FeatureOfInterest.objects.get(name="Altmarkt")
    write.create(
        "Observations",
        {
            "phenomenonTime": "2024-05-01T13:00:00Z",
            "result": 999,
            "Datastream": {"@iot.id": net["energy"].pk},
            "FeatureOfInterest": {"@iot.id": feature.pk},
        },
    )
    for role, user in users.items():
        inside = role in INSIDERS
        place = get(
            "Locations", "$filter=name eq 'Altmarkt'&$expand=Things($select=name)", user=user
        )
        things = [t["name"] for t in place["value"][0]["Things"]]
        assert ("Stromzähler Klinikum" in things) == inside
        # Not through a filter on the private Thing's name either.
        found = names(get("Locations", "$filter=Things/name eq 'Stromzähler Klinikum'", user=user))
        assert found == (["Altmarkt"] if inside else [])
        features = get(
            "FeaturesOfInterest",
            "$filter=name eq 'Altmarkt'&$expand=Observations($select=result;$orderby=result desc)",
            user=user,
        )
        results = [o["result"] for o in features["value"][0]["Observations"]]
        assert (999 in results) == inside
        assert names(
            get("FeaturesOfInterest", "$filter=Observations/result eq 999", user=user)
        ) == (["Altmarkt"] if inside else [])
        history = get(
            "Locations", "$filter=name eq 'Altmarkt'&$expand=HistoricalLocations", user=user
        )
        assert len(history["value"][0]["HistoricalLocations"]) == (2 if inside else 1)


@pytest.mark.parametrize(
    ("entity_set", "query"),
    [
        ("Datastreams", "$filter=Thing/name eq 'Stromzähler Klinikum'"),
        ("Observations", "$filter=Datastream/Thing/name eq 'Stromzähler Klinikum'"),
        ("Observations", "$filter=result ge 1200"),
        ("Sensors", "$filter=Datastreams/Thing/name eq 'Stromzähler Klinikum'"),
        ("ObservedProperties", "$filter=Datastreams/name eq 'Room temperature Klinikum'"),
        ("Things", "$filter=Datastreams/Observations/result eq 22"),
        ("Things", "$filter=substringof('Klinikum', name)"),
        ("Locations", "$filter=HistoricalLocations/Thing/name eq 'Stromzähler Klinikum'"),
    ],
)
def test_no_leak_through_filters(net, citizen, staff, entity_set, query):
    assert get(entity_set, query, user=citizen)["value"] == []
    assert get(entity_set, query)["value"] == []
    assert get(entity_set, query, user=staff)["value"] != []


def test_no_leak_through_data_arrays(net, staff):
    def values(user):
        body = get("Observations", "$resultFormat=dataArray&$select=result", user=user)
        return [row[0] for group in body["value"] for row in group["dataArray"]]

    assert 1200 not in values(None)
    assert 1200 in values(staff)


def test_other_organisations_members_are_outsiders(net, other_department):
    from smartcity.core.accounts.models import Membership
    from tests.conftest import make_user

    neighbour = make_user("neighbour@example.org")
    Membership.objects.create(
        user=neighbour, organisation=other_department, role=Membership.Role.STAFF
    )
    assert "Stromzähler Klinikum" not in names(get("Things", user=neighbour))
