"""The pure geometry module: transforms, areas, validation, point-in-polygon."""

import math

import pytest

from smartcity.core.geography import geo

FRAUENKIRCHE = (13.7416, 51.0519)


def utm33n_krueger(lon: float, lat: float) -> tuple[float, float]:
    """UTM zone 33 on the GRS80 ellipsoid by Krüger's series to third order in n.

    Independent of PROJ: Karney, "Transverse Mercator with an accuracy of a few
    nanometers", J. Geodesy 85 (2011), eqs. 7-11 and 35; millimetre accuracy within a zone.
    """
    a, f = 6378137.0, 1 / 298.257222101
    k0, false_easting, lon0 = 0.9996, 500000.0, math.radians(15)
    n = f / (2 - f)
    big_a = a / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    alpha = (n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16, 13 * n**2 / 48 - 3 * n**3 / 5, 61 * n**3 / 240)
    phi, dlam = math.radians(lat), math.radians(lon) - lon0
    c = 2 * math.sqrt(n) / (1 + n)
    t = math.sinh(math.atanh(math.sin(phi)) - c * math.atanh(c * math.sin(phi)))
    xi = math.atan2(t, math.cos(dlam))
    eta = math.atanh(math.sin(dlam) / math.sqrt(1 + t * t))
    easting = eta + sum(
        aj * math.cos(2 * j * xi) * math.sinh(2 * j * eta) for j, aj in enumerate(alpha, 1)
    )
    northing = xi + sum(
        aj * math.sin(2 * j * xi) * math.cosh(2 * j * eta) for j, aj in enumerate(alpha, 1)
    )
    return false_easting + k0 * big_a * easting, k0 * big_a * northing


def test_frauenkirche_in_utm33n_matches_kruegers_series_within_a_metre():
    easting, northing = geo.to_utm33n(*FRAUENKIRCHE)
    expected_e, expected_n = utm33n_krueger(*FRAUENKIRCHE)
    assert abs(easting - expected_e) < 1.0
    assert abs(northing - expected_n) < 1.0
    assert 411_700 < easting < 411_900
    assert 5_656_300 < northing < 5_656_400


def test_utm33n_round_trip_returns_the_same_point():
    lon, lat = geo.from_utm33n(*geo.to_utm33n(*FRAUENKIRCHE))
    assert lon == pytest.approx(FRAUENKIRCHE[0], abs=1e-9)
    assert lat == pytest.approx(FRAUENKIRCHE[1], abs=1e-9)


def test_to_utm33n_rejects_impossible_coordinates():
    with pytest.raises(ValueError, match="latitude 95"):
        geo.to_utm33n(13.7, 95)
    with pytest.raises(ValueError, match="finite"):
        geo.to_utm33n(float("nan"), 51.0)


def square(lon0=13.70, lat0=51.00, size=0.01):
    ring = [[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size], [lon0, lat0 + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_area_of_a_one_kilometre_square_drawn_in_utm33n():
    e0, n0 = geo.to_utm33n(*FRAUENKIRCHE)
    corners = [(e0, n0), (e0 + 1000, n0), (e0 + 1000, n0 + 1000), (e0, n0 + 1000), (e0, n0)]
    ring = [list(geo.from_utm33n(e, n)) for e, n in corners]
    assert geo.area_km2({"type": "Polygon", "coordinates": [ring]}) == pytest.approx(1.0, abs=1e-4)


def test_area_of_a_square_with_a_hole_and_a_multipolygon():
    outer = square(size=0.02)
    hole = square(13.705, 51.005, 0.01)["coordinates"][0][::-1]
    with_hole = {"type": "Polygon", "coordinates": [outer["coordinates"][0], hole]}
    expected = geo.area_km2(outer) - geo.area_km2(square(13.705, 51.005, 0.01))
    assert geo.area_km2(with_hole) == pytest.approx(expected)
    multi = {
        "type": "MultiPolygon",
        "coordinates": [square()["coordinates"], square(13.8)["coordinates"]],
    }
    assert geo.area_km2(multi) == pytest.approx(
        geo.area_km2(square()) + geo.area_km2(square(13.8)), rel=1e-3
    )
    # 0.01° × 0.01° at 51° N: 0.01 × 111.2 km north-south by 0.01 × 70.0 km east-west
    assert geo.area_km2(square()) == pytest.approx(0.78, abs=0.01)


def test_validate_geometry_normalises_a_valid_polygon():
    geometry = geo.validate_geometry(square())
    assert geometry["type"] == "Polygon"
    assert len(geometry["coordinates"][0]) == 5
    assert geo.area_km2(geometry) == pytest.approx(geo.area_km2(square()))


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ("not a geometry", "GeoJSON object"),
        ({"type": "Point", "coordinates": [13.7, 51.0]}, "Polygon or MultiPolygon, not 'Point'"),
        ({"type": "Polygon", "coordinates": []}, "non-empty list of linear rings"),
        (
            {"type": "Polygon", "coordinates": [[[13.7, 51.0], [13.8, 51.0], [13.7, 51.0]]]},
            "at least 4 positions",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[13.7, 51], [13.8, 51], [13.8, 51.1], [13.7, 51.1]]],
            },
            "not closed",
        ),
        (
            {"type": "Polygon", "coordinates": [[[13.7, 51], ["x", 51], [13.8, 51.1], [13.7, 51]]]},
            "position 1 holds 'x'",
        ),
        (square(lon0=200), "outside longitude -180..180"),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[411000, 5656000], [412000, 5656000], [412000, 5657000], [411000, 5656000]]
                ],
            },
            "projected coordinates",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[13.7, 51.0], [13.8, 51.1], [13.8, 51.0], [13.7, 51.1], [13.7, 51.0]]
                ],
            },
            "not valid: Self-intersection",
        ),
    ],
)
def test_validate_geometry_rejects_bad_geometry_with_a_reason(geometry, message):
    with pytest.raises(ValueError, match=message):
        geo.validate_geometry(geometry)


def test_validate_geometry_transforms_from_utm33n():
    e0, n0 = geo.to_utm33n(*FRAUENKIRCHE)
    ring = [[e0, n0], [e0 + 500, n0], [e0 + 500, n0 + 500], [e0, n0 + 500], [e0, n0]]
    geometry = geo.validate_geometry({"type": "Polygon", "coordinates": [ring]}, source_epsg=25833)
    assert geo.area_km2(geometry) == pytest.approx(0.25, abs=1e-4)
    assert geo.covers_point(
        geo.prepared(geometry), FRAUENKIRCHE[0] + 0.001, FRAUENKIRCHE[1] + 0.001
    )


def test_point_in_polygon_counts_the_boundary_as_inside():
    shape = geo.prepared(square())
    assert geo.covers_point(shape, 13.705, 51.005)
    assert geo.covers_point(shape, 13.70, 51.005)
    assert not geo.covers_point(shape, 13.72, 51.005)


@pytest.mark.parametrize(
    ("crs", "epsg"),
    [
        (None, 4326),
        ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}, 25833),
        ({"type": "name", "properties": {"name": "EPSG:25833"}}, 25833),
        ({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, 4326),
        (
            {"type": "name", "properties": {"name": "http://www.opengis.net/def/crs/EPSG/0/4326"}},
            4326,
        ),
    ],
)
def test_crs_member_names_a_supported_system(crs, epsg):
    data = {"type": "FeatureCollection", "features": []}
    if crs is not None:
        data["crs"] = crs
    assert geo.crs_epsg(data) == epsg


def test_crs_member_with_another_system_is_rejected():
    data = {"crs": {"type": "name", "properties": {"name": "EPSG:31468"}}}
    with pytest.raises(ValueError, match="unsupported coordinate reference system 'EPSG:31468'"):
        geo.crs_epsg(data)
