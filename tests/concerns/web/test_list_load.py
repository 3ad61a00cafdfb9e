"""The public list under load (benchmarks/concerns_load.py): its rows are read fresh on
every request, its total is counted once a minute per filter."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.concerns.conftest import NEUSTADT


def test_new_concerns_are_listed_at_once_and_the_total_is_counted_once_a_minute(english, published):
    first = published()
    assert "1 concern" in english.get("/concerns/").content.decode()
    second = published(at=NEUSTADT)
    with CaptureQueriesContext(connection) as queries:
        page = english.get("/concerns/").content.decode()
    assert first.service_request_id in page and second.service_request_id in page
    assert "1 concern" in page  # the total counted a moment ago
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # Each filter has its own total.
    page = english.get("/concerns/", {"district": "neustadt"}).content.decode()
    assert second.service_request_id in page and "1 concern" in page
    cache.clear()  # the minute has passed
    assert "2 concerns" in english.get("/concerns/").content.decode()


def test_the_filter_form_reads_the_categories_and_districts_once(english, published):
    published()
    with CaptureQueriesContext(connection) as queries:
        page = english.get("/concerns/", {"category": "schlagloch", "district": "altstadt"})
    assert page.status_code == 200 and "Schlagloch" in page.content.decode()
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries if " FROM " in q["sql"]]
    assert tables.count('"concerns_category"') == 1
    assert tables.count('"geography_area"') <= 3  # choices, the map's areas, the filter
