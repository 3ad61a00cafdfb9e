"""GET requests under load (benchmarks/concerns_load.py): a page costs one query however
many requests it holds, and answers are cached for a minute per URL and language."""

import pytest
from django.core.cache import cache

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from smartcity.concerns.open311.views import LIST_CACHE_SECONDS
from tests.concerns.conftest import png_bytes
from tests.concerns.open311.conftest import API, json_of

pytestmark = pytest.mark.django_db


def by_id(response) -> dict:
    return {item["service_request_id"]: item for item in json_of(response)}


def test_a_page_takes_one_query_however_many_requests_it_holds(
    client, published, staff, django_assert_num_queries
):
    photographed = published(photos=[png_bytes()], address="Altmarkt 1")
    with django_assert_num_queries(1):
        assert list(by_id(client.get(API + "requests.json"))) == [photographed.service_request_id]
    handed_over = published()
    services.forward_external(handed_over, "Deutsche Bahn", staff, "Bahngelände")
    hidden = published(address="Wilsdruffer Straße 1", at=(51.04712, 13.75034))
    services.hide(hidden, staff, text=True, personal_data=True)
    answered = published()
    services.add_note(answered, "Wir kümmern uns.", staff, public=True)
    cache.clear()
    with django_assert_num_queries(1):
        items = by_id(client.get(API + "requests.json"))
    assert len(items) == 4
    photo = items[photographed.service_request_id]
    assert photo["media_url"].startswith("http://testserver/media/uploads/images/")
    assert (photo["address"], photo["agency_responsible"]) == ("Altmarkt 1", "Umweltamt")
    assert (photo["service_code"], photo["service_name"]) == ("schlagloch", "Schlagloch")
    assert "72" in photo["service_notice"] and photo["expected_datetime"]
    assert items[handed_over.service_request_id]["agency_responsible"] == "Deutsche Bahn"
    assert items[handed_over.service_request_id]["status"] == "closed"
    place = items[hidden.service_request_id]
    assert (place["description"], place["address"], place["lat"], place["long"]) == (
        None,
        None,
        51.047,
        13.75,
    )
    assert items[answered.service_request_id]["status_notes"] == "Wir kümmern uns."


def test_the_list_is_cached_for_a_minute_per_url_and_language(
    client, published, django_assert_num_queries
):
    first = published()
    response = client.get(API + "requests.json")
    assert "public" in response["Cache-Control"]
    assert f"max-age={LIST_CACHE_SECONDS}" in response["Cache-Control"]
    second = published()
    with django_assert_num_queries(0):
        assert list(by_id(client.get(API + "requests.json"))) == [first.service_request_id]
    # Another language (or another query) is an answer of its own, read fresh.
    english = by_id(client.get(API + "requests.json", headers={"Accept-Language": "en"}))
    assert list(english) == [second.service_request_id, first.service_request_id]
    assert (
        "aims to deal with concerns of this kind"
        in english[first.service_request_id]["service_notice"]
    )
    assert len(json_of(client.get(API + "requests.json", {"status": "open"}))) == 2
    cache.clear()  # the minute has passed
    assert len(json_of(client.get(API + "requests.json"))) == 2


def test_refusals_and_new_requests_are_never_served_from_the_cache(client, published, api_key):
    published()
    assert client.get(API + "requests.json").status_code == 200
    assert client.get(API + "requests.json", {"status": "kaputt"}).status_code == 400
    assert client.get(API + "requests.json", {"status": "kaputt"}).status_code == 400
    params = {
        "api_key": api_key,
        "service_code": "schlagloch",
        "lat": "51.047",
        "long": "13.750",
        "description": "Tiefes Loch",
        "attribute[groesse]": "gross",
    }
    tokens = {json_of(client.post(API + "requests.json", params))[0]["token"] for _ in range(2)}
    assert len(tokens) == 2 and Concern.objects.count() == 3
