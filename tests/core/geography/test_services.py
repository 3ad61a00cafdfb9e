"""Services other apps use: areas_geojson, area_at, is_in_city, import_areas."""

import copy

import pytest

from smartcity.core.geography import geo, services
from smartcity.core.geography.models import Area

FRAUENKIRCHE = (13.7416, 51.0519)
LOUISENSTRASSE = (13.7545, 51.0675)  # Äußere Neustadt
BRANDENBURGER_TOR = (13.3777, 52.5163)  # Berlin


def box(lon0, lat0, size=0.01):
    ring = [[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size], [lon0, lat0 + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def feature(name, kind, geometry, code=""):
    return {
        "type": "Feature",
        "properties": {"name": name, "kind": kind, "code": code},
        "geometry": geometry,
    }


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_areas_geojson_without_areas_is_an_empty_collection(db):
    assert services.areas_geojson() == {"type": "FeatureCollection", "features": []}


def test_areas_geojson_lists_every_area_in_order(demo_areas):
    data = services.areas_geojson()
    names = [f["properties"]["name"] for f in data["features"]]
    assert len(names) == 20
    assert names[:3] == ["Dresden", "Altstadt", "Neustadt"]
    assert names[10] == "Cotta" and names[11] == "Altfranken"
    altstadt = data["features"][1]
    assert altstadt["geometry"]["type"] == "Polygon"
    assert altstadt["properties"] == {
        "name": "Altstadt",
        "slug": "altstadt",
        "kind": "stadtbezirk",
        "code": "00",
        "area_km2": round(Area.objects.get(slug="altstadt").area_km2, 2),
        "is_demo": True,
        "url": "/districts/altstadt/",
    }


def test_areas_geojson_filters_by_kind(demo_areas):
    assert len(services.areas_geojson(kinds=["ortschaft"])["features"]) == 9
    assert len(services.areas_geojson(kinds="city")["features"]) == 1
    with pytest.raises(ValueError, match="unknown area kind"):
        services.areas_geojson(kinds=["quarter"])


def test_area_at_finds_altstadt_and_neustadt(demo_areas):
    assert services.area_at(*FRAUENKIRCHE).name == "Altstadt"
    assert services.area_at(*LOUISENSTRASSE).name == "Neustadt"
    assert services.is_in_city(*FRAUENKIRCHE)


def test_area_at_outside_the_city_is_none(demo_areas):
    assert services.area_at(*BRANDENBURGER_TOR) is None
    assert not services.is_in_city(*BRANDENBURGER_TOR)


def test_area_at_rejects_invalid_coordinates(demo_areas):
    with pytest.raises(ValueError, match="latitude 91"):
        services.area_at(13.7, 91)


def test_area_at_without_areas_is_none(db):
    assert services.area_at(*FRAUENKIRCHE) is None
    assert services.city_boundary() is None
    assert not services.is_in_city(*FRAUENKIRCHE)


def test_area_at_sees_changed_geometry_at_once(demo_areas):
    assert services.area_at(*FRAUENKIRCHE).name == "Altstadt"
    altstadt = Area.objects.get(slug="altstadt")
    altstadt.geometry = box(13.60, 51.00)
    altstadt.save()
    assert services.area_at(*FRAUENKIRCHE) is None
    assert services.area_at(13.605, 51.005).name == "Altstadt"
    Area.objects.get(slug="altstadt").delete()
    assert services.area_at(13.605, 51.005) is None


def test_utm_helpers_are_available_from_services():
    assert services.to_utm33n is geo.to_utm33n
    assert services.from_utm33n is geo.from_utm33n


def test_import_replaces_areas_of_the_imported_kind_only(demo_areas):
    data = collection(
        feature("Altstadt", "stadtbezirk", box(13.73, 51.04), "00"),
        feature("Neustadt", "Stadtbezirk", box(13.75, 51.06), "10"),
    )
    summary = services.import_areas(data, source="official.geojson")
    assert summary.updated == ["Altstadt", "Neustadt"]
    assert summary.created == []
    assert len(summary.removed) == 8 and "Cotta" in summary.removed
    assert Area.objects.filter(kind="stadtbezirk").count() == 2
    assert Area.objects.filter(kind="ortschaft").count() == 9
    altstadt = Area.objects.get(slug="altstadt")
    assert (altstadt.is_demo, altstadt.source) == (False, "official.geojson")
    assert altstadt.area_km2 == pytest.approx(geo.area_km2(box(13.73, 51.04)))


def test_import_without_replace_keeps_other_areas(demo_areas):
    data = collection(feature("Kaditz", "stadtbezirk", box(13.68, 51.08)))
    summary = services.import_areas(data, replace=False)
    assert (summary.created, summary.removed) == (["Kaditz"], [])
    assert Area.objects.filter(kind="stadtbezirk").count() == 11


def test_import_names_every_bad_feature_and_writes_nothing(demo_areas):
    open_ring = copy.deepcopy(box(13.7, 51.0))
    open_ring["coordinates"][0].pop()
    data = collection(
        feature("Altstadt", "stadtbezirk", box(13.73, 51.04)),
        feature("Neustadt", "quarter", box(13.75, 51.06)),
        feature("Pieschen", "stadtbezirk", open_ring),
        feature("", "stadtbezirk", box(13.76, 51.06)),
        feature("Altstadt", "stadtbezirk", box(13.77, 51.06)),
    )
    with pytest.raises(ValueError) as error:
        services.import_areas(data)
    message = str(error.value)
    assert message.startswith("4 problem(s) in the data:")
    assert "feature 1 (Neustadt): kind 'quarter' (property 'kind') is not one of" in message
    assert "feature 2 (Pieschen): polygon, ring 0 is not closed" in message
    assert "feature 3: no name in property 'name'" in message
    assert "feature 4 (Altstadt): same name as feature 0" in message
    assert Area.objects.filter(is_demo=True).count() == 20


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not a GeoJSON FeatureCollection"),
        ({"type": "FeatureCollection", "features": []}, "has no features"),
        ({"type": "Feature"}, "not a GeoJSON FeatureCollection"),
    ],
)
def test_import_rejects_data_that_is_no_feature_collection(db, data, message):
    with pytest.raises(ValueError, match=message):
        services.import_areas(data)


def test_import_rejects_two_cities_and_reserved_names(db):
    data = collection(
        feature("Dresden", "city", box(13.7, 51.0)),
        feature("Dresden 2", "city", box(13.8, 51.0)),
        feature("Lookup", "ortschaft", box(13.9, 51.0)),
    )
    with pytest.raises(ValueError) as error:
        services.import_areas(data)
    assert "feature 2 (Lookup): the name 'Lookup' is reserved" in str(error.value)
    assert "more than one feature has the kind city" in str(error.value)


def test_dry_run_reports_and_changes_nothing(demo_areas):
    before = list(Area.objects.values_list("slug", "updated_at"))
    data = collection(feature("Altstadt", "stadtbezirk", box(13.73, 51.04)))
    summary = services.import_areas(data, dry_run=True)
    assert summary.updated == ["Altstadt"] and len(summary.removed) == 9
    assert str(summary).startswith("dry run, nothing changed: would be 0 created, 1 updated")
    assert list(Area.objects.values_list("slug", "updated_at")) == before


def test_import_does_not_turn_an_area_into_another_kind(demo_areas):
    data = collection(feature("Dresden", "stadtbezirk", box(13.73, 51.04)))
    with pytest.raises(
        ValueError, match="'Dresden' is a stadtbezirk in the data, but the existing"
    ):
        services.import_areas(data)
    assert services.city_boundary().name == "Dresden"
    assert Area.objects.filter(kind="stadtbezirk").count() == 10
