"""Geospatial $filter functions (OGC 18-088 section 9.3.3.5.2) on GeoJSON Locations and
Features, on SQLite (shapely) and PostgreSQL (PostGIS)."""

import pytest
from django.db import connection

from smartcity.sensors import models as m
from smartcity.sensors.sta import postgis, write
from tests.sensors.sta.read_helpers import get, location, names, network

pytestmark = pytest.mark.django_db

# Around the old town: contains Altmarkt (13.7373 51.0504), Zwinger (13.7340 51.0530) and
# the Frauenkirche (13.7386 51.0519), not the Großer Garten or the hospital.
OLD_TOWN = "POLYGON((13.73 51.04, 13.74 51.04, 13.74 51.06, 13.73 51.06, 13.73 51.04))"
# A small box around Altmarkt only.
ALTMARKT_BOX = (
    "POLYGON((13.737 51.050, 13.738 51.050, 13.738 51.051, 13.737 51.051, 13.737 51.050))"
)
GARDEN = [[13.75, 51.03], [13.78, 51.03], [13.78, 51.045], [13.75, 51.045], [13.75, 51.03]]


@pytest.fixture(scope="module", autouse=True)
def _postgis(django_db_setup, django_db_blocker):
    """The test database gets what the InstallPostGIS migration operation installs (once
    it is part of the sensors migrations this is a no-op)."""
    with django_db_blocker.unblock():
        postgis.install(connection)


@pytest.fixture
def places(department):
    net = network(department)
    write.create(
        "Locations",
        location("Großer Garten", {"type": "Polygon", "coordinates": [GARDEN]}),
    )
    write.create(
        "Locations",
        location(
            "Elberadweg", {"type": "LineString", "coordinates": [[13.70, 51.06], [13.73, 51.06]]}
        ),
    )
    write.create(
        "Locations",
        {
            "name": "Frauenkirche",
            "description": "A GeoJSON Feature",
            "encodingType": "application/vnd.geo+json",
            "location": {
                "type": "Feature",
                "properties": {"built": 1743},
                "geometry": {"type": "Point", "coordinates": [13.7386, 51.0519]},
            },
        },
    )
    write.create(
        "Locations",
        {
            "name": "Described only",
            "description": "Not GeoJSON",
            "encodingType": "text/plain",
            "location": "next to the bakery",
        },
    )
    # Rows the write path would refuse, as old data or other tools may leave them: a
    # self-intersecting ring (repaired before use) and a ring of two points (ignored).
    m.Location.objects.create(
        name="Bow tie",
        description="invalid polygon",
        location={
            "type": "Polygon",
            "coordinates": [
                [
                    [13.731, 51.041],
                    [13.739, 51.049],
                    [13.739, 51.041],
                    [13.731, 51.049],
                    [13.731, 51.041],
                ]
            ],
        },
    )
    m.Location.objects.create(
        name="Broken",
        description="malformed polygon",
        location={"type": "Polygon", "coordinates": [[[13.735, 51.05], [13.736, 51.05]]]},
    )
    m.Location.objects.create(
        name="Open ring",
        description="a ring that does not end where it starts",
        location={
            "type": "Polygon",
            "coordinates": [[[13.735, 51.05], [13.736, 51.05], [13.736, 51.051], [13.735, 51.051]]],
        },
    )
    m.Location.objects.create(
        name="One-point line",
        description="malformed line",
        location={"type": "LineString", "coordinates": [[13.735, 51.05]]},
    )
    return net


def locations(query: str, **kwargs) -> list[str]:
    return sorted(names(get("Locations", "$filter=" + query, **kwargs)))


INSIDE = ["Altmarkt", "Bow tie", "Frauenkirche", "Zwinger"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"st_within(location, geography'{OLD_TOWN}')", INSIDE),
        (f"st_intersects(location, geography'{OLD_TOWN}')", sorted([*INSIDE, "Elberadweg"])),
        (f"geo.intersects(location, geometry'{OLD_TOWN}')", sorted([*INSIDE, "Elberadweg"])),
        (f"st_contains(geography'{OLD_TOWN}', location)", INSIDE),
        (f"st_within(location, geography'SRID=4326;{OLD_TOWN}')", INSIDE),
        (
            f"st_disjoint(location, geography'{ALTMARKT_BOX}')",
            ["Bow tie", "Elberadweg", "Frauenkirche", "Großer Garten", "Zwinger"],
        ),
        ("st_equals(location, geography'POINT(13.7373 51.0504)')", ["Altmarkt"]),
        ("st_touches(location, geography'LINESTRING(13.7373 51.0504, 13.75 51.06)')", ["Altmarkt"]),
        (
            "st_crosses(geography'LINESTRING(13.74 51.04, 13.76 51.04)', location)",
            ["Großer Garten"],
        ),
        (
            "st_overlaps(location, geography'POLYGON((13.77 51.04, 13.79 51.04, 13.79 51.05, "
            "13.77 51.05, 13.77 51.04))')",
            ["Großer Garten"],
        ),
        (f"st_relate(location, geography'{OLD_TOWN}', 'T********')", INSIDE),
        (f"st_relate(location, geography'{OLD_TOWN}', 't*f**f***')", INSIDE),
        ("geo.distance(location, geography'POINT(13.7373 51.0504)') lt 0.001", ["Altmarkt"]),
        (
            "geo.distance(location, geography'POINT(13.7373 51.0504)') gt 0.004 and "
            "geo.distance(location, geography'POINT(13.7373 51.0504)') lt 0.005",
            ["Zwinger"],
        ),
        ("geo.length(location) gt 0.02", ["Elberadweg"]),
        ("geo.length(location) eq 0", sorted([*INSIDE, "Großer Garten"])),
        (f"not st_within(location, geography'{OLD_TOWN}')", ["Elberadweg", "Großer Garten"]),
        ("location eq null", []),
    ],
)
def test_geometry_functions(places, query, expected):
    assert locations(query) == expected


def test_geo_filters_through_navigation(places):
    within = f"st_within(Locations/location, geography'{OLD_TOWN}')"
    assert sorted(names(get("Things", "$filter=" + within))) == [
        "Weather station Altmarkt",
        "Weather station Zwinger",
    ]
    body = get(
        "Observations",
        f"$filter=st_within(FeatureOfInterest/feature, geography'{ALTMARKT_BOX}')",
    )
    assert [o["result"] for o in body["value"]] == [
        18.5,
        True,
        "ok",
        21.0,
        False,
        23.5,
        "maintenance",
    ]
    assert (
        get("Datastreams", f"$filter=st_within(observedArea, geography'{OLD_TOWN}')")["value"] == []
    )


def test_private_locations_stay_hidden_from_geo_filters(places, staff):
    everywhere = "POLYGON((0 0, 20 0, 20 60, 0 60, 0 0))"
    query = f"st_within(location, geography'{everywhere}')"
    assert "Klinikum Keller" not in locations(query)
    assert "Klinikum Keller" in locations(query, user=staff)


def test_geo_functions_on_json_paths(places):
    thing = write.create(
        "Things",
        {
            "name": "Flood gauge",
            "description": "Area in its properties",
            "properties": {"area": {"type": "Polygon", "coordinates": [GARDEN]}},
        },
    )
    found = get("Things", "$filter=st_contains(properties/area, geography'POINT(13.76 51.04)')")
    assert [t["@iot.id"] for t in found["value"]] == [thing.pk]
