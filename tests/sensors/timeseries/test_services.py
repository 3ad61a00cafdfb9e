"""What other apps read through the time series services: latest, window, aggregate."""

import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcity.sensors import models as m
from smartcity.sensors.timeseries import maintenance, services
from smartcity.sensors.timeseries.intervals import format_instant, parse_interval

from .conftest import UNIT, add, make_stream, utc

BERLIN = ZoneInfo("Europe/Berlin")


def test_latest_gives_each_streams_newest_reading_in_one_query(stream):
    other = make_stream("Humidity")
    silent = make_stream("Noise")
    add(stream, [(utc(2024, 5, 1, 10), 1.5), (utc(2024, 5, 1, 12), 2), (utc(2024, 5, 1, 11), 9)])
    add(other, [(utc(2024, 5, 2, 8), "sensor fault"), (utc(2024, 5, 1, 8), 60.0)])
    with CaptureQueriesContext(connection) as queries:
        found = services.latest([stream.pk, other.pk, silent.pk, 99_999])
    assert len(queries) == 1
    assert found == {
        stream.pk: ("2024-05-01T12:00:00Z", 2),
        other.pk: ("2024-05-02T08:00:00Z", "sensor fault"),
    }
    assert found[stream.pk].value == 2 and isinstance(found[stream.pk].value, int)


def test_latest_breaks_a_tie_on_time_by_the_observation_stored_last(stream):
    add(stream, [(utc(2024, 5, 1, 12), 1.0), (utc(2024, 5, 1, 12), 2.0)])
    add(stream, [(utc(2024, 5, 1, 12), 3.0)])
    add(stream, [(utc(2024, 5, 1, 11), 4.0)])
    assert services.latest([stream.pk]) == {stream.pk: ("2024-05-01T12:00:00Z", 3.0)}


def test_latest_agrees_with_python_on_many_streams(db):
    rng = random.Random(7)
    streams = [make_stream(f"Stream {i}") for i in range(30)]
    expected = {}
    for index, stream in enumerate(streams):
        if index % 7 == 0:
            continue  # no observations at all
        points = [
            (utc(2024, 5, 1) + timedelta(minutes=rng.randrange(50)), rng.random())
            for _ in range(rng.randrange(1, 12))
        ]
        rows = add(stream, points)
        newest = max(rows, key=lambda row: (row.phenomenon_time_start, row.pk))
        expected[stream.pk] = (format_instant(newest.phenomenon_time_start), newest.result)
    assert services.latest(s.pk for s in streams) == expected


def test_window_returns_raw_values_oldest_first_half_open_and_limited(stream):
    add(
        stream,
        [
            (utc(2024, 5, 1, 10, 2), 3.0),
            (utc(2024, 5, 1, 10, 0), 1.0),
            (utc(2024, 5, 1, 10, 1), "gap"),
            (utc(2024, 5, 1, 10, 3), 4.0),
        ],
    )
    start, end = utc(2024, 5, 1, 10), utc(2024, 5, 1, 10, 3)
    assert services.window(stream.pk, start, end) == [
        ("2024-05-01T10:00:00Z", 1.0),
        ("2024-05-01T10:01:00Z", "gap"),
        ("2024-05-01T10:02:00Z", 3.0),
    ]
    assert services.window(stream.pk, start, end, limit=2)[-1].value == "gap"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: services.window(s, utc(2024, 5, 2), utc(2024, 5, 1)), "start must be before"),
        (lambda s: services.window(s, utc(2024, 5, 1), utc(2024, 5, 2), limit=0), "limit must"),
        (
            lambda s: services.window(s, datetime(2024, 5, 1), utc(2024, 5, 2)),
            "start must be a date and time with a time zone",
        ),
        (
            lambda s: services.aggregate(s, utc(2024, 5, 1), utc(2024, 5, 2), interval="7min"),
            "Unknown interval “7min”; use one of: 1min, 2min",
        ),
        (
            lambda s: services.aggregate(s, utc(2024, 5, 1), utc(2024, 5, 2), functions=["avg"]),
            "Unknown function “avg”",
        ),
        (
            lambda s: services.aggregate(s, utc(2024, 5, 1), utc(2024, 5, 2), functions=[]),
            "at least one function",
        ),
        (
            lambda s: services.aggregate(s, utc(2020, 1, 1), utc(2024, 1, 1), interval="15min"),
            "more than 100,000 buckets of 15min",
        ),
    ],
)
def test_bad_parameters_raise_a_clear_error(stream, call, message):
    with pytest.raises(services.TimeseriesError, match=message):
        call(stream.pk)


def test_aggregate_returns_the_unit_and_only_non_empty_buckets(stream):
    add(stream, [(utc(2024, 5, 1, 10, m), float(m)) for m in (0, 10, 20)])
    add(stream, [(utc(2024, 5, 1, 12, 5), -2.0)])
    series = services.aggregate(
        stream.pk, utc(2024, 5, 1, 10, 30), utc(2024, 5, 1, 12, 30), functions=("mean", "max")
    )
    assert series.as_dict() == {
        "datastream": stream.pk,
        "interval": "hour",
        "start": "2024-05-01T10:00:00Z",
        "end": "2024-05-01T13:00:00Z",
        "timeZone": "Europe/Berlin",
        "unitOfMeasurement": UNIT,
        "functions": ["mean", "max"],
        "value": [
            {
                "start": "2024-05-01T10:00:00Z",
                "end": "2024-05-01T11:00:00Z",
                "count": 3,
                "mean": 10.0,
                "max": 20.0,
            },
            {
                "start": "2024-05-01T12:00:00Z",
                "end": "2024-05-01T13:00:00Z",
                "count": 1,
                "mean": -2.0,
                "max": -2.0,
            },
        ],
    }
    assert series.source == "raw"  # never built: read from the raw data


def test_unknown_datastream(db):
    with pytest.raises(m.Datastream.DoesNotExist):
        services.aggregate(12345, utc(2024, 5, 1), utc(2024, 5, 2))


def brute_force(points, interval, start, end):
    groups = defaultdict(list)
    for moment, value in points:
        if start <= moment < end:
            groups[interval.floor(moment, BERLIN)].append(value)
    return [
        (format_instant(k), len(v), min(v), max(v), math.fsum(v)) for k, v in sorted(groups.items())
    ]


BASE = utc(2024, 10, 20)  # the week with the autumn switch, and the end of a month
INTERVALS = ["1min", "5min", "15min", "30min", "hour", "day", "week", "month"]
points = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20 * 24 * 3600),
        st.floats(min_value=-100, max_value=100, allow_nan=False),
    ).map(lambda p: (BASE + timedelta(seconds=p[0]), p[1])),
    max_size=60,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=points,
    interval=st.sampled_from(INTERVALS),
    start_s=st.integers(min_value=0, max_value=10 * 24 * 3600),
    length_s=st.integers(min_value=1, max_value=12 * 24 * 3600),
)
def test_aggregate_equals_brute_force_from_aggregates_and_from_raw(
    stream, data, interval, start_s, length_s
):
    m.Observation.objects.filter(datastream=stream).delete()
    add(stream, data)
    spec = parse_interval(interval)
    start = BASE + timedelta(seconds=start_s)
    end = start + timedelta(seconds=length_s)
    low, high = spec.span(start, end, BERLIN)
    expected = brute_force(data, spec, low, high)

    raw = services.aggregate(stream.pk, start, end, interval=interval)
    maintenance.rebuild_aggregates(stream.pk)
    served = services.aggregate(stream.pk, start, end, interval=interval)
    m.ObservationAggregate.objects.filter(datastream=stream).delete()
    m.AggregateState.objects.filter(pk=stream.pk).delete()

    assert raw.source == "raw"
    assert served.source == ("raw" if spec.unit == "minute" else "aggregates")
    for series in (raw, served):
        actual = [(b.start, b.count, b.min, b.max, b.sum) for b in series.buckets]
        assert [row[:4] for row in actual] == [row[:4] for row in expected]
        for got, want in zip(actual, expected, strict=True):
            assert math.isclose(got[4], want[4], rel_tol=1e-9, abs_tol=1e-9)
        for bucket in series.buckets:
            assert bucket.end == format_instant(
                spec.next(datetime.fromisoformat(bucket.start), BERLIN)
            )


def test_a_year_of_hours_is_served_from_the_aggregates(stream):
    start = utc(2024, 1, 1)
    add(stream, [(start + timedelta(hours=h), h % 24) for h in range(366 * 24)])
    maintenance.rebuild_aggregates(stream.pk)
    series = services.aggregate(stream.pk, start, utc(2025, 1, 1), interval="hour")
    assert series.source == "aggregates"
    assert len(series.buckets) == 366 * 24
    months = services.aggregate(stream.pk, start, utc(2025, 1, 1), interval="month")
    assert [b.start for b in months.buckets][:3] == [
        "2023-12-31T23:00:00Z",
        "2024-01-31T23:00:00Z",
        "2024-02-29T23:00:00Z",
    ]
    # January's bucket starts at local midnight, one hour before the first value.
    assert months.buckets[0].count == 31 * 24 - 1
    assert sum(b.count for b in months.buckets) == 366 * 24
    assert datetime.fromisoformat(months.end) == datetime(2025, 1, 31, 23, tzinfo=UTC)
