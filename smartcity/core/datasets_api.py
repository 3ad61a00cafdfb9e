"""Open-data registry metadata as JSON: every registered dataset with its download links.

Public (no authentication). The shapes follow DCAT-AP.de loosely (theme, frequency and
licence come with their vocabulary URIs) until the CKAN/DCAT-AP.de portal serves the
catalogue in those formats.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from smartcity.core import datasets

router = Router(tags=["open data"])


class LicenceOut(Schema):
    id: str
    title: str
    url: str
    uri: str


class DistributionOut(Schema):
    format: str
    media_type: str
    download_url: str


class FieldOut(Schema):
    name: str
    title: str
    type: str
    type_title: str
    description: str
    unit: str


class DatasetSummaryOut(Schema):
    slug: str
    title: str
    description: str
    publisher: str
    licence: LicenceOut
    attribution: str
    keywords: list[str]
    theme: str
    theme_title: str
    theme_uri: str
    update_frequency: str
    update_frequency_title: str
    update_frequency_uri: str
    temporal_coverage: str
    spatial_coverage: str
    is_demo: bool
    page_url: str
    distributions: list[DistributionOut]


class DatasetOut(DatasetSummaryOut):
    fields: list[FieldOut]


class ErrorOut(Schema):
    detail: str


def _absolute(request):
    return lambda url_name, slug: request.build_absolute_uri(reverse(url_name, args=[slug]))


@router.get(
    "/",
    response=list[DatasetSummaryOut],
    auth=None,
    summary="All open datasets",
    description="Metadata of every registered dataset, optionally only those with a keyword "
    "(compared case-insensitively).",
)
def list_datasets(request, keyword: str = ""):
    shown = datasets.with_keyword(datasets.all_datasets(), keyword)
    publishers = datasets.publisher_names(shown)
    return [datasets.metadata(d, _absolute(request), publishers) for d in shown]


@router.get(
    "/{slug}",
    response={200: DatasetOut, 404: ErrorOut},
    auth=None,
    summary="One open dataset",
    description="Full metadata of a dataset, including its fields with types and units.",
)
def dataset_detail(request, slug: str):
    try:
        dataset = datasets.get(slug)
    except datasets.UnknownDataset:
        return Status(404, {"detail": _("There is no dataset called “%(slug)s”.") % {"slug": slug}})
    return Status(200, datasets.metadata(dataset, _absolute(request)))
