"""Citizen concerns as open data: every published concern without personal data.

Published are the number, the category, the district, the state and the times. Left out
are everything a person wrote or could be recognised by: the description (free text often
names people, plates or a home), the address, the photos and the contact data. The place
is rounded to 3 decimals (about 110 m north-south, 70 m east-west), so that a point does not
mark a single house.
"""

from django.utils.translation import gettext_lazy as _

from smartcity.concerns import workflow
from smartcity.concerns.models import Concern, rounded_place
from smartcity.core import datasets

COLUMNS = (
    "service_request_id",
    "category__service_code",
    "category__name",
    "area__name",
    "state",
    "submitted_at",
    "closed_at",
    "updated_at",
    "lat",
    "lon",
    "is_demo",
)


def _rows():
    return Concern.objects.published().order_by("pk").values(*COLUMNS)


def _row(values: dict) -> dict:
    lat, lon = rounded_place(values["lat"], values["lon"])
    return {
        "service_request_id": values["service_request_id"],
        "service_code": values["category__service_code"],
        "category": values["category__name"],
        "district": values["area__name"],
        "state": values["state"],
        "status": workflow.open311_status(values["state"]),
        "submitted_at": values["submitted_at"],
        "closed_at": values["closed_at"],
        "updated_at": values["updated_at"],
        "lat": lat,
        "lon": lon,
        "is_demo": values["is_demo"],
    }


CONCERNS = datasets.Dataset(
    slug="concerns",
    title=_("Citizen concerns (Bürgeranliegen)"),
    description=_(
        "Every published citizen concern: what kind of problem, in which district, since when "
        "and in which state of work. Without personal data: no descriptions, addresses, photos "
        "or contact data, and places rounded to about 100 m. The same concerns are open through "
        "the Open311 GeoReport v2 API at /open311/v2/. Rows marked as demo are invented."
    ),
    publisher="Landeshauptstadt Dresden",
    theme="GOVE",
    keywords=["Bürgeranliegen", "Mängelmelder", "Open311", "Smart City"],
    update_frequency="CONT",
    spatial_coverage="Dresden",
    fields=[
        datasets.Field("service_request_id", _("Concern number")),
        datasets.Field("service_code", _("Service code (Open311)")),
        datasets.Field("category", _("Category")),
        datasets.Field("district", _("District")),
        datasets.Field(
            "state",
            _("State"),
            description=_(
                "submitted, open, in_progress, planned, fixed, duplicate, not_responsible, "
                "rejected or reopened"
            ),
        ),
        datasets.Field("status", _("Open311 status"), description=_("open or closed")),
        datasets.Field("submitted_at", _("Submitted"), type="datetime"),
        datasets.Field("closed_at", _("Closed"), type="datetime"),
        datasets.Field("updated_at", _("Last changed"), type="datetime"),
        datasets.Field("lat", _("Latitude, rounded to 3 decimals"), type="number", unit="°"),
        datasets.Field("lon", _("Longitude, rounded to 3 decimals"), type="number", unit="°"),
        datasets.Field("is_demo", _("Demo data"), type="boolean"),
    ],
    rows=_rows,
    row=_row,
    geometry=lambda row: {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
)


def register_datasets() -> None:
    if not datasets.is_registered(CONCERNS.slug):
        datasets.register(CONCERNS)
