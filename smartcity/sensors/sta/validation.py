"""Checks and conversions for SensorThings 1.1 property values on the write path.

Sources: OGC 18-088 (SensorThings API Part 1: Sensing 1.1), section 8.2 (entity
properties: unitOfMeasurement, encodingType, TM_Instant / TM_Period as ISO 8601 strings);
RFC 7946 (GeoJSON) for locations, features and observed areas; RFC 8259 (JSON) for the
rule that numbers are finite.

Every failure raises :class:`STAError` with the JSON path of the offending value, so a
client learns which part of a deep insert was wrong.
"""

import math
from datetime import UTC, datetime

from django.utils.translation import gettext as _

GEOJSON_ENCODINGS = ("application/geo+json", "application/vnd.geo+json")
GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
# Depth of the coordinate nesting per geometry type (RFC 7946, section 3.1).
_COORDINATE_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


class STAError(Exception):
    """A write the SensorThings service refuses, with an HTTP status and the JSON path.

    ``str(error)`` is the message for the client: ``"Datastreams[0].unitOfMeasurement:
    must be an object with name, symbol and definition"``. ``status`` is 400 for bad
    input (including links to entities that do not exist) and 404 for an unknown entity
    set.
    """

    def __init__(self, message: str, *, status: int = 400, path: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.path = path

    def __str__(self):
        return f"{self.path}: {self.message}" if self.path else self.message


def join(path: str, name: str | int) -> str:
    """Extend a JSON path: ``join("Datastreams", 0)`` is ``"Datastreams[0]"``."""
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def check_json(value, path: str):
    """Accept any JSON value with finite numbers (NaN and Infinity are not JSON)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _check_text(value, path)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise STAError(_("must be a finite number"), path=path)
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, join(path, index))
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise STAError(_("object keys must be strings"), path=path)
            _check_text(key, path)
            check_json(item, join(path, key))
        return value
    raise STAError(_("is not a JSON value"), path=path)


def _check_text(value: str, path: str) -> str:
    # PostgreSQL refuses NUL in text and jsonb; refusing it here keeps SQLite the same.
    if "\x00" in value:
        raise STAError(_("must not contain the NUL character"), path=path)
    return value


def check_string(value, path: str, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise STAError(_("must be a string, not %(type)s") % {"type": json_type(value)}, path=path)
    if max_length is not None and len(value) > max_length:
        raise STAError(
            _("must be at most %(limit)d characters long") % {"limit": max_length}, path=path
        )
    return _check_text(value, path)


def check_object(value, path: str, *, nullable: bool = True):
    if value is None and nullable:
        return None
    if not isinstance(value, dict):
        raise STAError(
            _("must be a JSON object, not %(type)s") % {"type": json_type(value)}, path=path
        )
    return check_json(value, path)


def check_unit(value, path: str) -> dict:
    """A unitOfMeasurement: name, symbol and definition, each a string or null (8.2.4)."""
    keys = ("name", "symbol", "definition")
    if not isinstance(value, dict) or set(value) != set(keys):
        raise STAError(_("must be an object with name, symbol and definition"), path=path)
    for key in keys:
        if value[key] is not None:
            check_string(value[key], join(path, key))
    return value


def check_units(value, path: str) -> list:
    if not isinstance(value, list):
        raise STAError(_("must be an array of units of measurement"), path=path)
    return [check_unit(unit, join(path, index)) for index, unit in enumerate(value)]


def check_data_types(value, path: str) -> list:
    if not isinstance(value, list):
        raise STAError(_("must be an array of observation type URIs"), path=path)
    return [check_string(item, join(path, index)) for index, item in enumerate(value)]


def _check_position(value, path: str):
    if (
        not isinstance(value, list)
        or not 2 <= len(value) <= 3
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in value)
        or not all(math.isfinite(c) for c in value)
    ):
        raise STAError(_("must be a position: an array of 2 or 3 numbers"), path=path)


def _check_coordinates(value, depth: int, path: str):
    if depth == 0:
        _check_position(value, path)
        return
    if not isinstance(value, list):
        raise STAError(_("must be an array of coordinates"), path=path)
    for index, item in enumerate(value):
        _check_coordinates(item, depth - 1, join(path, index))


def check_geometry(value, path: str) -> dict:
    """A GeoJSON geometry object (RFC 7946, section 3.1)."""
    if not isinstance(value, dict) or value.get("type") not in GEOMETRY_TYPES:
        raise STAError(
            _("must be a GeoJSON geometry with a type among %(types)s")
            % {"types": ", ".join(GEOMETRY_TYPES)},
            path=path,
        )
    if value["type"] == "GeometryCollection":
        geometries = value.get("geometries")
        if not isinstance(geometries, list):
            raise STAError(_("must be an array of geometries"), path=join(path, "geometries"))
        for index, geometry in enumerate(geometries):
            check_geometry(geometry, join(join(path, "geometries"), index))
    else:
        if "coordinates" not in value:
            raise STAError(_("is required"), path=join(path, "coordinates"))
        _check_coordinates(
            value["coordinates"], _COORDINATE_DEPTH[value["type"]], join(path, "coordinates")
        )
    return check_json(value, path)


def check_geojson(value, path: str) -> dict:
    """A GeoJSON geometry or Feature, as Location.location and FeatureOfInterest.feature."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        if "geometry" not in value:
            raise STAError(_("is required"), path=join(path, "geometry"))
        if value["geometry"] is not None:
            check_geometry(value["geometry"], join(path, "geometry"))
        if value.get("properties") is not None:
            check_object(value["properties"], join(path, "properties"))
        return check_json(value, path)
    if not isinstance(value, dict) or value.get("type") not in GEOMETRY_TYPES:
        raise STAError(_("must be a GeoJSON geometry or Feature"), path=path)
    return check_geometry(value, path)


def parse_instant(value, path: str) -> datetime:
    """An ISO 8601 date-time with a time zone offset, returned in UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        if not isinstance(value, str):
            raise STAError(
                _("must be an ISO 8601 date-time string, not %(type)s")
                % {"type": json_type(value)},
                path=path,
            )
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise STAError(
                _("%(value)r is not an ISO 8601 date-time") % {"value": value}, path=path
            ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise STAError(
            _("%(value)r needs a time zone offset, such as Z or +01:00") % {"value": str(value)},
            path=path,
        )
    return moment.astimezone(UTC)


def parse_time(value, path: str, *, allow_instant: bool) -> tuple[datetime, datetime | None]:
    """An ISO 8601 interval ``start/end``, or an instant where allowed (end is then None)."""
    if isinstance(value, str) and "/" in value:
        start_text, _separator, end_text = value.partition("/")
        start = parse_instant(start_text, path)
        end = parse_instant(end_text, path)
        if end < start:
            raise STAError(_("the interval ends before it starts"), path=path)
        return start, end
    if not allow_instant:
        raise STAError(
            _("must be an ISO 8601 interval 'start/end', such as %(example)s")
            % {"example": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z"},
            path=path,
        )
    return parse_instant(value, path), None


def format_instant(moment: datetime | str | None) -> str | None:
    """ISO 8601 in UTC with ``Z``. A string is a UTC time as SQLite stores it
    (``2024-05-01 10:00:00[.ffffff]``), which the read engine loads unparsed."""
    if moment is None:
        return None
    if isinstance(moment, str):
        return moment.replace(" ", "T") + "Z"
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def format_time(start: datetime | None, end: datetime | None) -> str | None:
    """The ISO 8601 text of an instant (``end`` None) or an interval."""
    if start is None:
        return None
    if end is None:
        return format_instant(start)
    return f"{format_instant(start)}/{format_instant(end)}"


def check_entity_id(value, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise STAError(
            _("@iot.id must be an integer, not %(type)s") % {"type": json_type(value)}, path=path
        )
    return value
