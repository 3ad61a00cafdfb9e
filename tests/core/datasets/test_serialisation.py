import csv
import datetime as dt
import io
import json
import math

import pytest

from smartcity.core import datasets
from smartcity.core.datasets import DatasetRowError, Field

from .conftest import TREES, make_dataset


def parse_csv(lines):
    text = "".join(lines)
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_has_a_header_of_field_names_and_quotes_what_needs_it():
    lines = list(datasets.rows_to_csv(make_dataset()))
    assert lines[0] == "id,species,height,protected,planted,checked_at\r\n"
    table = parse_csv(lines)
    assert table[0] == ["id", "species", "height", "protected", "planted", "checked_at"]
    assert table[1] == [
        "1",
        "Tilia cordata, Winter-Linde",
        "12.5",
        "true",
        "1990-04-01",
        "2024-05-06T07:08:09+00:00",
    ]
    assert table[2] == ["2", 'Quercus robur "Fastigiata"', "20.25", "false", "", ""]
    assert table[3] == ["3", "Größe\nzweite Zeile – Spitzahorn", "", "", "2001-12-31", ""]
    assert len(table) == 4


def test_csv_quoting_follows_rfc_4180():
    text = "".join(datasets.rows_to_csv(make_dataset()))
    assert '"Tilia cordata, Winter-Linde"' in text
    assert '"Quercus robur ""Fastigiata"""' in text
    assert '"Größe\nzweite Zeile – Spitzahorn"' in text
    assert not text.startswith("\ufeff")


def test_csv_of_an_empty_dataset_is_its_header():
    lines = list(datasets.rows_to_csv(make_dataset(rows=list)))
    assert lines == ["id,species,height,protected,planted,checked_at\r\n"]


def test_non_finite_numbers_are_published_as_missing():
    dataset = make_dataset(
        fields=[Field("value", "Value", type="number")],
        rows=lambda: [{"value": math.nan}, {"value": math.inf}, {"value": 0.1}],
    )
    assert parse_csv(datasets.rows_to_csv(dataset))[1:] == [[""], [""], ["0.1"]]


@pytest.mark.parametrize(
    ("field_type", "value"),
    [
        ("integer", "12"),
        ("integer", True),
        ("integer", 1.5),
        ("number", "12.5"),
        ("boolean", 1),
        ("date", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        ("date", "2024-01-01"),
        ("datetime", dt.date(2024, 1, 1)),
        ("string", ["a", "list"]),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error_naming_row_and_field(field_type, value):
    dataset = make_dataset(
        fields=[Field("value", "Value", type=field_type)],
        rows=lambda: [{"value": None}, {"value": value}],
    )
    with pytest.raises(DatasetRowError, match=r"row 2: field 'value' expects"):
        list(datasets.rows_to_csv(dataset))


def test_a_missing_field_is_an_error_not_an_empty_cell():
    dataset = make_dataset(rows=lambda: [{"id": 1}])
    with pytest.raises(DatasetRowError, match="row 1: field 'species' is missing"):
        list(datasets.rows_to_csv(dataset))


class QuerySetLike:
    """Stands in for a queryset: reading it whole (``__iter__``) would load every row."""

    def __init__(self, objects):
        self.objects = objects
        self.chunk_sizes = []

    def __iter__(self):
        raise AssertionError("the whole queryset was loaded")

    def __getitem__(self, key):
        sliced = QuerySetLike(self.objects[key])
        sliced.chunk_sizes = self.chunk_sizes
        return sliced

    def iterator(self, chunk_size):
        self.chunk_sizes.append(chunk_size)
        return iter(self.objects)


def test_a_queryset_source_is_read_in_chunks_through_the_row_function():
    source = QuerySetLike([("Linde", 3), ("Eiche", 7)])
    dataset = make_dataset(
        fields=[Field("name", "Name"), Field("age", "Age", type="integer", unit="a")],
        rows=lambda: source,
        row=lambda item: {"name": item[0], "age": item[1]},
        geometry=None,
    )
    assert parse_csv(datasets.rows_to_csv(dataset)) == [
        ["name", "age"],
        ["Linde", "3"],
        ["Eiche", "7"],
    ]
    assert datasets.sample(dataset, 1) == [["Linde", "3"]]
    assert source.chunk_sizes == [datasets.QUERYSET_CHUNK_SIZE, datasets.QUERYSET_CHUNK_SIZE]


def test_geojson_is_a_feature_collection_with_lon_lat_positions_and_field_properties():
    collection = datasets.rows_to_geojson(make_dataset())
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["type"] for f in features] == ["Feature"] * 3
    # RFC 7946 §3.1.1: longitude first. Dresden lies at about 13.7° E, 51.05° N.
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [13.7373, 51.0504]}
    assert features[0]["properties"] == {
        "id": 1,
        "species": "Tilia cordata, Winter-Linde",
        "height": 12.5,
        "protected": True,
        "planted": "1990-04-01",
        "checked_at": "2024-05-06T07:08:09+00:00",
    }
    assert features[1]["properties"]["height"] == 20.25
    assert "lon" not in features[0]["properties"]
    assert features[2]["geometry"] is None


def test_streamed_geojson_text_is_the_same_collection():
    dataset = make_dataset()
    text = b"".join(datasets.encode_chunks(datasets.geojson_text(dataset))).decode("utf-8")
    assert json.loads(text) == datasets.rows_to_geojson(dataset)
    assert "Größe" in text


def test_streamed_geojson_of_an_empty_dataset_is_valid():
    text = "".join(datasets.geojson_text(make_dataset(rows=list)))
    assert json.loads(text) == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [13.7, 95.0]}, "outside WGS 84"),
        ({"type": "Point", "coordinates": [200.0, 51.0]}, "outside WGS 84"),
        ({"type": "Point", "coordinates": [13.7]}, "a position must be"),
        ({"type": "Point", "coordinates": [13.7, math.nan]}, "finite numbers"),
        ({"type": "Polygon", "coordinates": [13.7, 51.0]}, "nested"),
        ({"type": "Circle", "coordinates": [13.7, 51.0]}, "unknown geometry type"),
        ({"type": "LineString"}, "needs 'coordinates'"),
        ({"type": "GeometryCollection", "geometries": [{"type": "Point"}]}, "needs 'coordinates'"),
        ("POINT (13.7 51.0)", "must be a mapping"),
    ],
)
def test_an_invalid_geometry_is_an_error(geometry, message):
    dataset = make_dataset(rows=lambda: TREES[:1], geometry=lambda row: geometry)
    with pytest.raises(DatasetRowError, match=message):
        datasets.rows_to_geojson(dataset)


def test_valid_geometry_types_pass():
    polygon = [[[13.6, 51.0], [13.8, 51.0], [13.8, 51.1], [13.6, 51.0]]]
    geometries = [
        {"type": "MultiPoint", "coordinates": [[13.7, 51.0], [13.8, 51.1, 120.0]]},
        {"type": "LineString", "coordinates": [(13.7, 51.0), (13.8, 51.1)]},
        {"type": "MultiLineString", "coordinates": [[[13.7, 51.0], [13.8, 51.1]]]},
        {"type": "Polygon", "coordinates": polygon},
        {"type": "MultiPolygon", "coordinates": [polygon]},
        {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [13, 51]}]},
    ]
    for geometry in geometries:
        assert datasets.geometry_problem(geometry) is None


def test_encode_chunks_joins_small_pieces():
    chunks = list(datasets.encode_chunks(["ä" * 10] * 10, size=50))
    assert b"".join(chunks) == ("ä" * 100).encode("utf-8")
    assert [len(chunk) for chunk in chunks] == [60, 60, 60, 20]


def test_text_a_spreadsheet_would_run_as_a_formula_is_defused():
    dataset = make_dataset(
        fields=[Field("note", "Note"), Field("value", "Value", type="number")],
        rows=lambda: [
            {"note": '=HYPERLINK("http://example.org")', "value": -3.5},
            {"note": "-kaputt", "value": 1},
            {"note": "Loch = tief", "value": 2},
        ],
    )
    assert parse_csv(datasets.rows_to_csv(dataset))[1:] == [
        ['\'=HYPERLINK("http://example.org")', "-3.5"],
        ["'-kaputt", "1"],
        ["Loch = tief", "2"],
    ]
