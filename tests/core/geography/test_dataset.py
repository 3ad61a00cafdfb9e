import csv
import io
import json

import pytest


@pytest.mark.django_db
def test_districts_are_published_as_csv_and_geojson(client, demo_areas):
    response = client.get("/data/districts.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_name = {row["name"]: row for row in rows}
    assert len(rows) == 20
    assert by_name["Altstadt"]["kind"] == "stadtbezirk" and by_name["Altstadt"]["code"] == "00"
    assert by_name["Weixdorf"]["is_demo"] == "true"

    response = client.get("/data/districts.geojson")
    assert response.status_code == 200
    collection = json.loads(b"".join(response.streaming_content))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 20
    altstadt = next(f for f in collection["features"] if f["properties"]["name"] == "Altstadt")
    lon, lat = altstadt["geometry"]["coordinates"][0][0][:2]
    assert 13.5 < lon < 14.1 and 50.9 < lat < 51.2
