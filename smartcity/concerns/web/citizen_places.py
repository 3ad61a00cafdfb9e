"""Finding a place in Dresden without a geocoder: the platform has no street database and
no geocoding service (kiosks and CI are offline), so the report form searches what it has.

* the names of the Stadtbezirke and Ortschaften (core geography): the map zooms to the
  district, and the reporter taps the exact spot;
* the addresses of earlier published concerns (not those whose place staff hid): the map
  moves to that concern's location.

A street nobody has reported on yet is not found: the reporter then finds it on the map,
uses the device's location or types the coordinates.
"""

from smartcity.concerns.services import visible_concerns
from smartcity.core.geography import geo
from smartcity.core.geography import services as geography

DISTRICT_KINDS = geography.DISTRICT_KINDS
QUERY_MIN_LENGTH = 2
MAX_ADDRESSES = 5
# Addresses repeat (many reports in one street): this many newest matches are read to
# find the distinct ones.
ADDRESS_ROWS_READ = 50


def _shape(area):
    return geo.to_shape(area.geometry)


def district_point(slug: str) -> tuple[float, float] | None:
    """(lat, lon) of a point surely inside the district (the polygon's representative
    point, not its centroid, which may fall outside a bent district), or None."""
    area = geography.area_by_slug(slug)
    if area is None or area.kind not in DISTRICT_KINDS:
        return None
    point = _shape(area).representative_point()
    return round(point.y, 6), round(point.x, 6)


def _folded(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _districts(query: str) -> list[dict]:
    wanted, wanted_slug = _folded(query), geography.slug_for(query)
    found = []
    for area in geography.list_areas(DISTRICT_KINDS):
        if wanted in _folded(area.name) or (wanted_slug and wanted_slug in area.slug):
            shape = _shape(area)
            point = shape.representative_point()
            west, south, east, north = shape.bounds
            found.append(
                {
                    "kind": "district",
                    "name": area.name,
                    "lat": round(point.y, 6),
                    "lon": round(point.x, 6),
                    "bounds": [
                        [round(south, 6), round(west, 6)],
                        [round(north, 6), round(east, 6)],
                    ],
                }
            )
    return found


def _addresses(query: str) -> list[dict]:
    rows = (
        visible_concerns(None)
        .filter(personal_data_hidden=False, address__icontains=query)
        .order_by("-submitted_at")
        .values_list("address", "lat", "lon")[:ADDRESS_ROWS_READ]
    )
    found: dict[str, dict] = {}
    for address, lat, lon in rows:
        key = _folded(address)
        if key not in found:
            found[key] = {"kind": "address", "name": address, "lat": lat, "lon": lon}
        if len(found) == MAX_ADDRESSES:
            break
    return list(found.values())


def search_places(query: str) -> list[dict]:
    """Districts, then addresses of earlier reports, whose name contains ``query``.

    Each place: ``kind`` ("district" or "address"), ``name``, ``lat``/``lon`` (WGS84) and,
    for districts, ``bounds`` ([[south, west], [north, east]]) to zoom the map to.
    """
    query = " ".join(str(query or "").split())
    if len(query) < QUERY_MIN_LENGTH:
        return []
    return _districts(query) + _addresses(query)
