"""A Datastream's page, its series as JSON for the chart, and as CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from smartcity.sensors.models import Observation
from smartcity.sensors.timeseries.intervals import format_instant
from tests.sensors.timeseries.conftest import add, make_stream
from tests.sensors.web.conftest import member_of, stream

pytestmark = pytest.mark.django_db


def _values(datastream):
    rows = Observation.objects.filter(datastream=datastream).order_by("phenomenon_time_start")
    return [(format_instant(o.phenomenon_time_start), o.result) for o in rows]


def test_datastream_page_shows_facts_chart_table_and_csv_link(english, network):
    elbe = stream("elbe-dresden")
    response = english.get(f"/sensors/datastreams/{elbe.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Wasserstand – Pegel Dresden, Elbe (Demo)</h1>" in html
    assert "<dd>Radarpegel – Radarpegel (Demo)</dd>" in html
    assert "<dd>cm (centimetre)</dd>" in html
    assert 'class="badge demo-label"' in html
    assert 'id="datastream-chart"' in html and "vendor/uplot/uPlot.iife.min.js" in html
    assert f'data-series-url="/sensors/datastreams/{elbe.pk}/series.json"' in html
    assert f'href="/sensors/datastreams/{elbe.pk}/series.csv"' in html
    # The table fallback holds the 13 values of the simulated 3 hours (last 24 h shown).
    table = html[html.index("<table>") : html.index("</table>")]
    assert table.count("<tr>") == 14
    assert f">{_values(elbe)[-1][1]}<" in table
    for label in ("Last 24 hours", "Last 7 days", "Last 30 days", "Custom range", "Raw values"):
        assert label in html


def test_datastream_page_with_an_impossible_range_says_why(english, network):
    elbe = stream("elbe-dresden")
    response = english.get(
        f"/sensors/datastreams/{elbe.pk}/",
        {"range": "custom", "start": "2024-05-02T00:00", "end": "2024-05-01T00:00"},
    )
    assert response.status_code == 400
    assert "The start must be before the end." in response.content.decode()


def test_series_json_raw_values(client, network):
    elbe = stream("elbe-dresden")
    response = client.get(f"/sensors/datastreams/{elbe.pk}/series.json")
    assert response.status_code == 200
    body = response.json()
    assert body["interval"] == "raw" and body["truncated"] is False
    assert body["unitOfMeasurement"]["symbol"] == "cm"
    assert [(p["time"], p["value"]) for p in body["points"]] == _values(elbe)
    assert len(body["points"]) == 13


def test_series_json_hourly_min_mean_max(client, network):
    elbe = stream("elbe-dresden")
    values = [value for _time, value in _values(elbe)]
    response = client.get(
        f"/sensors/datastreams/{elbe.pk}/series.json", {"range": "7d", "interval": "hour"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["interval"] == "hour"
    buckets = body["points"]
    assert 3 <= len(buckets) <= 4
    assert sum(b["count"] for b in buckets) == 13
    assert min(b["min"] for b in buckets) == min(values)
    assert max(b["max"] for b in buckets) == max(values)
    for bucket in buckets:
        assert bucket["min"] <= bucket["mean"] <= bucket["max"]
        start = datetime.fromisoformat(bucket["time"])
        assert datetime.fromisoformat(bucket["end"]) - start == timedelta(hours=1)


def test_series_json_custom_range_in_iso_8601(client, network):
    elbe = stream("elbe-dresden")
    values = _values(elbe)
    start, end = values[2][0], values[5][0]
    response = client.get(
        f"/sensors/datastreams/{elbe.pk}/series.json", {"start": start, "end": end}
    )
    assert response.status_code == 200
    assert [p["time"] for p in response.json()["points"]] == [v[0] for v in values[2:5]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"interval": "week"}, "interval: Select a valid choice."),
        ({"start": "yesterday", "end": "2024-05-01T00:00:00Z"}, "start: Enter a valid date/time."),
        ({"range": "custom", "start": "2024-05-01T00:00:00Z"}, "end: This field is required."),
        (
            {"start": "2024-05-02T00:00:00Z", "end": "2024-05-01T00:00:00Z"},
            "The start must be before the end.",
        ),
        (
            {"start": "2020-01-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"},
            "Choose a range of at most 366 days.",
        ),
        ({"from": "2024-05-01"}, "Unknown parameter “from”"),
    ],
)
def test_series_json_refuses_bad_parameters(english, network, params, message):
    elbe = stream("elbe-dresden")
    response = english.get(f"/sensors/datastreams/{elbe.pk}/series.json", params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_series_of_a_private_datastream_is_not_found_for_the_public(client, network):
    meter = stream("klinikum-meter")
    assert client.get(f"/sensors/datastreams/{meter.pk}/series.json").status_code == 404
    assert client.get(f"/sensors/datastreams/{meter.pk}/").status_code == 404
    client.force_login(member_of("SKD", "klinikum@example.org"))
    assert client.get(f"/sensors/datastreams/{meter.pk}/series.json").status_code == 200
    assert client.get(f"/sensors/datastreams/{meter.pk}/").status_code == 200


def test_raw_values_are_capped_and_the_client_is_told_to_aggregate(client):
    minutely = make_stream("Air temperature")
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(days=4)
    add(minutely, [(start + timedelta(minutes=i), 20.0 + i % 7) for i in range(5100)])
    url = f"/sensors/datastreams/{minutely.pk}/series.json"
    response = client.get(url, {"range": "7d"})
    body = response.json()
    assert response.status_code == 200
    assert body["truncated"] is True and len(body["points"]) == 5000
    assert body["suggestedInterval"] == "hour"
    assert "mehr als 5000 Werte" in body["detail"]
    hourly = client.get(url, {"range": "7d", "interval": "hour"}).json()
    assert hourly["truncated"] is False
    assert sum(b["count"] for b in hourly["points"]) == 5100


def test_csv_download_of_the_range(client, network):
    elbe = stream("elbe-dresden")
    response = client.get(f"/sensors/datastreams/{elbe.pk}/series.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="datastream-{elbe.pk}-raw-'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["time", "value (cm)"]
    assert [(time, float(value)) for time, value in rows[1:]] == _values(elbe)

    hourly = client.get(f"/sensors/datastreams/{elbe.pk}/series.csv", {"interval": "day"})
    rows = list(csv.reader(io.StringIO(hourly.content.decode())))
    assert rows[0] == ["start", "end", "count", "min (cm)", "mean (cm)", "max (cm)"]
    assert sum(int(row[2]) for row in rows[1:]) == 13


def test_csv_neutralises_spreadsheet_formulas_in_text_results(client):
    notes = make_stream("Status")
    add(notes, [(datetime.now(UTC) - timedelta(hours=1), '=HYPERLINK("http://evil")')])
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/sensors/datastreams/{notes.pk}/series.csv").content.decode())
        )
    )
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start": "9999-12-30T00:00:00Z", "end": "9999-12-31T23:00:00Z", "interval": "day"},
            "start: Choose a time between the years 1900 and 9000.",
        ),
        ({"start": "0001-01-01T00:00", "end": "0001-01-02T00:00"}, "between the years 1900"),
    ],
)
def test_series_json_refuses_times_at_the_ends_of_the_calendar(english, network, params, message):
    elbe = stream("elbe-dresden")
    response = english.get(f"/sensors/datastreams/{elbe.pk}/series.json", params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_ids_too_large_for_the_database_are_not_found(client):
    assert client.get(f"/sensors/datastreams/{10**30}/series.json").status_code == 404
    assert client.get(f"/sensors/datastreams/{2**63 + 5}/").status_code == 404
