"""JSON API of the city's areas, mounted at /api/districts/. Public: no authentication."""

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from smartcity.core.geography import geo, services

router = Router(tags=["districts"])

Kind = Literal["city", "stadtbezirk", "ortschaft"]


class AreaOut(Schema):
    id: int
    slug: str
    name: str
    kind: Kind
    code: str = Field(description="Official code; empty when the area has none.")
    area_km2: float = Field(description="Area in km², computed in ETRS89 / UTM 33N (EPSG:25833).")
    is_demo: bool = Field(description="True for an approximate demo geometry, not official.")


class GeometryOut(Schema):
    """A GeoJSON (RFC 7946) Polygon or MultiPolygon in WGS84 longitude/latitude."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[list[list[float]]] | list[list[list[list[float]]]]


class AreaDetailOut(AreaOut):
    source: str = Field(description="Where the boundary comes from.")
    updated_at: datetime
    geometry: GeometryOut


class DetailOut(Schema):
    detail: str


class ValidationItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class BadRequestOut(Schema):
    detail: str | list[ValidationItem]


@router.get(
    "/",
    response={200: list[AreaOut], 400: BadRequestOut},
    auth=None,
    summary="All areas: the city, its Stadtbezirke and Ortschaften",
)
def list_areas(request, kind: Kind | None = None):
    return Status(200, services.list_areas(kind))


# Declared before "/{slug}" so that "lookup" is not taken for a slug.
@router.get(
    "/lookup",
    response={200: AreaOut, 400: BadRequestOut, 404: DetailOut},
    auth=None,
    summary="The Stadtbezirk or Ortschaft containing a WGS84 point",
)
def lookup(
    request,
    lon: float = Query(..., ge=-180, le=180, description="Longitude in degrees (WGS84)"),
    lat: float = Query(..., ge=-90, le=90, description="Latitude in degrees (WGS84)"),
):
    try:
        geo.check_lon_lat(lon, lat)
    except ValueError as exc:
        return Status(400, {"detail": str(exc)})
    area = services.area_at(lon, lat)
    if area is not None:
        return Status(200, area)
    if services.is_in_city(lon, lat):
        return Status(
            404, {"detail": _("This point lies in Dresden, but in no district on record.")}
        )
    return Status(404, {"detail": _("This point lies outside the city of Dresden.")})


@router.get(
    "/{slug}",
    response={200: AreaDetailOut, 404: DetailOut},
    auth=None,
    summary="One area with its GeoJSON geometry",
)
def area_detail(request, slug: str):
    area = services.area_by_slug(slug)
    if area is None:
        return Status(404, {"detail": _("There is no area with this slug.")})
    return Status(200, area)
