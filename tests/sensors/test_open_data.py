import csv
import io
import json

import pytest
from django.core.management import call_command

from smartcity.core.demo import organisations


@pytest.fixture
def network(db):
    organisations.load()
    call_command("sensors", "simulate", "--hours", "1", stdout=io.StringIO())


@pytest.mark.django_db
def test_public_datastreams_are_open_data_with_latest_values(client, network):
    response = client.get("/data/sensors.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    stations = {row["thing"] for row in rows}
    assert "Pegel Dresden, Elbe (Demo)" in stations
    assert not any("Klinikum" in name for name in stations)  # private meters stay private
    level = next(row for row in rows if row["thing"] == "Pegel Dresden, Elbe (Demo)")
    assert level["unit"] == "cm" and float(level["latest_value"]) > 60
    assert level["is_demo"] == "true" and level["latest_time"].startswith("20")

    collection = json.loads(b"".join(client.get("/data/sensors.geojson").streaming_content))
    assert {f["geometry"]["type"] for f in collection["features"]} == {"Point"}
    assert len(collection["features"]) == len(rows)
