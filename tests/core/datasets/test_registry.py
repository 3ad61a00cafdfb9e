import pytest

from smartcity.core import datasets
from smartcity.core.datasets import DL_DE_BY_2_0, DL_DE_ZERO_2_0, DatasetError, Field

from .conftest import make_dataset


def test_register_get_and_unregister():
    dataset = make_dataset()
    datasets.register(dataset)
    try:
        assert datasets.get("test-trees") is dataset
        assert dataset in datasets.all_datasets()
        assert "Bäume" in datasets.all_keywords()
    finally:
        datasets.unregister("test-trees")
    assert not datasets.is_registered("test-trees")
    with pytest.raises(datasets.UnknownDataset):
        datasets.get("test-trees")


def test_default_licence_is_dl_de_by_2_0():
    licence = make_dataset().licence
    assert licence is DL_DE_BY_2_0
    assert licence.id == "dl-de/by-2-0"
    assert licence.title == "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    assert licence.url == "https://www.govdata.de/dl-de/by-2-0"


def test_licence_can_be_named_by_its_id():
    assert make_dataset(licence="dl-de/zero-2-0").licence is DL_DE_ZERO_2_0


def test_a_taken_slug_is_refused(trees):
    with pytest.raises(DatasetError, match="already registered"):
        datasets.register(make_dataset(title="Another dataset"))
    assert datasets.get("test-trees") is trees


@pytest.mark.parametrize(
    "slug", ["", "Trees", "street trees", "-trees", "trees-", "trees.csv", "bäume", "a" * 101]
)
def test_bad_slugs_are_refused(slug):
    with pytest.raises(DatasetError, match="slug"):
        datasets.register(make_dataset(slug=slug))
    assert not datasets.is_registered(slug)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fields": []}, "fields is empty"),
        ({"fields": [Field("id", "Id", type="text")]}, "type 'text'"),
        ({"fields": [Field("id", "Id"), Field("id", "Again")]}, "appears twice"),
        ({"fields": [Field("tree id", "Id")]}, "field name 'tree id'"),
        ({"fields": [Field("id", "")]}, "has no title"),
        ({"title": " "}, "title is empty"),
        ({"publisher": ""}, "publisher is empty"),
        ({"theme": "TREES"}, "theme 'TREES'"),
        ({"update_frequency": "sometimes"}, "update_frequency 'sometimes'"),
        ({"licence": "all-rights-reserved"}, "licence 'all-rights-reserved'"),
        ({"rows": [{"id": 1}]}, "rows is not callable"),
        ({"geometry": {"type": "Point"}}, "geometry is not callable"),
        ({"keywords": ["Bäume", ""]}, "empty keyword"),
    ],
)
def test_invalid_descriptions_are_refused_with_the_reason(overrides, message):
    with pytest.raises(DatasetError, match=message):
        datasets.register(make_dataset(**overrides))
    assert not datasets.is_registered("test-trees")


def test_all_problems_are_reported_at_once():
    with pytest.raises(DatasetError) as error:
        datasets.register(make_dataset(slug="Bad Slug", fields=[], theme="X"))
    text = str(error.value)
    assert "slug" in text and "fields is empty" in text and "theme 'X'" in text


def test_unregistering_an_unknown_slug_raises():
    with pytest.raises(datasets.UnknownDataset):
        datasets.unregister("no-such-dataset")


def test_registered_context_manager_cleans_up_after_an_error():
    with pytest.raises(RuntimeError), datasets.registered(make_dataset()):
        assert datasets.is_registered("test-trees")
        raise RuntimeError("test body failed")
    assert not datasets.is_registered("test-trees")


def test_datasets_are_listed_by_title(trees, counts):
    titles = [str(d.title) for d in datasets.all_datasets() if d.slug.startswith("test-")]
    assert titles == ["Test bicycle counts", "Test street trees"]


def test_keyword_filter_ignores_case(trees, counts):
    assert datasets.with_keyword([trees, counts], "bäume") == [trees]
    assert datasets.with_keyword([trees, counts], "VERKEHR") == [counts]
    assert datasets.with_keyword([trees, counts], "") == [trees, counts]
    assert datasets.with_keyword([trees, counts], "Haushalt") == []


def test_formats_follow_the_geometry(trees, counts):
    assert trees.formats == ("csv", "geojson")
    assert counts.formats == ("csv",)
