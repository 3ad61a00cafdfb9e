"""The approximate Dresden demo areas: complete, tiling the city, loaded idempotently."""

import json
from itertools import combinations

import pytest
import shapely

from smartcity.core.geography import demo, demo_geometry, geo, services
from smartcity.core.geography.models import Area

STADTBEZIRKE = {
    "Altstadt": "00", "Neustadt": "10", "Pieschen": "20", "Klotzsche": "30", "Loschwitz": "40",
    "Blasewitz": "50", "Leuben": "60", "Prohlis": "70", "Plauen": "80", "Cotta": "90",
}  # fmt: skip
ORTSCHAFTEN = {
    "Altfranken", "Cossebaude", "Gompitz", "Langebrück", "Mobschatz", "Oberwartha",
    "Schönborn", "Schönfeld-Weißig", "Weixdorf",
}  # fmt: skip


@pytest.fixture(scope="module")
def committed():
    return json.loads(demo_geometry.DATA_FILE.read_text(encoding="utf-8"))


def test_committed_file_has_the_city_ten_stadtbezirke_and_nine_ortschaften(committed):
    props = [f["properties"] for f in committed["features"]]
    assert [(p["name"], p["code"]) for p in props if p["kind"] == "city"] == [
        ("Dresden", "14612000")
    ]
    assert {p["name"]: p["code"] for p in props if p["kind"] == "stadtbezirk"} == STADTBEZIRKE
    assert {p["name"] for p in props if p["kind"] == "ortschaft"} == ORTSCHAFTEN
    assert all(p["is_demo"] is True and p["source"] == "approximate demo geometry" for p in props)


def test_committed_file_passes_the_generators_own_checks(committed):
    assert demo_geometry.check(committed) == []


def test_districts_tile_the_city_without_overlap_or_gap(committed):
    shapes = {f["properties"]["name"]: geo.to_shape(f["geometry"]) for f in committed["features"]}
    city = shapes.pop("Dresden")
    assert len(shapes) == 19
    for (a, shape_a), (b, shape_b) in combinations(shapes.items(), 2):
        assert shape_a.intersection(shape_b).area == 0, f"{a} overlaps {b}"
    union = shapely.union_all(list(shapes.values()))
    assert city.symmetric_difference(union).area == pytest.approx(0, abs=1e-12)
    total = sum(geo.area_km2(s) for s in shapes.values())
    assert total == pytest.approx(328.5, abs=5)
    assert geo.area_km2(city) == pytest.approx(total, rel=1e-9)


def test_each_centre_lies_in_its_own_area(committed):
    shapes = {f["properties"]["name"]: geo.to_shape(f["geometry"]) for f in committed["features"]}
    for name, _kind, _code, (lon, lat) in demo_geometry.CENTRES:
        inside = [n for n, s in shapes.items() if n != "Dresden" and geo.covers_point(s, lon, lat)]
        assert inside == [name]


def test_generator_reproduces_the_committed_areas(committed):
    rebuilt = {f["properties"]["name"]: f for f in demo_geometry.build()["features"]}
    for feature in committed["features"]:
        name = feature["properties"]["name"]
        assert geo.area_km2(rebuilt[name]["geometry"]) == pytest.approx(
            geo.area_km2(feature["geometry"]), abs=1e-6
        )


def test_loading_creates_twenty_demo_areas_with_cached_area(demo_areas):
    assert demo_areas == "20 demo areas (1 city, 10 Stadtbezirke, 9 Ortschaften)"
    assert Area.objects.count() == 20
    assert Area.objects.filter(is_demo=True).count() == 20
    altstadt = Area.objects.get(slug="altstadt")
    assert altstadt.code == "00"
    assert altstadt.kind == Area.Kind.STADTBEZIRK
    assert altstadt.area_km2 == pytest.approx(geo.area_km2(altstadt.geometry))
    assert Area.objects.get(name="Schönfeld-Weißig").slug == "schoenfeld-weissig"
    assert services.city_boundary().area_km2 == pytest.approx(328.5, abs=5)


def test_loading_twice_changes_nothing(demo_areas):
    before = {a.slug: (a.pk, a.updated_at) for a in Area.objects.all()}
    assert demo.load() == demo_areas
    assert {a.slug: (a.pk, a.updated_at) for a in Area.objects.all()} == before


def test_loading_repairs_a_changed_demo_area(demo_areas):
    Area.objects.filter(slug="cotta").update(name="Kotta", code="99")
    demo.load()
    cotta = Area.objects.get(slug="cotta")
    assert (cotta.name, cotta.code) == ("Cotta", "90")


def test_loading_keeps_official_areas_of_a_kind(demo_areas):
    Area.objects.exclude(kind=Area.Kind.CITY).exclude(slug="altfranken").delete()
    official = Area.objects.get(slug="altfranken")
    official.is_demo, official.source = False, "official.geojson"
    official.save()
    summary = demo.load()
    assert summary == "11 demo areas (1 city, 10 Stadtbezirke); official areas kept for: ortschaft"
    assert Area.objects.filter(kind=Area.Kind.STADTBEZIRK).count() == 10
    assert Area.objects.filter(kind=Area.Kind.ORTSCHAFT).count() == 1
    assert Area.objects.get(slug="altfranken").source == "official.geojson"
