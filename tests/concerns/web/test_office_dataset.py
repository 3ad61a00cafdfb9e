"""The open-data dataset "concerns": published concerns only, without personal data."""

import csv
import io
import json

import pytest

from smartcity.concerns import services
from tests.concerns.web.office_support import CONTACT

pytestmark = pytest.mark.django_db

PRIVATE_ADDRESS = "Hauptstraße 7, bei Familie Muster"
PRIVATE_TEXT = "Herr Nachbar Kowalski parkt hier immer"


def test_published_concerns_without_personal_data(client, submit, staff, citizen):
    public = submit(
        reporter=citizen, contact=CONTACT, address=PRIVATE_ADDRESS, description=PRIVATE_TEXT
    )
    services.publish(public, staff)
    hidden = submit()  # not published: not open data
    response = client.get("/data/concerns.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert list(row) == [
        "service_request_id",
        "service_code",
        "category",
        "district",
        "state",
        "status",
        "submitted_at",
        "closed_at",
        "updated_at",
        "lat",
        "lon",
        "is_demo",
    ]
    assert row["service_request_id"] == public.service_request_id
    assert (row["category"], row["district"], row["status"]) == ("Schlagloch", "Altstadt", "open")
    assert (row["lat"], row["lon"]) == (str(round(public.lat, 3)), str(round(public.lon, 3)))
    for personal in (PRIVATE_ADDRESS, PRIVATE_TEXT, CONTACT.name, CONTACT.email, CONTACT.phone,
                     citizen.email):  # fmt: skip
        assert personal not in text
    assert hidden.service_request_id not in text


def test_the_geojson_places_are_rounded(client, submit, staff):
    concern = submit(at=(51.0471234, 13.7509876))
    services.publish(concern, staff)
    response = client.get("/data/concerns.geojson")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    (feature,) = json.loads(body)["features"]
    assert feature["geometry"]["coordinates"] == [13.751, 51.047]
    assert feature["properties"]["service_request_id"] == concern.service_request_id
    assert "address" not in feature["properties"] and "description" not in feature["properties"]


def test_the_dataset_is_listed(client):
    page = client.get("/data/").content.decode()
    assert "/data/concerns/" in page
