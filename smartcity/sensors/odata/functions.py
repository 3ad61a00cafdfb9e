"""The built-in functions of SensorThings API 1.1 ``$filter`` and their signatures.

Source: OGC 18-088 (SensorThings API Part 1: Sensing 1.1), section 9.3.3.5.2, table "Built-in
query functions", whose string, date, math and geospatial functions come from OData 4.0 Part 2
(URL Conventions), section 5.1.1.4 "Canonical Functions", and OGC Simple Features (06-104r4)
for the ``st_*`` predicates. Types are the static types of ``typecheck``.
"""

from __future__ import annotations

from dataclasses import dataclass

BOOLEAN = "boolean"
NUMBER = "number"
STRING = "string"
DATETIME = "datetime"
DATE = "date"
TIME = "time"
DURATION = "duration"
GEO = "geometry"
NULL = "null"
ANY = "any"


@dataclass(frozen=True)
class Signature:
    """``params`` lists the accepted static types per parameter; the last ``optional``
    parameters may be left out."""

    params: tuple[frozenset[str], ...]
    returns: str
    optional: int = 0

    @property
    def min_args(self) -> int:
        return len(self.params) - self.optional

    @property
    def max_args(self) -> int:
        return len(self.params)

    def arity_text(self) -> str:
        if self.min_args == self.max_args:
            count = self.max_args
            return "no arguments" if count == 0 else f"{count} argument{'s' * (count != 1)}"
        return f"{self.min_args} or {self.max_args} arguments"


def _types(*names: str) -> frozenset[str]:
    return frozenset(names)


_S = _types(STRING)
_N = _types(NUMBER)
_G = _types(GEO)
_DT = _types(DATETIME)
_DT_OR_DATE = _types(DATETIME, DATE)
_DT_OR_TIME = _types(DATETIME, TIME)

FUNCTIONS: dict[str, Signature] = {
    # String functions.
    "substringof": Signature((_S, _S), BOOLEAN),
    "endswith": Signature((_S, _S), BOOLEAN),
    "startswith": Signature((_S, _S), BOOLEAN),
    "length": Signature((_S,), NUMBER),
    "indexof": Signature((_S, _S), NUMBER),
    "substring": Signature((_S, _N, _N), STRING, optional=1),
    "tolower": Signature((_S,), STRING),
    "toupper": Signature((_S,), STRING),
    "trim": Signature((_S,), STRING),
    "concat": Signature((_S, _S), STRING),
    # Date and time functions.
    "year": Signature((_DT_OR_DATE,), NUMBER),
    "month": Signature((_DT_OR_DATE,), NUMBER),
    "day": Signature((_DT_OR_DATE,), NUMBER),
    "hour": Signature((_DT_OR_TIME,), NUMBER),
    "minute": Signature((_DT_OR_TIME,), NUMBER),
    "second": Signature((_DT_OR_TIME,), NUMBER),
    "fractionalseconds": Signature((_DT_OR_TIME,), NUMBER),
    "date": Signature((_DT,), DATE),
    "time": Signature((_DT,), TIME),
    "totaloffsetminutes": Signature((_DT,), NUMBER),
    "now": Signature((), DATETIME),
    "mindatetime": Signature((), DATETIME),
    "maxdatetime": Signature((), DATETIME),
    # Math functions.
    "round": Signature((_N,), NUMBER),
    "floor": Signature((_N,), NUMBER),
    "ceiling": Signature((_N,), NUMBER),
    # Geospatial functions.
    "geo.distance": Signature((_G, _G), NUMBER),
    "geo.length": Signature((_G,), NUMBER),
    "geo.intersects": Signature((_G, _G), BOOLEAN),
    "st_equals": Signature((_G, _G), BOOLEAN),
    "st_disjoint": Signature((_G, _G), BOOLEAN),
    "st_touches": Signature((_G, _G), BOOLEAN),
    "st_within": Signature((_G, _G), BOOLEAN),
    "st_overlaps": Signature((_G, _G), BOOLEAN),
    "st_crosses": Signature((_G, _G), BOOLEAN),
    "st_intersects": Signature((_G, _G), BOOLEAN),
    "st_contains": Signature((_G, _G), BOOLEAN),
    "st_relate": Signature((_G, _G, _S), BOOLEAN),
}

# OData functions that SensorThings 1.1 does not list, with what to use instead.
UNSUPPORTED_FUNCTIONS = {
    "contains": "SensorThings 1.1 has substringof(needle, haystack) instead of contains",
    "matchesPattern": "regular expressions are not supported",
    "cast": "type casts are not supported",
    "isof": "type tests are not supported",
    "any": "lambda operators (any, all) are not supported",
    "all": "lambda operators (any, all) are not supported",
    "hassubset": "collection functions are not supported",
    "hassubsequence": "collection functions are not supported",
    "case": "case expressions are not supported",
    "geo.area": "SensorThings 1.1 has no geo.area function",
}
