"""Geometry values of ``geography'...'`` and ``geometry'...'`` literals.

The literal body is Well-Known Text as OData 4.0 uses it (OData ABNF, rules ``fullPointLiteral``
to ``fullCollectionLiteral``; OGC 06-103r4 Simple Features for the WKT grammar), optionally
preceded by ``SRID=<digits>;``. Supported: POINT, LINESTRING, POLYGON, MULTIPOINT (with or
without parentheses around each point), MULTILINESTRING, MULTIPOLYGON and GEOMETRYCOLLECTION;
positions have two or three coordinates. Type names are case-insensitive, as WKT keywords are.

A parsed value is a ``Geometry`` whose ``coordinates`` nest like GeoJSON's (RFC 7946), so a
translator can hand ``geometry.geojson()`` or ``geometry.wkt`` to any GIS library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# GeoJSON type name -> WKT keyword.
WKT_NAMES = {
    "Point": "POINT",
    "LineString": "LINESTRING",
    "Polygon": "POLYGON",
    "MultiPoint": "MULTIPOINT",
    "MultiLineString": "MULTILINESTRING",
    "MultiPolygon": "MULTIPOLYGON",
    "GeometryCollection": "GEOMETRYCOLLECTION",
}
_TYPES_BY_WKT = {wkt: name for name, wkt in WKT_NAMES.items()}
# SRIDs are at most five digits in the OData ABNF (rule sridLiteral).
_MAX_SRID_DIGITS = 5


@dataclass(frozen=True)
class Geometry:
    """A geometry: GeoJSON ``type`` name, GeoJSON-shaped ``coordinates`` of floats (for a
    GeometryCollection: a tuple of member ``Geometry`` values) and the ``srid`` given in the
    literal, if any."""

    type: str
    coordinates: tuple
    srid: int | None = None

    def __post_init__(self) -> None:
        if self.type not in WKT_NAMES:
            raise ValueError(f"unknown geometry type {self.type!r}")

    @property
    def wkt(self) -> str:
        """Well-Known Text without the SRID, e.g. ``POINT(13.74 51.05)``."""
        return WKT_NAMES[self.type] + _wkt_body(self.type, self.coordinates)

    @property
    def ewkt(self) -> str:
        """The literal body: ``SRID=4326;POINT(...)`` when an SRID was given, else ``wkt``."""
        return f"SRID={self.srid};{self.wkt}" if self.srid is not None else self.wkt

    def geojson(self) -> dict[str, Any]:
        """The geometry as a GeoJSON object (lists instead of tuples)."""
        if self.type == "GeometryCollection":
            return {"type": self.type, "geometries": [g.geojson() for g in self.coordinates]}
        return {"type": self.type, "coordinates": _as_lists(self.coordinates)}


def _as_lists(value):
    if isinstance(value, tuple):
        return [_as_lists(item) for item in value]
    return value


def format_coordinate(value: float) -> str:
    """Shortest text that reads back as the same float."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _position_text(position: tuple) -> str:
    return " ".join(format_coordinate(c) for c in position)


def _positions_text(positions: tuple) -> str:
    return "(" + ", ".join(_position_text(p) for p in positions) + ")"


def _wkt_body(kind: str, coordinates: tuple) -> str:
    if kind == "Point":
        return "(" + _position_text(coordinates) + ")"
    if kind == "LineString":
        return _positions_text(coordinates)
    if kind == "Polygon":
        return "(" + ", ".join(_positions_text(ring) for ring in coordinates) + ")"
    if kind == "MultiPoint":
        return "(" + ", ".join("(" + _position_text(p) + ")" for p in coordinates) + ")"
    if kind == "MultiLineString":
        return "(" + ", ".join(_positions_text(line) for line in coordinates) + ")"
    if kind == "MultiPolygon":
        return "(" + ", ".join(_wkt_body("Polygon", polygon) for polygon in coordinates) + ")"
    return "(" + ", ".join(member.wkt for member in coordinates) + ")"


def is_digit(ch: str) -> bool:
    """An ASCII digit; ``str.isdigit`` also accepts '¹' or '٣', which are not OData digits."""
    return len(ch) == 1 and "0" <= ch <= "9"


class WKTSyntaxError(Exception):
    """Raised by ``parse_geometry``; ``position`` is an offset into the text it was given."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class _WKTReader:
    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.pos = start
        self.end = end

    def fail(self, message: str, position: int | None = None):
        raise WKTSyntaxError(message, self.pos if position is None else position)

    def skip_spaces(self) -> None:
        while self.pos < self.end and self.text[self.pos] in " \t":
            self.pos += 1

    def peek(self) -> str:
        self.skip_spaces()
        return self.text[self.pos] if self.pos < self.end else ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            found = self.peek()
            self.fail(f"expected {what}" + (f", found '{found}'" if found else ""))
        self.pos += 1

    def word(self) -> str:
        self.skip_spaces()
        start = self.pos
        while self.pos < self.end and self.text[self.pos].isalpha():
            self.pos += 1
        return self.text[start : self.pos]

    def number(self) -> float:
        self.skip_spaces()
        start = self.pos
        text, end = self.text, self.end
        if self.pos < end and text[self.pos] in "+-":
            self.pos += 1
        digits_start = self.pos
        while self.pos < end and is_digit(text[self.pos]):
            self.pos += 1
        if self.pos == digits_start:
            found = text[self.pos] if self.pos < end else ""
            self.fail("expected a coordinate" + (f", found '{found}'" if found else ""))
        if self.pos < end and text[self.pos] == ".":
            self.pos += 1
            fraction_start = self.pos
            while self.pos < end and is_digit(text[self.pos]):
                self.pos += 1
            if self.pos == fraction_start:
                self.fail("expected digits after '.' in a coordinate")
        if self.pos < end and text[self.pos] in "eE":
            self.pos += 1
            if self.pos < end and text[self.pos] in "+-":
                self.pos += 1
            exponent_start = self.pos
            while self.pos < end and is_digit(text[self.pos]):
                self.pos += 1
            if self.pos == exponent_start:
                self.fail("expected digits in the exponent of a coordinate")
        value = float(text[start : self.pos])
        if not math.isfinite(value):
            self.fail("coordinate out of range", start)
        return value

    def position(self) -> tuple[float, ...]:
        start = self.pos
        values = [self.number(), self.number()]
        while self.peek() not in ("", ",", ")"):
            values.append(self.number())
        if len(values) > 3:
            self.fail(f"a position has 2 or 3 coordinates, found {len(values)}", start)
        return tuple(values)

    def positions(self, at_least: int, what: str) -> tuple[tuple[float, ...], ...]:
        start = self.pos
        self.expect("(", "'(' before the positions of a " + what)
        items = [self.position()]
        while self.peek() == ",":
            self.pos += 1
            items.append(self.position())
        self.expect(")", "',' or ')' after a position")
        if len(items) < at_least:
            self.fail(f"a {what} needs at least {at_least} positions, found {len(items)}", start)
        return tuple(items)

    def ring(self) -> tuple[tuple[float, ...], ...]:
        start = self.pos
        ring = self.positions(4, "polygon ring")
        if ring[0] != ring[-1]:
            self.fail("a polygon ring must end at the position where it starts", start)
        return ring

    def listed(self, item, one: str, many: str) -> tuple:
        self.expect("(", f"'(' before the {many}")
        items = [item()]
        while self.peek() == ",":
            self.pos += 1
            items.append(item())
        self.expect(")", f"',' or ')' after a {one}")
        return tuple(items)

    def multipoint_member(self) -> tuple[float, ...]:
        # WKT writes MULTIPOINT((1 2), (3 4)); many clients write MULTIPOINT(1 2, 3 4).
        if self.peek() == "(":
            self.pos += 1
            position = self.position()
            self.expect(")", "')' after a point")
            return position
        return self.position()

    def geometry(self, depth: int = 0) -> Geometry:
        self.skip_spaces()
        start = self.pos
        keyword = self.word().upper()
        kind = _TYPES_BY_WKT.get(keyword)
        if kind is None:
            names = ", ".join(WKT_NAMES.values())
            shown = keyword or (self.text[self.pos] if self.pos < self.end else "")
            self.fail(f"expected a geometry type ({names}), found '{shown}'", start)
        if self.peek() != "(":
            if self.text[self.pos : self.end].lstrip(" \t").upper().startswith("EMPTY"):
                self.fail("empty geometries are not supported")
            self.fail(f"expected '(' after {keyword}")
        if kind == "Point":
            self.expect("(", "'('")
            coordinates: tuple = self.position()
            self.expect(")", "')' after the point's position")
        elif kind == "LineString":
            coordinates = self.positions(2, "line string")
        elif kind == "Polygon":
            coordinates = self.listed(self.ring, "polygon ring", "polygon rings")
        elif kind == "MultiPoint":
            coordinates = self.listed(self.multipoint_member, "point", "points")
        elif kind == "MultiLineString":
            coordinates = self.listed(
                lambda: self.positions(2, "line string"), "line string", "line strings"
            )
        elif kind == "MultiPolygon":
            coordinates = self.listed(
                lambda: self.listed(self.ring, "polygon ring", "polygon rings"),
                "polygon",
                "polygons",
            )
        else:
            if depth >= 1:
                self.fail("a GEOMETRYCOLLECTION cannot contain another one", start)
            coordinates = self.listed(lambda: self.geometry(depth + 1), "geometry", "geometries")
        return Geometry(kind, coordinates)


def parse_geometry(text: str, start: int = 0, end: int | None = None) -> Geometry:
    """Parse ``[SRID=n;]WKT`` in ``text[start:end]``; raises ``WKTSyntaxError``."""
    reader = _WKTReader(text, start, len(text) if end is None else end)
    srid = None
    reader.skip_spaces()
    if text[reader.pos : reader.end][:5].upper() == "SRID=":
        reader.pos += 5
        digits_start = reader.pos
        while reader.pos < reader.end and is_digit(text[reader.pos]):
            reader.pos += 1
        digits = text[digits_start : reader.pos]
        if not digits:
            reader.fail("expected the SRID number after 'SRID='")
        if len(digits) > _MAX_SRID_DIGITS:
            reader.fail("an SRID has at most 5 digits", digits_start)
        srid = int(digits)
        if reader.pos >= reader.end or text[reader.pos] != ";":
            reader.fail("expected ';' after the SRID")
        reader.pos += 1
    geometry = reader.geometry()
    if reader.peek():
        reader.fail(f"unexpected '{reader.peek()}' after the geometry")
    if srid is not None:
        geometry = Geometry(geometry.type, geometry.coordinates, srid)
    return geometry
