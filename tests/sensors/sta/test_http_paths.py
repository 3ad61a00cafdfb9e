"""Resource paths (OGC 18-088, section 9.2): the parser, and what a client sees for bad ones."""

import pytest

from smartcity.sensors.sta.paths import Kind, PathError, parse_entity_link, parse_path
from tests.sensors.sta.http_helpers import ROOT

pytest_plugins = ["tests.sensors.sta.http_fixtures"]


def shape(text):
    path = parse_path(text)
    return (
        path.kind.value,
        [
            (s.entity_set.name, s.navigation.name if s.navigation else None, s.key)
            for s in path.steps
        ],
        path.prop.name if path.prop else None,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("service", [], None)),
        ("Things", ("collection", [("Things", None, None)], None)),
        ("Things/", ("collection", [("Things", None, None)], None)),
        ("Things(1)", ("entity", [("Things", None, 1)], None)),
        (
            "Things(1)/Datastreams",
            ("collection", [("Things", None, 1), ("Datastreams", "Datastreams", None)], None),
        ),
        (
            "Datastreams(1)/Thing",
            ("entity", [("Datastreams", None, 1), ("Things", "Thing", None)], None),
        ),
        (
            "Datastreams(2)/ObservedProperty",
            (
                "entity",
                [("Datastreams", None, 2), ("ObservedProperties", "ObservedProperty", None)],
                None,
            ),
        ),
        ("Things(1)/name", ("property", [("Things", None, 1)], "name")),
        ("Things(1)/name/$value", ("value", [("Things", None, 1)], "name")),
        ("Things/$ref", ("ref", [("Things", None, None)], None)),
        ("Things(1)/$ref", ("ref", [("Things", None, 1)], None)),
        (
            "Things(1)/Datastreams/$ref",
            ("ref", [("Things", None, 1), ("Datastreams", "Datastreams", None)], None),
        ),
        (
            "Things(1)/Datastreams(5)",
            ("entity", [("Things", None, 1), ("Datastreams", "Datastreams", 5)], None),
        ),
        (
            "Things(1)/Datastreams(5)/Observations",
            (
                "collection",
                [
                    ("Things", None, 1),
                    ("Datastreams", "Datastreams", 5),
                    ("Observations", "Observations", None),
                ],
                None,
            ),
        ),
        (
            "Observations(7)/Datastream/Thing/Locations(3)/location/$value",
            (
                "value",
                [
                    ("Observations", None, 7),
                    ("Datastreams", "Datastream", None),
                    ("Things", "Thing", None),
                    ("Locations", "Locations", 3),
                ],
                "location",
            ),
        ),
        ("CreateObservations", ("create_observations", [], None)),
        ("$batch", ("batch", [], None)),
    ],
)
def test_every_path_shape_of_section_9_2(text, expected):
    assert shape(text) == expected


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ("Thingies", 404, "“Thingies” is not an entity set of this service; known are: Things,"),
        ("Things(1)/Sensors", 404, "“Sensors” is not a property of a Thing; known are: Locations,"),
        ("Things(1)/colour", 404, "“colour” is not a property of a Thing"),
        ("Things/name", 404, "Things is a collection; address one entity, such as Things(1)"),
        ("Things(1)/Datastreams/name", 404, "Things(1)/Datastreams is a collection"),
        (
            "Datastreams(1)/Thing(2)",
            404,
            "Thing is a single entity of a Datastream and takes no id",
        ),
        ("Things(1)/$value", 404, "“$value” is not a property of a Thing"),
        ("Things(1)/name/extra", 404, "only $value may follow the property name"),
        ("Things/$ref/name", 404, "nothing may follow $ref"),
        ("Things//Datastreams", 404, "has an empty segment"),
        ("Things(1", 404, "“Things(1” is not a valid path segment"),
        ("Things)1(", 404, "is not a valid path segment"),
        ("Things(1)(2)", 404, "is not a valid path segment"),
        ("CreateObservations/1", 404, "CreateObservations takes no further path segments"),
        (
            "Things('abc')",
            400,
            "Things('abc'): an id must be a positive integer, such as Things(1)",
        ),
        ("Things()", 400, "Things(): an id must be a positive integer"),
        ("Things(-1)", 400, "an id must be a positive integer"),
        ("Things(1.5)", 400, "an id must be a positive integer"),
        ("Things(0)", 404, "Things(0) does not exist"),
        ("Things(99999999999999999999)", 404, "does not exist"),
    ],
)
def test_bad_paths_are_refused_with_a_reason(text, status, message):
    with pytest.raises(PathError) as raised:
        parse_path(text)
    assert raised.value.status == status
    assert message in str(raised.value)


def test_an_entity_link_names_one_entity_of_an_entity_set():
    entity_set, key = parse_entity_link("Datastreams(12)")
    assert (entity_set.name, key) == ("Datastreams", 12)
    for text in ("Datastreams", "Things(1)/Datastreams(2)", "Things(1)/name", "nonsense"):
        with pytest.raises(PathError) as raised:
            parse_entity_link(text)
        assert raised.value.status == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("Thingies", 404, "“Thingies” is not an entity set of this service"),
        ("Things('x')", 400, "Things('x'): an id must be a positive integer, such as Things(1)"),
        ("Things(424242)", 404, "Things(424242) does not exist"),
        ("Things(1)/colour", 404, "“colour” is not a property of a Thing"),
    ],
)
def test_bad_paths_answer_json_detail(client, path, status, detail):
    response = client.get(f"{ROOT}/{path}")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert detail in response.json()["detail"]


@pytest.mark.django_db
def test_an_entity_of_another_parent_is_not_found(client, station):
    from tests.sensors.sta.http_helpers import new_station

    other = new_station(name="Other station")
    stream = other.datastreams.get()
    response = client.get(f"{ROOT}/Things({station.pk})/Datastreams({stream.pk})")
    assert response.status_code == 404
    assert response.json() == {
        "detail": f"Things({station.pk})/Datastreams({stream.pk}) does not exist"
    }
    own = station.datastreams.get()
    response = client.get(f"{ROOT}/Things({station.pk})/Datastreams({own.pk})")
    assert response.status_code == 200
    assert response.json()["@iot.id"] == own.pk


def test_kinds_are_the_documented_ones():
    assert {kind.value for kind in Kind} == {
        "service",
        "collection",
        "entity",
        "property",
        "value",
        "ref",
        "create_observations",
        "batch",
    }
