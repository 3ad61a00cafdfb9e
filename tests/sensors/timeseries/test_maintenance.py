"""The stored hourly and daily buckets equal the raw data, whatever order it arrives in."""

import math
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcity.sensors import models as m
from smartcity.sensors.timeseries import maintenance, services
from smartcity.sensors.timeseries.models import AggregateState, ObservationAggregate

from .conftest import add, utc

BERLIN = ZoneInfo("Europe/Berlin")
# Two days either side of the autumn switch (27 October 2024, a 25-hour day).
BASE = utc(2024, 10, 25, 12)
SPAN_S = 4 * 24 * 3600


def stored(stream, period):
    return {
        a.bucket_start: (a.count, a.minimum, a.maximum, a.total)
        for a in ObservationAggregate.objects.filter(datastream=stream, period=period)
    }


def brute_force(points, key):
    groups = defaultdict(list)
    for moment, value in points:
        if isinstance(value, int | float) and not isinstance(value, bool):
            groups[key(moment)].append(value)
    return {k: (len(v), min(v), max(v), math.fsum(v)) for k, v in groups.items()}


def hour_key(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def day_key(moment):
    return datetime.combine(moment.astimezone(BERLIN).date(), time(), tzinfo=BERLIN)


def assert_same(actual, expected):
    assert set(actual) == set(expected)
    for key, (count, low, high, total) in expected.items():
        assert actual[key][:3] == (count, low, high), key
        assert math.isclose(actual[key][3], total, rel_tol=1e-9, abs_tol=1e-6), key


values = st.one_of(
    st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
    st.integers(min_value=-1000, max_value=1000),
    st.sampled_from(["offline", True, None, {"state": "maintenance"}]),
)
points = st.lists(
    st.tuples(st.integers(min_value=0, max_value=SPAN_S), values).map(
        lambda p: (BASE + timedelta(seconds=p[0]), p[1])
    ),
    max_size=80,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=points, late=points)
def test_buckets_equal_brute_force_with_late_and_out_of_order_data(stream, first, late):
    m.Observation.objects.filter(datastream=stream).delete()
    ObservationAggregate.objects.filter(datastream=stream).delete()
    add(stream, first)
    maintenance.refresh_aggregates(stream.pk, BASE, BASE + timedelta(seconds=SPAN_S))
    add(stream, late)  # late data, in any order, into buckets that already exist
    if late:
        times = [moment for moment, _ in late]
        maintenance.refresh_aggregates(stream.pk, max(times), min(times))
    everything = first + late
    assert_same(stored(stream, "hour"), brute_force(everything, hour_key))
    assert_same(stored(stream, "day"), brute_force(everything, day_key))


def test_the_25_hour_day_gets_one_bucket_with_all_its_hours(stream):
    # Every hour of 27 October 2024 in Berlin: 22:00 UTC on the 26th to 23:00 UTC on the 27th.
    add(stream, [(utc(2024, 10, 26, 22) + timedelta(hours=h), float(h)) for h in range(26)])
    maintenance.refresh_aggregates(stream.pk, utc(2024, 10, 26, 22), utc(2024, 10, 27, 23))
    days = stored(stream, "day")
    assert days == {
        utc(2024, 10, 26, 22): (25, 0.0, 24.0, float(sum(range(25)))),
        utc(2024, 10, 27, 23): (1, 25.0, 25.0, 25.0),
    }
    assert len(stored(stream, "hour")) == 26


def test_deleting_and_updating_observations_updates_or_removes_their_buckets(stream):
    rows = add(stream, [(utc(2024, 5, 1, 10, 5), 1.0), (utc(2024, 5, 1, 11, 5), 5.0)])
    maintenance.refresh_aggregates(stream.pk, utc(2024, 5, 1, 10), utc(2024, 5, 1, 12))
    assert stored(stream, "hour")[utc(2024, 5, 1, 11)] == (1, 5.0, 5.0, 5.0)

    rows[1].delete()
    rows[0].set_result(3.5)
    rows[0].save()
    maintenance.refresh_aggregates(stream.pk, utc(2024, 5, 1, 10, 5), utc(2024, 5, 1, 11, 5))
    assert stored(stream, "hour") == {utc(2024, 5, 1, 10): (1, 3.5, 3.5, 3.5)}
    assert stored(stream, "day") == {utc(2024, 4, 30, 22): (1, 3.5, 3.5, 3.5)}

    rows[0].delete()
    maintenance.refresh_aggregates(stream.pk, utc(2024, 5, 1, 10, 5), utc(2024, 5, 1, 10, 5))
    assert stored(stream, "hour") == {}
    assert stored(stream, "day") == {}


def test_only_numeric_results_are_aggregated(stream):
    add(
        stream,
        [
            (utc(2024, 5, 1, 10), 2),
            (utc(2024, 5, 1, 10, 1), "calibrating"),
            (utc(2024, 5, 1, 10, 2), None),
            (utc(2024, 5, 1, 10, 3), True),
            (utc(2024, 5, 1, 10, 4), 4.5),
        ],
    )
    maintenance.refresh_aggregates(stream.pk, utc(2024, 5, 1, 10), utc(2024, 5, 1, 10, 4))
    assert stored(stream, "hour") == {utc(2024, 5, 1, 10): (2, 2.0, 4.5, 6.5)}


def test_refresh_leaves_other_datastreams_alone(stream):
    from .conftest import make_stream

    other = make_stream("Humidity")
    add(stream, [(utc(2024, 5, 1, 10), 1.0)])
    add(other, [(utc(2024, 5, 1, 10), 70.0)])
    maintenance.refresh_aggregates(other.pk, utc(2024, 5, 1), utc(2024, 5, 2))
    maintenance.refresh_aggregates(stream.pk, utc(2024, 5, 1), utc(2024, 5, 2))
    m.Observation.objects.filter(datastream=stream).delete()
    maintenance.refresh_aggregates(stream.pk, utc(2024, 5, 1), utc(2024, 5, 2))
    assert stored(stream, "hour") == {}
    assert stored(other, "hour") == {utc(2024, 5, 1, 10): (1, 70.0, 70.0, 70.0)}


def test_schedule_refresh_keeps_aggregates_current_through_the_task(stream):
    # Test settings run tasks inline, as a worker would after the commit.
    add(stream, [(utc(2024, 5, 1, 10, 5), 1.0)])
    maintenance.schedule_refresh(stream.pk, utc(2024, 5, 1, 10, 5))
    state = AggregateState.objects.get(pk=stream.pk)
    assert state.built_at is not None
    assert (state.dirty_start, state.dirty_end) == (None, None)
    assert stored(stream, "hour") == {utc(2024, 5, 1, 10): (1, 1.0, 1.0, 1.0)}

    late = add(stream, [(utc(2024, 4, 30, 8), 9.0)])
    maintenance.schedule_refresh(stream.pk, late[0].phenomenon_time_start)
    assert stored(stream, "hour")[utc(2024, 4, 30, 8)] == (1, 9.0, 9.0, 9.0)
    series = services.aggregate(stream.pk, utc(2024, 4, 30), utc(2024, 5, 2), interval="day")
    assert series.source == "aggregates"
    assert [(b.start, b.count, b.max) for b in series.buckets] == [
        ("2024-04-29T22:00:00Z", 1, 9.0),
        ("2024-04-30T22:00:00Z", 1, 1.0),
    ]


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_bulk_write_of_10000_rows_queues_one_task_and_reads_stay_exact(stream):
    start = utc(2024, 5, 1)
    data = [(start + timedelta(minutes=i), float(i % 100)) for i in range(10_000)]
    batch = maintenance.RefreshBatch()
    for row in add(stream, data):
        batch.add_observation(row)
    batch.schedule()

    queued = DBTaskResult.objects.filter(task_path__endswith="refresh_aggregates_task")
    assert queued.count() == 1
    assert queued.get().args_kwargs["args"] == [
        [[stream.pk, "2024-05-01T00:00:00Z", "2024-05-07T22:39:00Z"]]
    ]
    # Before a worker ran it, the buckets are read from the raw data.
    series = services.aggregate(stream.pk, start, start + timedelta(days=7), interval="day")
    assert series.source == "raw"
    assert sum(b.count for b in series.buckets) == 10_000

    result = maintenance.sync_aggregates(stream.pk, start, start + timedelta(minutes=9_999))
    assert result.written == {"hour": 167, "day": 8}
    series = services.aggregate(stream.pk, start, start + timedelta(days=7), interval="day")
    assert series.source == "aggregates"
    assert sum(b.count for b in series.buckets) == 10_000


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_write_after_the_build_is_read_raw_until_refreshed(stream):
    add(stream, [(utc(2024, 5, 1, 10), 1.0)])
    maintenance.rebuild_aggregates(stream.pk)
    add(stream, [(utc(2024, 5, 1, 12, 30), 7.0)])
    maintenance.schedule_refresh(stream.pk, utc(2024, 5, 1, 12, 30))

    series = services.aggregate(stream.pk, utc(2024, 5, 1, 9), utc(2024, 5, 1, 15))
    assert series.source == "mixed"
    assert [(b.start, b.count, b.max) for b in series.buckets] == [
        ("2024-05-01T10:00:00Z", 1, 1.0),
        ("2024-05-01T12:00:00Z", 1, 7.0),
    ]
    maintenance.sync_aggregates(stream.pk, utc(2024, 5, 1, 12, 30), utc(2024, 5, 1, 12, 30))
    assert AggregateState.objects.get(pk=stream.pk).dirty_start is None
    again = services.aggregate(stream.pk, utc(2024, 5, 1, 9), utc(2024, 5, 1, 15))
    assert again.source == "aggregates"
    assert again.buckets == series.buckets


def test_a_refresh_for_a_deleted_datastream_does_nothing(stream):
    pk = stream.pk
    stream.delete()
    result = maintenance.sync_aggregates(pk, utc(2024, 5, 1), utc(2024, 5, 2))
    assert result.written == {"hour": 0, "day": 0}
    with pytest.raises(m.Datastream.DoesNotExist):
        maintenance.rebuild_aggregates(pk)


def test_rebuild_covers_data_written_before_the_aggregates_existed(stream):
    add(stream, [(utc(2023, 1, 1, 0, 30), 1.0), (utc(2024, 6, 1, 0, 30), 2.0)])
    results = maintenance.rebuild_aggregates()
    assert results[stream.pk].written == {"hour": 2, "day": 2}
    assert AggregateState.objects.get(pk=stream.pk).built_at is not None
