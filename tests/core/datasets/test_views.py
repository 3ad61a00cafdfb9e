import csv
import io
import json

import pytest

from smartcity.core import datasets
from smartcity.core.datasets import Field

from .conftest import make_dataset

pytestmark = pytest.mark.django_db

LICENCE_LINK = '<https://www.govdata.de/dl-de/by-2-0>; rel="license"'


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_index_lists_each_dataset_with_licence_formats_and_demo_label(client, trees, counts):
    response = client.get("/data/", headers={"accept-language": "en"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Test street trees" in page and "Test bicycle counts" in page
    assert 'href="/data/test-trees/"' in page
    assert 'href="/data/test-trees.csv"' in page and 'href="/data/test-trees.geojson"' in page
    assert 'href="/data/test-counts.csv"' in page
    assert 'href="/data/test-counts.geojson"' not in page
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in page
    assert page.count('class="badge demo-label"') == 1
    assert '<label for="keyword">' in page


def test_index_keyword_filter(client, trees, counts):
    page = client.get("/data/", {"keyword": "verkehr"}).content.decode()
    assert "Test bicycle counts" in page
    assert "Test street trees" not in page
    assert '<option value="Verkehr" selected>' in page


def test_index_keyword_without_datasets_says_so(client, trees):
    response = client.get("/data/", {"keyword": "Haushalt"}, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "No dataset has this keyword." in response.content.decode()
    assert "Test street trees" not in response.content.decode()


def test_detail_page_shows_metadata_fields_and_sample(client, trees):
    response = client.get("/data/test-trees/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert response["Link"] == LICENCE_LINK
    page = response.content.decode()
    assert page.count("<h1>") == 1
    assert "Test street trees" in page
    assert "<td>Umweltamt</td>" in page
    assert '<a href="https://www.govdata.de/dl-de/by-2-0" rel="license">' in page
    assert "http://testserver/data/test-trees/" in page  # attribution names the source page
    assert 'href="http://testserver/data/test-trees.csv"' in page
    assert 'href="http://testserver/data/test-trees.geojson"' in page
    assert '<th scope="row"><code>height</code></th>' in page
    assert "<td>m</td>" in page  # unit of the height field
    assert "Environment" in page and "monthly" in page and "1990–2024" in page
    # The sample shows the cells as the CSV has them, header titles as column headings.
    assert '<th scope="col">Species</th>' in page
    assert "<td>Tilia cordata, Winter-Linde</td>" in page
    assert "<td>2024-05-06T07:08:09+00:00</td>" in page


def test_detail_resolves_a_publisher_slug_to_the_organisation_name(client, department):
    with datasets.registered(make_dataset(publisher="ua")):
        page = client.get("/data/test-trees/").content.decode()
    assert "<td>Umweltamt</td>" in page


def test_detail_sample_is_limited_to_ten_rows(client, counts):
    page = client.get("/data/test-counts/", headers={"accept-language": "en"}).content.decode()
    assert "The first 10 rows, as in the CSV file." in page
    assert "<td>90</td>" in page
    assert "<td>100</td>" not in page
    assert "Demo data" in page


def test_detail_of_an_empty_dataset(client):
    with datasets.registered(make_dataset(rows=list)):
        page = client.get("/data/test-trees/", headers={"accept-language": "en"}).content.decode()
    assert "This dataset has no rows yet." in page


def test_csv_download_is_streamed_with_type_disposition_and_licence(client, trees):
    response = client.get("/data/test-trees.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="test-trees.csv"'
    assert response["Link"] == LICENCE_LINK
    assert response["Access-Control-Allow-Origin"] == "*"
    table = list(csv.reader(io.StringIO(body(response), newline="")))
    assert table[0] == ["id", "species", "height", "protected", "planted", "checked_at"]
    assert table[3][1] == "Größe\nzweite Zeile – Spitzahorn"


def test_a_large_dataset_streams_in_several_chunks(client):
    many = make_dataset(
        fields=[Field("n", "Number", type="integer"), Field("text", "Text")],
        rows=lambda: ({"n": n, "text": "Straße, Dresden"} for n in range(20000)),
        geometry=None,
    )
    with datasets.registered(many):
        response = client.get("/data/test-trees.csv")
        chunks = list(response.streaming_content)
    assert len(chunks) > 1
    lines = b"".join(chunks).decode("utf-8").split("\r\n")
    assert lines[0] == "n,text"
    assert lines[20000] == '19999,"Straße, Dresden"'


def test_geojson_download(client, trees):
    response = client.get("/data/test-trees.geojson")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"] == 'attachment; filename="test-trees.geojson"'
    assert response["Link"] == LICENCE_LINK
    collection = json.loads(body(response))
    assert collection["type"] == "FeatureCollection"
    assert collection["features"][0]["geometry"]["coordinates"] == [13.7373, 51.0504]
    assert collection["features"][1]["properties"]["species"] == 'Quercus robur "Fastigiata"'


def test_geojson_of_a_dataset_without_geometry_is_404_with_a_reason(client, counts):
    response = client.get("/data/test-counts.geojson", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "has no geometry, so it is offered as CSV only" in response.content.decode()


@pytest.mark.parametrize("url", ["/data/nothing/", "/data/nothing.csv", "/data/nothing.geojson"])
def test_unknown_dataset_is_404(client, url):
    response = client.get(url, headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "There is no dataset called “nothing”." in response.content.decode()
