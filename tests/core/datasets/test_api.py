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

pytestmark = pytest.mark.django_db


def test_list_gives_metadata_with_absolute_download_urls(client, trees, counts):
    response = client.get("/api/datasets/")
    assert response.status_code == 200
    listed = {item["slug"]: item for item in response.json()}
    tree = listed["test-trees"]
    assert tree["title"] == "Test street trees"
    assert tree["publisher"] == "Umweltamt"
    assert tree["licence"] == {
        "id": "dl-de/by-2-0",
        "title": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
        "url": "https://www.govdata.de/dl-de/by-2-0",
        "uri": "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
    }
    assert tree["theme_uri"] == "http://publications.europa.eu/resource/authority/data-theme/ENVI"
    assert tree["update_frequency_uri"].endswith("/frequency/MONTHLY")
    assert tree["page_url"] == "http://testserver/data/test-trees/"
    assert tree["distributions"] == [
        {
            "format": "CSV",
            "media_type": "text/csv; charset=utf-8",
            "download_url": "http://testserver/data/test-trees.csv",
        },
        {
            "format": "GeoJSON",
            "media_type": "application/geo+json",
            "download_url": "http://testserver/data/test-trees.geojson",
        },
    ]
    assert "fields" not in tree
    assert listed["test-counts"]["is_demo"] is True
    assert [d["format"] for d in listed["test-counts"]["distributions"]] == ["CSV"]


def test_list_filters_by_keyword(client, trees, counts):
    slugs = [item["slug"] for item in client.get("/api/datasets/?keyword=UMWELT").json()]
    assert "test-trees" in slugs and "test-counts" not in slugs


def test_detail_has_the_fields_with_types_and_units(client, trees):
    response = client.get("/api/datasets/test-trees")
    assert response.status_code == 200
    body = response.json()
    assert body["attribution"].startswith("Umweltamt: Test street trees, Datenlizenz Deutschland")
    assert body["attribution"].endswith("http://testserver/data/test-trees/")
    height = next(field for field in body["fields"] if field["name"] == "height")
    assert height["type"] == "number"
    assert height["unit"] == "m"
    assert [field["name"] for field in body["fields"]] == [
        "id",
        "species",
        "height",
        "protected",
        "planted",
        "checked_at",
    ]


def test_unknown_dataset_is_404_with_detail(client):
    response = client.get("/api/datasets/nothing", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no dataset called “nothing”."}


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="^/api/datasets/"
)


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_dataset_api_conforms_to_its_schema_with_datasets_registered(case, trees, counts):
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
