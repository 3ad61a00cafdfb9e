"""The city's areas as an open dataset (CSV and GeoJSON at /data/districts/)."""

from django.utils.translation import gettext_lazy as _

from smartcity.core import datasets
from smartcity.core.geography.models import Area


def _row(area: Area) -> dict:
    return {
        "slug": area.slug,
        "name": area.name,
        "kind": area.kind,
        "code": area.code or None,
        "area_km2": round(area.area_km2, 3),
        "is_demo": area.is_demo,
        "source": area.source or None,
        "geometry": area.geometry,
    }


DISTRICTS = datasets.Dataset(
    slug="districts",
    title=_("City boundary, city districts and localities of Dresden"),
    description=_(
        "The city boundary, the 10 Stadtbezirke (city districts) and the 9 Ortschaften "
        "(localities) as polygons in WGS84. Rows marked as demo carry approximate demo "
        "geometries until the city imports the official ones."
    ),
    publisher="Landeshauptstadt Dresden",
    theme="REGI",
    keywords=["Stadtbezirke", "Ortschaften", "Geodaten", "Smart City"],
    update_frequency="IRREG",
    spatial_coverage="Dresden",
    fields=[
        datasets.Field("slug", _("Identifier")),
        datasets.Field("name", _("Name")),
        datasets.Field(
            "kind", _("Kind"), description=_("city, stadtbezirk (city district) or ortschaft")
        ),
        datasets.Field("code", _("Official code")),
        datasets.Field("area_km2", _("Area"), type="number", unit="km²"),
        datasets.Field(
            "is_demo",
            _("Approximate demo geometry"),
            type="boolean",
            description=_("true while the geometry is the platform's approximation."),
        ),
        datasets.Field("source", _("Source")),
    ],
    rows=lambda: Area.objects.order_by("kind", "code", "name"),
    row=_row,
    geometry=lambda row: row["geometry"],
)


def register_datasets() -> None:
    if not datasets.is_registered(DISTRICTS.slug):
        datasets.register(DISTRICTS)
