"""Coordinate transforms, areas and point-in-polygon tests for the city's areas.

Pure Python (pyproj, shapely), no Django: other cities and scripts can reuse it.

Coordinate reference systems:

* **WGS84 longitude/latitude** (EPSG:4326 with the GeoJSON axis order lon, lat as fixed by
  RFC 7946, section 3.1.1), in decimal degrees. Every geometry the platform stores is in it.
* **ETRS89 / UTM zone 33N** (EPSG:25833), easting and northing in metres: the official
  projected system of Saxony's surveying authority (GeoSN) and of the City of Dresden's
  geodata. Areas are computed in it.

ETRS89 and WGS84 differ by well under a metre in Germany; PROJ relates them by the null
transformation EPSG:1149 ("ETRS89 to WGS 84 (1)", accuracy 1 m), so this module treats
them as identical at metre level.

Areas are grid areas in EPSG:25833. The UTM scale factor in Dresden (about 90 km west of
the zone's central meridian 15°E) is about 0.9997, so a grid area is about 0.06 % smaller
than the ellipsoidal area (Snyder, *Map Projections: A Working Manual*, USGS Professional
Paper 1395, 1987, eq. 8-10 for the scale factor).
"""

import math
import re
from functools import cache

import shapely
from pyproj import Transformer
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

WGS84 = 4326
UTM33N = 25833
SUPPORTED_EPSG = (WGS84, UTM33N)

# Stored coordinates are rounded to 1e-7 degrees (about 1 cm on the ground).
COORDINATE_DECIMALS = 7
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


@cache
def _transformer(source_epsg: int, target_epsg: int) -> Transformer:
    # always_xy: lon/lat and easting/northing order, whatever the EPSG axis order says.
    return Transformer.from_crs(f"EPSG:{source_epsg}", f"EPSG:{target_epsg}", always_xy=True)


def check_lon_lat(lon: float, lat: float) -> None:
    """Raise ValueError unless ``lon`` is in [-180, 180] and ``lat`` in [-90, 90] degrees."""
    for label, value, limit in (("longitude", lon, 180), ("latitude", lat, 90)):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{label} must be a number, not {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{label} must be a finite number, not {value!r}")
        if not -limit <= value <= limit:
            raise ValueError(f"{label} {value} is outside -{limit}..{limit} degrees")


def to_utm33n(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 lon/lat in degrees -> ETRS89 / UTM 33N (EPSG:25833) (easting_m, northing_m)."""
    check_lon_lat(lon, lat)
    easting_m, northing_m = _transformer(WGS84, UTM33N).transform(lon, lat)
    return float(easting_m), float(northing_m)


def from_utm33n(easting_m: float, northing_m: float) -> tuple[float, float]:
    """ETRS89 / UTM 33N (EPSG:25833) easting/northing in metres -> WGS84 (lon, lat) degrees."""
    lon, lat = _transformer(UTM33N, WGS84).transform(easting_m, northing_m)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"({easting_m}, {northing_m}) is not a valid EPSG:25833 position")
    return float(lon), float(lat)


def project(geometry: BaseGeometry, source_epsg: int, target_epsg: int) -> BaseGeometry:
    """``geometry`` transformed from ``source_epsg`` to ``target_epsg`` (x, y axis order)."""
    transformer = _transformer(source_epsg, target_epsg)
    return shapely.transform(geometry, lambda x, y: transformer.transform(x, y), interleaved=False)


def area_km2(geometry: dict | BaseGeometry) -> float:
    """Area of a WGS84 Polygon/MultiPolygon in km², computed as grid area in EPSG:25833."""
    geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    return project(geom, WGS84, UTM33N).area / 1e6


def crs_epsg(feature_collection: dict) -> int:
    """The EPSG code named by a GeoJSON object's ``crs`` member; 4326 without one.

    RFC 7946 dropped ``crs`` and fixed WGS84, but files exported from GIS tools (QGIS,
    ogr2ogr) still carry the 2008 GeoJSON form ``{"type": "name", "properties":
    {"name": "urn:ogc:def:crs:EPSG::25833"}}``. Only EPSG:4326 (or OGC CRS84) and
    EPSG:25833 are accepted.
    """
    crs = feature_collection.get("crs")
    if crs is None:
        return WGS84
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            'the "crs" member must look like {"type": "name", "properties": {"name": "EPSG:25833"}}'
        )
    if re.search(r"CRS84$", name.strip(), re.IGNORECASE):
        return WGS84
    match = re.search(r"EPSG(?::[\d.]*:|:|/0/)(\d+)$", name.strip(), re.IGNORECASE)
    if match is None or int(match.group(1)) not in SUPPORTED_EPSG:
        raise ValueError(
            f"unsupported coordinate reference system {name!r}: use WGS84 (EPSG:4326) "
            "or ETRS89 / UTM 33N (EPSG:25833)"
        )
    return int(match.group(1))


def _check_position(position, where: str) -> tuple[float, float]:
    if not isinstance(position, list | tuple) or len(position) not in (2, 3):
        raise ValueError(f"{where} must be a list of 2 or 3 numbers, not {position!r}")
    for value in position:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where} holds {value!r}, which is not a number")
        if not math.isfinite(value):
            raise ValueError(f"{where} holds {value!r}, which is not a finite number")
    return float(position[0]), float(position[1])


def _check_rings(rings, where: str) -> list[list[tuple[float, float]]]:
    if not isinstance(rings, list | tuple) or not rings:
        raise ValueError(f"{where} must be a non-empty list of linear rings")
    checked = []
    for r, ring in enumerate(rings):
        ring_where = f"{where}, ring {r}"
        if not isinstance(ring, list | tuple) or len(ring) < 4:
            raise ValueError(f"{ring_where} must have at least 4 positions (RFC 7946 3.1.6)")
        positions = [_check_position(p, f"{ring_where}, position {i}") for i, p in enumerate(ring)]
        if positions[0] != positions[-1]:
            raise ValueError(f"{ring_where} is not closed: its first and last positions differ")
        checked.append(positions)
    return checked


def _check_ranges(geom: BaseGeometry, source_epsg: int) -> None:
    xs, ys = shapely.get_coordinates(geom).T
    # "not <=" also catches the NaN a failed transformation yields.
    if not ((abs(xs) <= 180).all() and (abs(ys) <= 90).all()):
        hint = (
            " (these look like projected coordinates: declare them with a crs member naming "
            "EPSG:25833)"
            if source_epsg == WGS84
            else " after transformation from EPSG:25833"
        )
        raise ValueError(f"coordinates lie outside longitude -180..180 / latitude -90..90{hint}")


def validate_geometry(geometry: object, *, source_epsg: int = WGS84) -> dict:
    """Check a GeoJSON Polygon/MultiPolygon and return it normalised in WGS84.

    ``source_epsg`` is 4326 (lon/lat degrees) or 25833 (metres, transformed to WGS84).
    Checks: the type, ring structure (at least four positions, closed), numeric finite
    positions, lon in [-180, 180] and lat in [-90, 90] degrees, OGC validity (no
    self-intersections, holes inside shells) and a non-zero area. The result has 2D
    positions rounded to 1e-7 degrees and exterior rings counter-clockwise (RFC 7946 3.1.6).
    Raises ValueError with the reason.
    """
    if not isinstance(geometry, dict):
        raise ValueError("the geometry must be a GeoJSON object")
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise ValueError(f"the geometry type must be Polygon or MultiPolygon, not {kind!r}")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        geom: BaseGeometry = shapely.Polygon(*_split(_check_rings(coordinates, "polygon")))
    else:
        if not isinstance(coordinates, list | tuple) or not coordinates:
            raise ValueError("a MultiPolygon needs a non-empty list of polygons")
        parts = [_check_rings(rings, f"polygon {i}") for i, rings in enumerate(coordinates)]
        geom = shapely.MultiPolygon([shapely.Polygon(*_split(rings)) for rings in parts])
    if source_epsg == UTM33N:
        geom = project(geom, UTM33N, WGS84)
    elif source_epsg != WGS84:
        raise ValueError(f"unsupported source EPSG code {source_epsg}")
    _check_ranges(geom, source_epsg)
    if not geom.is_valid:
        raise ValueError(f"the geometry is not valid: {explain_validity(geom)}")
    geom = shapely.set_precision(geom, 10**-COORDINATE_DECIMALS)
    if geom.is_empty or geom.area == 0:
        raise ValueError("the geometry has no area")
    if geom.geom_type not in GEOMETRY_TYPES:
        raise ValueError(f"the geometry collapses to a {geom.geom_type} at 1e-7 degrees")
    return _to_geojson(shapely.orient_polygons(geom))


def _split(rings):
    return rings[0], rings[1:]


def _round(value):
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return round(float(value), COORDINATE_DECIMALS)


def _to_geojson(geom: BaseGeometry) -> dict:
    as_dict = mapping(geom)
    return {"type": as_dict["type"], "coordinates": _round(as_dict["coordinates"])}


def to_shape(geometry: dict) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry dict (no validation; see validate_geometry)."""
    return shape(geometry)


def prepared(geometry: dict | BaseGeometry) -> BaseGeometry:
    """A shapely geometry prepared for fast repeated point tests (GEOS prepared geometry)."""
    geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    shapely.prepare(geom)
    return geom


def covers_point(geometry: BaseGeometry, lon: float, lat: float) -> bool:
    """Whether the polygon contains the WGS84 point; a point on the boundary counts as inside."""
    return bool(geometry.covers(Point(lon, lat)))
