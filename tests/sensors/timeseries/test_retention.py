"""Retention: old Observations of streams with retention_days go, in batches; the rest stays."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from smartcity.sensors import models as m
from smartcity.sensors.timeseries import maintenance, services
from smartcity.sensors.timeseries.models import ObservationAggregate

from .conftest import feature, make_stream, observation


def test_retention_deletes_only_old_rows_of_streams_that_have_it(db):
    now = timezone.now().replace(microsecond=0)
    kept_30 = make_stream("Air temperature", retention_days=30)
    forever = make_stream("Water level")
    for stream in (kept_30, forever):
        m.Observation.objects.bulk_create(
            [observation(stream, now - timedelta(days=d), float(d)) for d in range(0, 60, 2)]
        )

    result = maintenance.apply_retention(now=now)

    assert result.as_dict() == {"observations": 14, "hourly_aggregates": 0, "streams": 1}
    days = sorted(
        (now - o.phenomenon_time_start).days
        for o in m.Observation.objects.filter(datastream=kept_30)
    )
    assert days == list(range(0, 31, 2))  # 30 days old exactly is not older than 30 days
    assert m.Observation.objects.filter(datastream=forever).count() == 30
    kept_30.refresh_from_db()
    assert kept_30.phenomenon_time_start == now - timedelta(days=30)
    assert kept_30.phenomenon_time_end == now


def test_retention_deletes_in_batches(db):
    now = timezone.now()
    stream = make_stream(retention_days=1)
    m.Observation.objects.bulk_create(
        [observation(stream, now - timedelta(days=2, minutes=i), 1.0) for i in range(25)]
    )
    with CaptureQueriesContext(connection) as queries:
        result = maintenance.apply_retention(now=now, batch_size=10)
    deletes = [
        q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "sensors_observation"')
    ]
    assert len(deletes) == 3  # 10 + 10 + 5 rows
    assert result.observations == 25
    assert not m.Observation.objects.filter(datastream=stream).exists()


def test_retention_covers_multidatastreams(db):
    now = timezone.now()
    thing = m.Thing.objects.create(name="Wind mast")
    sensor = m.Sensor.objects.create(name="Anemometer", encoding_type="text/html", metadata="-")
    wind = m.MultiDatastream.objects.create(
        name="Wind",
        thing=thing,
        sensor=sensor,
        multi_observation_data_types=[],
        unit_of_measurements=[],
        retention_days=7,
    )
    m.Observation.objects.bulk_create(
        [
            observation(None, now - timedelta(days=10), [3.0, 270], multi=wind),
            observation(None, now - timedelta(days=1), [4.0, 250], multi=wind),
        ]
    )
    assert maintenance.apply_retention(now=now).observations == 1
    assert m.Observation.objects.filter(multi_datastream=wind).count() == 1


def test_hourly_aggregates_go_with_the_raw_data_and_daily_ones_stay(db):
    now = timezone.now().replace(minute=30, second=0, microsecond=0)
    stream = make_stream(retention_days=10)
    foi = feature()
    m.Observation.objects.bulk_create(
        [observation(stream, now - timedelta(hours=h), 2.0, foi=foi) for h in range(0, 20 * 24)]
    )
    maintenance.rebuild_aggregates(stream.pk)
    days_before = ObservationAggregate.objects.filter(datastream=stream, period="day").count()

    maintenance.apply_retention(now=now)
    horizon = now - timedelta(days=10)
    hours = ObservationAggregate.objects.filter(datastream=stream, period="hour")
    assert hours.order_by("bucket_start").first().bucket_start > horizon - timedelta(hours=1)
    assert ObservationAggregate.objects.filter(datastream=stream, period="day").count() == (
        days_before
    )
    # A refresh later (a late value, a rebuild) must not wipe the days whose raw data is gone.
    maintenance.rebuild_aggregates(stream.pk)
    old_days = services.aggregate(
        stream.pk, now - timedelta(days=19), horizon - timedelta(days=1), interval="day"
    )
    assert old_days.source == "aggregates"
    assert [b.count for b in old_days.buckets][1:] == [24] * (len(old_days.buckets) - 1)


def test_the_tasks_run_through_the_queue_and_report_what_they_did(db):
    from smartcity.sensors.timeseries import tasks

    now = timezone.now()
    stream = make_stream(retention_days=1)
    m.Observation.objects.bulk_create(
        [observation(stream, now - timedelta(days=3), 1.0), observation(stream, now, 2.0)]
    )
    rebuilt = tasks.rebuild_aggregates_task.enqueue(stream.pk)
    # The value of three days ago lies before the horizon: its buckets are left alone.
    assert rebuilt.return_value == {
        str(stream.pk): {"written": {"hour": 1, "day": 1}, "deleted": {"hour": 0, "day": 0}}
    }
    retained = tasks.apply_retention_task.enqueue()
    assert retained.return_value == {"observations": 1, "hourly_aggregates": 0, "streams": 1}
