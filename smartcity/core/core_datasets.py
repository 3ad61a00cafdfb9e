"""The platform core's own open datasets. ``register_core_datasets`` runs in CoreConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from smartcity.core import datasets
from smartcity.core.accounts.models import Organisation


def _organisation_row(organisation: Organisation) -> dict:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "short_name": organisation.short_name or None,
        "kind": organisation.kind,
        "website": organisation.website or None,
        "is_sample": organisation.is_sample,
    }


ORGANISATIONS = datasets.Dataset(
    slug="organisations",
    title=_("Organisations of the Smart City platform"),
    description=_(
        "The city's departments (Ämter), municipal enterprises (Eigenbetriebe) and external "
        "partners that take part in the Smart City platform. Rows marked as sample come from "
        "the platform's demo data and are not official records."
    ),
    publisher="Landeshauptstadt Dresden",
    theme="GOVE",
    keywords=["Verwaltung", "Organisationen", "Smart City"],
    update_frequency="IRREG",
    spatial_coverage="Dresden",
    fields=[
        datasets.Field("slug", _("Identifier"), description=_("Stable short identifier.")),
        datasets.Field("name", _("Name")),
        datasets.Field("short_name", _("Short name"), description=_("Abbreviation, if any.")),
        datasets.Field(
            "kind",
            _("Kind"),
            description=_(
                "department: a department (Amt) of the city administration; enterprise: a "
                "municipal enterprise (Eigenbetrieb); partner: an external partner."
            ),
        ),
        datasets.Field("website", _("Website")),
        datasets.Field(
            "is_sample",
            _("Sample record"),
            type="boolean",
            description=_("true if the record comes from demo data, not an official record."),
        ),
    ],
    rows=lambda: Organisation.objects.order_by("name").only(
        "slug", "name", "short_name", "kind", "website", "is_sample"
    ),
    row=_organisation_row,
)


def register_core_datasets() -> None:
    """Register core's datasets; safe to call more than once."""
    if not datasets.is_registered(ORGANISATIONS.slug):
        datasets.register(ORGANISATIONS)
