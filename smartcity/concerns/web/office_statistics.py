"""Back-office statistics of the user's departments: counts per category, district and
month, processing times, target times, first-assignment share, and a heat map that shades
each district by its concerns per km² (the same figures are in a table beside it)."""

import math

from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from smartcity.concerns import services
from smartcity.concerns.services import backoffice
from smartcity.concerns.web.office_forms import StatisticsForm
from smartcity.core.decorators import staff_required
from smartcity.core.geography.services import DISTRICT_KINDS, areas_geojson

# Shades of the heat map: 0 (no concerns) and 1 … SHADES by density relative to the densest.
SHADES = 5
DEFAULT_MONTHS = 12


def _default_since():
    today = timezone.localdate()
    month = today.month - DEFAULT_MONTHS + 1
    year = today.year + (month - 1) // 12
    return today.replace(year=year, month=(month - 1) % 12 + 1, day=1)


def with_shares(counts: list[tuple[str, int]]) -> list[tuple[str, int, float]]:
    """(label, count, percent of the largest count) for bar charts."""
    top = max((count for _label, count in counts), default=0)
    return [(label, count, 100 * count / top if top else 0) for label, count in counts]


def heat_map(concerns) -> tuple[dict, list[dict], list[tuple[int, float, float]]]:
    """The districts as GeoJSON with count, density (per km²) and shade, the same as table
    rows (densest first), and the legend: (shade, lowest, highest density) per shade."""
    counts = backoffice.district_counts(concerns)
    collection = areas_geojson(DISTRICT_KINDS)
    densities = {}
    for feature in collection["features"]:
        properties = feature["properties"]
        km2 = properties["area_km2"]
        count = counts.get(properties["slug"], 0)
        densities[properties["slug"]] = (count, count / km2 if km2 else 0.0)
    densest = max((density for _count, density in densities.values()), default=0.0)
    rows = []
    for feature in collection["features"]:
        properties = feature["properties"]
        count, density = densities[properties["slug"]]
        shade = math.ceil(SHADES * density / densest) if densest and count else 0
        label = ngettext(
            "%(name)s: %(count)d concern, %(density)s per km²",
            "%(name)s: %(count)d concerns, %(density)s per km²",
            count,
        ) % {"name": properties["name"], "count": count, "density": number_format(density, 2)}
        properties.update(count=count, density=round(density, 2), shade=shade, label=label)
        rows.append(properties)
    rows.sort(key=lambda row: (-row["density"], row["name"]))
    legend = [
        (shade, densest * (shade - 1) / SHADES, densest * shade / SHADES)
        for shade in range(1, SHADES + 1)
    ]
    return collection, rows, legend


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


def _duration(hours: float | None) -> tuple[float, float] | None:
    return None if hours is None else (hours, hours / 24)


@require_GET
@staff_required
def statistics(request):
    data = request.GET if request.GET else {"since": _default_since().isoformat()}
    form = StatisticsForm(data, user=request.user)
    form.is_valid()
    concerns = form.narrow(services.department_inbox(request.user))
    figures = services.statistics(concerns)
    geojson, districts, legend = heat_map(concerns)
    context = {
        "form": form,
        "figures": figures,
        "median": _duration(figures.median_hours),
        "p90": _duration(figures.p90_hours),
        "target_met": _percent(figures.target_met_share),
        "first_assignment": _percent(figures.first_assignment_share),
        "by_category": with_shares(figures.by_category),
        "by_area": with_shares(figures.by_area),
        "by_month": with_shares(figures.by_month),
        "heat_geojson": geojson,
        "city_geojson": areas_geojson("city"),
        "districts": districts,
        "legend": legend,
    }
    return render(
        request, "concerns/office/statistics.html", context, status=400 if form.errors else 200
    )
