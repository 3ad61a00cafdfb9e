"""The statistics page on known data: counts, processing times, target times, first
assignment, the bar tables and the heat map per district."""

import json
import math
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concerns.web.office_support import client_of, text_of

pytestmark = pytest.mark.django_db
__all__ = ["client_of"]  # fixtures


def figure(page: str, label: str) -> str:
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", page)
    assert match, label
    return match.group(1)


def bars(page: str, caption: str) -> dict[str, int]:
    table = page[page.index(f"<caption>{caption}</caption>") :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="numeric">(\d+)</td>', table)
    return {name: int(count) for name, count in rows}


def test_platform_admins_see_the_whole_citys_figures(client_of, platform_admin, worked, areas):
    page = text_of(client_of(platform_admin).get("/concerns/office/statistics/"))
    assert figure(page, "Concerns") == "4"
    assert figure(page, "Closed") == "3"
    assert figure(page, "Median processing time") == "20.0 h (0.8 days)"
    assert figure(page, "90th percentile of processing time") == "100.0 h (4.2 days)"
    assert figure(page, "Closed within the target time") == "66.7 %"
    assert figure(page, "Fixed by the first department assigned") == "66.7 %"
    assert bars(page, "Concerns per category") == {"Schlagloch": 4}
    assert bars(page, "Concerns per district") == {"Altstadt": 3, "Neustadt": 1}
    month = f"{timezone.localtime():%Y-%m}"
    assert sum(bars(page, "Concerns per month of submission").values()) == 4
    assert month in bars(page, "Concerns per month of submission")
    assert 'class="bar" style="width: 100.0%"' in page
    assert 'class="bar" style="width: 33.3%"' in page


def test_the_heat_map_shades_districts_by_concerns_per_km2(
    client_of, platform_admin, worked, areas
):
    page = text_of(client_of(platform_admin).get("/concerns/office/statistics/"))
    data = re.search(r'<script id="heat-map-geojson" type="application/json">(.*?)</script>', page)
    features = {
        f["properties"]["name"]: f["properties"] for f in json.loads(data.group(1))["features"]
    }
    densities = {
        "Altstadt": 3 / areas["Altstadt"].area_km2,
        "Neustadt": 1 / areas["Neustadt"].area_km2,
    }
    densest = max(densities.values())
    for name, density in densities.items():
        assert features[name]["count"] == round(density * areas[name].area_km2)
        assert features[name]["density"] == pytest.approx(density, abs=0.01)
        assert features[name]["shade"] == math.ceil(5 * density / densest)
    assert features["Pieschen"]["count"] == 0 and features["Pieschen"]["shade"] == 0
    assert features["Altstadt"]["label"].startswith("Altstadt: 3 concerns, ")
    table = page[page.index("<caption>Concerns per district and km², densest first</caption>") :]
    assert re.search(r'<th scope="row">Altstadt</th><td class="numeric">3</td>', table)


def test_staff_see_their_departments_figures_only(client_of, staff, worked):
    page = text_of(client_of(staff).get("/concerns/office/statistics/"))
    assert figure(page, "Concerns") == "2"
    assert figure(page, "Median processing time") == "10.0 h (0.4 days)"
    assert figure(page, "90th percentile of processing time") == "20.0 h (0.8 days)"
    assert figure(page, "Closed within the target time") == "100.0 %"
    assert bars(page, "Concerns per district") == {"Altstadt": 2}


def test_filters_narrow_the_figures(client_of, platform_admin, worked):
    admin = client_of(platform_admin)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = text_of(admin.get("/concerns/office/statistics/", {"since": tomorrow}))
    assert figure(page, "Concerns") == "0"
    assert figure(page, "Median processing time") == "–"
    page = text_of(admin.get("/concerns/office/statistics/", {"district": "neustadt"}))
    assert figure(page, "Concerns") == "1"
    response = admin.get("/concerns/office/statistics/", {"since": tomorrow, "until": "2000-01-01"})
    assert response.status_code == 400
    assert "The end of the period lies before its start." in text_of(response)
