"""Geospatial ``$filter`` functions on GeoJSON stored in JSON columns, on SQLite and PostgreSQL.

SensorThings stores geometries as GeoJSON (RFC 7946) in ``Location.location``,
``FeatureOfInterest.feature`` and the streams' ``observedArea``. The functions of OGC 18-088
section 9.3.3.5.2 (``geo.distance``, ``geo.length``, ``geo.intersects`` and the OGC Simple
Features predicates ``st_equals`` ... ``st_relate``, OGC 06-103r4 section 6.1.15) are computed:

- on **SQLite** by deterministic SQL functions registered on each connection and implemented
  with shapely (GEOS), e.g. ``sta_st_within(geojson_text, geojson_text) -> 0/1``;
- on **PostgreSQL** by PostGIS, through the ``sta_geometry(jsonb)`` function that
  :mod:`smartcity.sensors.sta.postgis` installs (GeoJSON -> geometry, SRID 4326).

Both sides read a GeoJSON geometry or a GeoJSON ``Feature`` (its ``geometry``); anything
else (other encodings, broken coordinates) counts as no geometry, so the function yields
NULL and the comparison is not true, instead of failing the whole request. Invalid
geometries (self-intersecting rings) are repaired with ``make_valid`` before a predicate,
as GEOS and PostGIS refuse predicates on them.

Distances and lengths are planar, in the units of the coordinates: degrees for WGS 84
longitude/latitude, which is how SensorThings 1.1 and FROST-Server read ``geo.distance``.
``geo.length`` measures lines; points and areas have length 0 (PostGIS ``ST_Length``).
"""

import json
from functools import lru_cache

import shapely
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, FloatField, Func
from django.db.utils import NotSupportedError

# OData / SensorThings name -> (shapely method, PostGIS function).
PREDICATES = {
    "geo.intersects": ("intersects", "ST_Intersects"),
    "st_equals": ("equals", "ST_Equals"),
    "st_disjoint": ("disjoint", "ST_Disjoint"),
    "st_touches": ("touches", "ST_Touches"),
    "st_within": ("within", "ST_Within"),
    "st_overlaps": ("overlaps", "ST_Overlaps"),
    "st_crosses": ("crosses", "ST_Crosses"),
    "st_intersects": ("intersects", "ST_Intersects"),
    "st_contains": ("contains", "ST_Contains"),
}
GEOMETRY_TYPES = frozenset(
    {
        "Point",
        "LineString",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
        "GeometryCollection",
    }
)
_CACHE_SIZE = 4096


def _position(value) -> bool:
    return (
        isinstance(value, list)
        and 2 <= len(value) <= 3
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in value)
    )


def _line(value, at_least: int = 2) -> bool:
    return isinstance(value, list) and len(value) >= at_least and all(map(_position, value))


def _ring(value) -> bool:
    return _line(value, 4) and value[0] == value[-1]


def _polygon(value) -> bool:
    return isinstance(value, list) and len(value) >= 1 and all(map(_ring, value))


def _parts(value, check) -> bool:
    return isinstance(value, list) and all(map(check, value))


_WELL_FORMED = {
    "Point": _position,
    "LineString": _line,
    "Polygon": _polygon,
    "MultiPoint": lambda v: _parts(v, _position),
    "MultiLineString": lambda v: _parts(v, _line),
    "MultiPolygon": lambda v: _parts(v, _polygon),
}


def well_formed(value) -> bool:
    """RFC 7946 section 3.1 structure: lines of 2 or more positions, closed rings of 4 or
    more. The PostGIS side (``sta_geometry``) refuses the same geometries."""
    if not isinstance(value, dict):
        return False
    kind = value.get("type")
    if kind == "GeometryCollection":
        members = value.get("geometries")
        return isinstance(members, list) and all(map(well_formed, members))
    check = _WELL_FORMED.get(kind)
    return check is not None and check(value.get("coordinates"))


def _linear_length(geometry) -> float:
    """Length of the lines in ``geometry``; points and areas count 0, as in PostGIS."""
    if geometry.geom_type in ("LineString", "MultiLineString", "LinearRing"):
        return float(geometry.length)
    if geometry.geom_type == "GeometryCollection":
        return sum(_linear_length(part) for part in geometry.geoms)
    return 0.0


@lru_cache(maxsize=_CACHE_SIZE)
def _geometry(text):
    """A valid shapely geometry from GeoJSON text, or None when it holds none."""
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not well_formed(value):
        return None
    try:
        geometry = shapely.geometry.shape(value)
        if geometry.is_empty:
            return None
        return geometry if geometry.is_valid else shapely.make_valid(geometry)
    except (shapely.errors.ShapelyError, TypeError, ValueError, IndexError, KeyError):
        return None


def _predicate(method):
    def evaluate(first, second):
        a, b = _geometry(first), _geometry(second)
        if a is None or b is None:
            return None
        return int(getattr(a, method)(b))

    return evaluate


def _relate(first, second, pattern):
    a, b = _geometry(first), _geometry(second)
    if a is None or b is None or not isinstance(pattern, str):
        return None
    try:
        return int(a.relate_pattern(b, pattern.upper()))
    except shapely.errors.ShapelyError:
        return None


def _distance(first, second):
    a, b = _geometry(first), _geometry(second)
    if a is None or b is None:
        return None
    return float(a.distance(b))


def _length(first):
    a = _geometry(first)
    return None if a is None else _linear_length(a)


def _sqlite_name(name: str) -> str:
    return "sta_" + name.replace(".", "_")


SQLITE_FUNCTIONS = {
    **{_sqlite_name(name): (2, _predicate(method)) for name, (method, _) in PREDICATES.items()},
    "sta_st_relate": (3, _relate),
    "sta_geo_distance": (2, _distance),
    "sta_geo_length": (1, _length),
}
_REGISTERED = "_sta_spatial_connection"


def register_sqlite_functions(raw_connection) -> None:
    """Register the ``sta_*`` functions on one ``sqlite3.Connection``."""
    for name, (arity, function) in SQLITE_FUNCTIONS.items():
        raw_connection.create_function(name, arity, function, deterministic=True)


def _on_connection_created(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        register_sqlite_functions(connection.connection)
        setattr(connection, _REGISTERED, connection.connection)


connection_created.connect(_on_connection_created, dispatch_uid="sta_spatial_sqlite_functions")


def _ensure_sqlite_functions(connection) -> None:
    """Register on the current connection if it was opened before this module was imported."""
    connection.ensure_connection()
    if getattr(connection, _REGISTERED, None) is not connection.connection:
        register_sqlite_functions(connection.connection)
        setattr(connection, _REGISTERED, connection.connection)


class GeoInput(Func):
    """A GeoJSON value (JSON column, JSON path or GeoJSON text) as the geometry it holds."""

    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        # The sta_* SQLite functions parse GeoJSON text themselves.
        return compiler.compile(self.get_source_expressions()[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="sta_geometry(CAST(%(expressions)s AS jsonb))",
            **extra_context,
        )

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor not in ("sqlite", "postgresql"):
            raise NotSupportedError("geospatial filters need SQLite or PostgreSQL with PostGIS")
        return super().as_sql(compiler, connection, **extra_context)


class GeoFunction(Func):
    """A geospatial function of ``GeoInput`` arguments: ``name`` is the SensorThings name."""

    def __init__(self, name: str, *expressions):
        self.sta_name = name
        output = FloatField() if name in ("geo.distance", "geo.length") else BooleanField()
        super().__init__(*expressions, output_field=output)

    def _postgis_name(self) -> str:
        if self.sta_name in PREDICATES:
            return PREDICATES[self.sta_name][1]
        return {"st_relate": "ST_Relate", "geo.distance": "ST_Distance", "geo.length": "ST_Length"}[
            self.sta_name
        ]

    def as_sqlite(self, compiler, connection, **extra_context):
        _ensure_sqlite_functions(connection)
        return self.as_sql(
            compiler, connection, function=_sqlite_name(self.sta_name), **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function=self._postgis_name(), **extra_context)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor not in ("sqlite", "postgresql"):
            raise NotSupportedError("geospatial filters need SQLite or PostgreSQL with PostGIS")
        return super().as_sql(compiler, connection, **extra_context)
