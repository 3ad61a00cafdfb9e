import csv
import io

import pytest

from smartcity.core import datasets
from smartcity.core.accounts.models import Organisation
from smartcity.core.core_datasets import ORGANISATIONS, register_core_datasets

pytestmark = pytest.mark.django_db


@pytest.fixture
def core_datasets():
    """Core's datasets registered, whether or not CoreConfig.ready() has done it already."""
    was_registered = datasets.is_registered(ORGANISATIONS.slug)
    register_core_datasets()
    register_core_datasets()  # a second call changes nothing
    yield
    if not was_registered:
        datasets.unregister(ORGANISATIONS.slug)


def test_organisations_csv_lists_departments_with_the_sample_flag(
    client, core_datasets, department
):
    Organisation.objects.create(
        name="Technische Universität Dresden",
        short_name="TUD",
        slug="tud",
        kind=Organisation.Kind.PARTNER,
        website="https://tu-dresden.de",
        is_sample=True,
    )
    response = client.get("/data/organisations.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table == [
        ["slug", "name", "short_name", "kind", "website", "is_sample"],
        [
            "tud",
            "Technische Universität Dresden",
            "TUD",
            "partner",
            "https://tu-dresden.de",
            "true",
        ],
        ["ua", "Umweltamt", "UA", "department", "", "false"],
    ]


def test_organisations_appear_in_the_catalogue(client, core_datasets):
    listed = [item["slug"] for item in client.get("/api/datasets/").json()]
    assert "organisations" in listed
    detail = client.get("/api/datasets/organisations").json()
    assert detail["publisher"] == "Landeshauptstadt Dresden"
    assert detail["theme"] == "GOVE"
    assert detail["is_demo"] is False
    assert [d["format"] for d in detail["distributions"]] == ["CSV"]
    assert client.get("/data/organisations.geojson").status_code == 404
