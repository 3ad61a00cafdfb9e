"""Web pages and downloads of the open-data registry (see ``smartcity.core.datasets``)."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from smartcity.core import datasets
from smartcity.core.errors import error_response

SAMPLE_SIZE = 10


def _path(url_name: str, slug: str) -> str:
    return reverse(url_name, args=[slug])


def _absolute(request):
    return lambda url_name, slug: request.build_absolute_uri(_path(url_name, slug))


def _licence_link(dataset: datasets.Dataset) -> str:
    # RFC 8288 web linking with the "license" relation of RFC 4946.
    return f'<{dataset.licence.url}>; rel="license"'


def _unknown(request, slug: str):
    return error_response(
        request, 404, _("There is no dataset called “%(slug)s”.") % {"slug": slug}
    )


def index(request):
    keyword = request.GET.get("keyword", "").strip()
    everything = datasets.all_datasets()
    shown = datasets.with_keyword(everything, keyword)
    publishers = datasets.publisher_names(shown)
    context = {
        "datasets": [datasets.metadata(d, _path, publishers) for d in shown],
        "keywords": datasets.all_keywords(),
        "keyword": keyword,
        "total": len(everything),
    }
    return render(request, "datasets/index.html", context)


def detail(request, slug):
    try:
        dataset = datasets.get(slug)
    except datasets.UnknownDataset:
        return _unknown(request, slug)
    meta = datasets.metadata(dataset, _absolute(request))
    context = {
        "dataset": meta,
        "sample_size": SAMPLE_SIZE,
        "sample": datasets.sample(dataset, SAMPLE_SIZE),
    }
    response = render(request, "datasets/detail.html", context)
    response["Link"] = _licence_link(dataset)
    return response


def _download(dataset, pieces, content_type: str, extension: str):
    response = StreamingHttpResponse(datasets.encode_chunks(pieces), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{dataset.slug}.{extension}"'
    response["Link"] = _licence_link(dataset)
    # Open data without credentials: any web page may fetch it (a map on another site).
    response["Access-Control-Allow-Origin"] = "*"
    return response


def download_csv(request, slug):
    try:
        dataset = datasets.get(slug)
    except datasets.UnknownDataset:
        return _unknown(request, slug)
    return _download(dataset, datasets.rows_to_csv(dataset), datasets.CSV_MEDIA_TYPE, "csv")


def download_geojson(request, slug):
    try:
        dataset = datasets.get(slug)
    except datasets.UnknownDataset:
        return _unknown(request, slug)
    if not dataset.has_geometry:
        reason = _("The dataset “%(title)s” has no geometry, so it is offered as CSV only.") % {
            "title": dataset.title
        }
        return error_response(request, 404, reason)
    return _download(
        dataset, datasets.geojson_text(dataset), datasets.GEOJSON_MEDIA_TYPE, "geojson"
    )
