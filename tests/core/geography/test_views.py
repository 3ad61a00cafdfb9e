"""The public pages /districts/ and /districts/<slug>/."""

import json
import re

import pytest
from django.urls import reverse

from smartcity.core.geography.models import Area

LIST_URL = "/districts/"


def embedded_json(page, element_id):
    pattern = rf'<script id="{element_id}" type="application/json">(.*?)</script>'
    return json.loads(re.search(pattern, page, re.S).group(1))


def test_list_shows_every_area_with_kind_code_area_and_demo_label(client, demo_areas):
    response = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Dresden", "Altstadt", "Cotta", "Langebrück", "Schönfeld-Weißig", "Weixdorf"):
        assert f">{name}</a></th>" in page
    assert page.count('<span class="badge demo-label">') == 21  # 20 rows and the legend
    assert "<caption>" in page and '<th scope="col">Area in km²</th>' in page
    altstadt = Area.objects.get(slug="altstadt")
    row = re.search(r'<a href="/districts/altstadt/">Altstadt</a></th>(.*?)</tr>', page, re.S)
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert cells[:3] == ["city district (Stadtbezirk)", "00", f"{altstadt.area_km2:.1f}"]


def test_list_embeds_the_map_and_its_geojson(client, demo_areas):
    page = client.get(LIST_URL).content.decode()
    assert 'id="areas-map"' in page and "vendor/leaflet/leaflet.js" in page
    data = embedded_json(page, "areas-geojson")
    assert len(data["features"]) == 20


def test_list_is_german_by_default(client, demo_areas):
    page = client.get(LIST_URL).content.decode()
    assert '<html lang="de">' in page


def test_lookup_form_names_the_district(client, demo_areas):
    response = client.get(LIST_URL, {"lon": "13.7416", "lat": "51.0519"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This point lies in the city district (Stadtbezirk) Altstadt." in page
    assert 'href="/districts/altstadt/">About Altstadt</a>' in page


def test_lookup_form_outside_the_city(client, demo_areas):
    response = client.get(LIST_URL, {"lon": "13.3777", "lat": "52.5163"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "This point lies outside the city of Dresden." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lon": "13.74", "lat": "95"}, "Ensure this value is less than or equal to 90"),
        ({"lon": "abc", "lat": "51.05"}, "Enter a number."),
        ({"lon": "13.74"}, "This field is required."),
    ],
)
def test_lookup_form_rejects_invalid_coordinates(client, demo_areas, params, message):
    response = client.get(LIST_URL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "This point lies in the" not in page


def test_list_without_areas_says_so(client, db):
    page = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No areas have been loaded yet." in page
    assert "demo-label" not in page


def test_detail_shows_the_map_and_facts(client, demo_areas):
    url = reverse("geography:detail", args=["schoenfeld-weissig"])
    assert url == "/districts/schoenfeld-weissig/"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Schönfeld-Weißig</h1>" in page
    assert "locality (Ortschaft)" in page
    area = Area.objects.get(slug="schoenfeld-weissig")
    assert f"{area.area_km2:.2f} km²" in page
    assert "badge demo-label" in page and "approximate demo geometry" in page
    assert 'href="/districts/dresden/">Dresden</a>' in page
    data = embedded_json(page, "area-geojson")
    assert [f["properties"]["name"] for f in data["features"]] == ["Schönfeld-Weißig"]


def test_detail_of_an_official_area_has_no_demo_label(client, demo_areas):
    area = Area.objects.get(slug="altstadt")
    area.is_demo, area.source = False, "stadtbezirke.geojson"
    area.save()
    page = client.get("/districts/altstadt/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "demo-label" not in page and "stadtbezirke.geojson" in page


def test_detail_of_an_unknown_area_is_404(client, demo_areas):
    assert client.get("/districts/atlantis/").status_code == 404
