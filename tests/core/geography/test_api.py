"""The public JSON API at /api/districts/."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smartcity.config.wsgi import application
from smartcity.core.geography import geo
from smartcity.core.geography.models import Area


def test_list_returns_every_area(client, demo_areas):
    response = client.get("/api/districts/")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 20
    altstadt = next(item for item in body if item["slug"] == "altstadt")
    area = Area.objects.get(slug="altstadt")
    assert altstadt == {
        "id": area.pk,
        "slug": "altstadt",
        "name": "Altstadt",
        "kind": "stadtbezirk",
        "code": "00",
        "area_km2": pytest.approx(area.area_km2),
        "is_demo": True,
    }


def test_list_filters_by_kind_and_rejects_unknown_kinds(client, demo_areas):
    body = client.get("/api/districts/?kind=ortschaft").json()
    assert len(body) == 9 and {item["kind"] for item in body} == {"ortschaft"}
    response = client.get("/api/districts/?kind=quarter")
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["query", "kind"]


def test_detail_returns_the_geojson_geometry(client, demo_areas):
    response = client.get("/api/districts/langebrueck")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Langebrück"
    assert body["source"] == "approximate demo geometry"
    assert body["geometry"]["type"] == "Polygon"
    assert geo.area_km2(body["geometry"]) == pytest.approx(body["area_km2"])


def test_detail_of_an_unknown_slug_is_404(client, demo_areas):
    response = client.get("/api/districts/atlantis")
    assert response.status_code == 404
    assert response.json() == {"detail": "Es gibt kein Gebiet mit dieser Kurzbezeichnung."}


def test_lookup_returns_the_area(client, demo_areas):
    response = client.get("/api/districts/lookup", {"lon": 13.7545, "lat": 51.0675})
    assert response.status_code == 200
    assert response.json()["name"] == "Neustadt"


def test_lookup_outside_the_city_is_404(client, demo_areas):
    response = client.get(
        "/api/districts/lookup", {"lon": 13.3777, "lat": 52.5163}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "This point lies outside the city of Dresden."}


@pytest.mark.parametrize(
    "params",
    [
        {"lon": 13.74, "lat": 91},
        {"lon": -181, "lat": 51.05},
        {"lon": "nan", "lat": 51.05},
        {"lon": "inf", "lat": 51.05},
        {"lon": "east", "lat": 51.05},
        {"lat": 51.05},
    ],
)
def test_lookup_with_invalid_coordinates_is_400_with_a_reason(client, demo_areas, params):
    response = client.get("/api/districts/lookup", params)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail
    if isinstance(detail, list):
        assert detail[0]["loc"][-1] in params.keys() | {"lon"}
        assert detail[0]["msg"]


def test_openapi_documents_the_routes_and_their_responses(client):
    schema = client.get("/api/openapi.json").json()
    lookup = schema["paths"]["/api/districts/lookup"]["get"]
    assert set(lookup["responses"]) == {"200", "400", "404"}
    params = {p["name"]: p["schema"] for p in lookup["parameters"]}
    assert params["lon"]["minimum"] == -180 and params["lat"]["maximum"] == 90
    detail = schema["paths"]["/api/districts/{slug}"]["get"]["responses"]
    assert detail["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AreaDetailOut"
    }
    assert "404" in detail


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="^/api/districts/"
)


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_districts_api_conforms_to_its_schema_with_the_demo_areas(case, demo_areas):
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
