import datetime as dt
from decimal import Decimal

import pytest

from smartcity.core import datasets
from smartcity.core.datasets import Dataset, Field

TREE_FIELDS = [
    Field("id", "Tree number", type="integer"),
    Field("species", "Species", description="Botanical name"),
    Field("height", "Height", type="number", unit="m"),
    Field("protected", "Protected", type="boolean"),
    Field("planted", "Planted on", type="date"),
    Field("checked_at", "Last checked", type="datetime"),
]

# Values chosen to exercise CSV quoting: separator, quote, line break, umlauts, missing values.
TREES = [
    {
        "id": 1,
        "species": "Tilia cordata, Winter-Linde",
        "height": 12.5,
        "protected": True,
        "planted": dt.date(1990, 4, 1),
        "checked_at": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC),
        "lon": 13.7373,
        "lat": 51.0504,
    },
    {
        "id": 2,
        "species": 'Quercus robur "Fastigiata"',
        "height": Decimal("20.25"),
        "protected": False,
        "planted": None,
        "checked_at": None,
        "lon": 13.7,
        "lat": 51.1,
    },
    {
        "id": 3,
        "species": "Größe\nzweite Zeile – Spitzahorn",
        "height": None,
        "protected": None,
        "planted": dt.date(2001, 12, 31),
        "checked_at": None,
        "lon": None,
        "lat": None,
    },
]


def tree_geometry(row):
    if row["lon"] is None:
        return None
    return {"type": "Point", "coordinates": [row["lon"], row["lat"]]}


def make_dataset(**overrides) -> Dataset:
    values = {
        "slug": "test-trees",
        "title": "Test street trees",
        "description": "Street trees for the registry's tests.",
        "publisher": "Umweltamt",
        "theme": "ENVI",
        "keywords": ["Bäume", "Umwelt"],
        "update_frequency": "MONTHLY",
        "temporal_coverage": "1990–2024",
        "spatial_coverage": "Dresden",
        "fields": TREE_FIELDS,
        "rows": lambda: list(TREES),
        "geometry": tree_geometry,
    }
    values.update(overrides)
    return Dataset(**values)


@pytest.fixture
def trees():
    with datasets.registered(make_dataset()) as dataset:
        yield dataset


@pytest.fixture
def counts():
    """A dataset without geometry, marked as demo data, with more rows than the sample shows."""
    dataset = make_dataset(
        slug="test-counts",
        title="Test bicycle counts",
        description="Hourly bicycle counts for the registry's tests.",
        theme="TRAN",
        keywords=["Verkehr"],
        is_demo=True,
        fields=[Field("hour", "Hour", type="integer"), Field("bicycles", "Bicycles", "integer")],
        rows=lambda: ({"hour": hour, "bicycles": hour * 10} for hour in range(25)),
        geometry=None,
    )
    with datasets.registered(dataset):
        yield dataset
