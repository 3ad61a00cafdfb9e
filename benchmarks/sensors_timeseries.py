"""Time series reads on SQLite: a year of one-minute data, and latest() over a city.

Claims measured (issue: "a year of one-minute data aggregated hourly: under 300 ms"):

- ``services.aggregate(..., interval="hour")`` over a year of one-minute data (525,600
  Observations of one Datastream) served from the stored hourly buckets, against the same
  call grouping the raw Observations (the anchor, same process, same database file);
- ``services.latest()`` for 10,000 Datastreams, the correlated subquery it uses against a
  window function (``ROW_NUMBER() OVER (PARTITION BY datastream ...)``) giving the same
  answer;
- what keeping the buckets costs: rebuilding a year, refreshing after a one-hour write.

Run (a temporary database; nothing of the developer's is touched)::

    SMARTCITY_VAR_DIR=$(mktemp -d) DJANGO_SETTINGS_MODULE=smartcity.config.settings \\
        .venv/bin/python benchmarks/sensors_timeseries.py [--streams 10000] [--per-stream 100]

Prints JSON and writes ``benchmarks/results/sensors_timeseries_sqlite.json``.
"""

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine, now_iso, write_result

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "sensors_timeseries_sqlite.json"
YEAR_START = datetime(2024, 1, 1, tzinfo=UTC)
MINUTES_PER_YEAR = 365 * 24 * 60  # 525,600


def setup_django(directory: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    os.environ.setdefault("SMARTCITY_VAR_DIR", directory)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcity.config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(function, repeat: int) -> tuple[float, object]:
    """Median seconds of ``repeat`` calls, and the last call's answer."""
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def make_streams(count: int) -> list[int]:
    from smartcity.sensors import models as m

    thing = m.Thing.objects.create(name="Benchmark station")
    sensor = m.Sensor.objects.create(name="DS18B20", encoding_type="text/html", metadata="-")
    prop = m.ObservedProperty.objects.create(name="Air temperature", definition="-")
    unit = {"name": "degree Celsius", "symbol": "°C", "definition": "ucum:Cel"}
    streams = m.Datastream.objects.bulk_create(
        [
            m.Datastream(
                name=f"Stream {i}",
                thing=thing,
                sensor=sensor,
                observed_property=prop,
                unit_of_measurement=unit,
            )
            for i in range(count)
        ],
        batch_size=2_000,
    )
    return [stream.pk for stream in streams]


def insert(rows) -> int:
    """Store ``(datastream_id, time, value)`` rows with plain executemany (set-up speed only)."""
    from django.db import connection, transaction

    from smartcity.sensors import models as m

    feature = m.FeatureOfInterest.objects.first() or m.FeatureOfInterest.objects.create(
        name="Altmarkt", feature={"type": "Point", "coordinates": [13.7373, 51.0504]}
    )
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        "INSERT INTO sensors_observation (datastream_id, feature_of_interest_id, "
        "phenomenon_time_start, result_type, result_number, result_string) "
        "VALUES (%s, %s, %s, 0, %s, %s)"
    )
    stored, chunk = 0, []
    with transaction.atomic(), connection.cursor() as cursor:
        for stream, moment, value in rows:
            chunk.append((stream, feature.pk, adapt(moment), value, repr(value)))
            if len(chunk) == 50_000:
                cursor.executemany(sql, chunk)
                stored, chunk = stored + len(chunk), []
        cursor.executemany(sql, chunk)
    return stored + len(chunk)


def temperature(minute: int) -> float:
    # A daily cycle on a yearly one, rounded as a sensor reports it.
    day = math.sin(2 * math.pi * (minute % 1440) / 1440)
    year = math.sin(2 * math.pi * minute / MINUTES_PER_YEAR)
    return round(10 + 12 * year + 5 * day, 2)


def latest_by_window(ids: list[int]) -> dict:
    """The alternative measured against services.latest(): rank every row, keep the first."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    from smartcity.sensors.models import Observation
    from smartcity.sensors.timeseries.intervals import format_instant

    ranked = (
        Observation.objects.filter(datastream_id__in=ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("datastream_id"),
                order_by=[F("phenomenon_time_start").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
    )
    return {
        row.datastream_id: (format_instant(row.phenomenon_time_start), row.result) for row in ranked
    }


def year_of_minutes(minutes: int, repeat: int) -> dict:
    from django.db import connection

    from smartcity.sensors.timeseries import maintenance, services
    from smartcity.sensors.timeseries.models import AggregateState

    (stream,) = make_streams(1)
    started = time.perf_counter()
    insert((stream, YEAR_START + timedelta(minutes=i), temperature(i)) for i in range(minutes))
    insert_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    rebuild_s, _ = timed(lambda: maintenance.rebuild_aggregates(stream), 1)
    end = YEAR_START + timedelta(minutes=minutes)

    def hourly():
        return services.aggregate(stream, YEAR_START, end, interval="hour")

    def daily():
        return services.aggregate(stream, YEAR_START, end, interval="day")

    served_s, served = timed(hourly, repeat)
    served_day_s, _ = timed(daily, repeat)
    assert served.source == "aggregates" and len(served.buckets) == math.ceil(minutes / 60)
    AggregateState.objects.filter(pk=stream).update(built_at=None)  # read the raw rows
    raw_s, raw = timed(hourly, repeat)
    raw_day_s, _ = timed(daily, repeat)
    assert raw.source == "raw" and [b.count for b in raw.buckets] == [
        b.count for b in served.buckets
    ]
    AggregateState.objects.filter(pk=stream).update(built_at=YEAR_START)

    # What an ingest of one late hour costs its task: both periods of that hour recomputed.
    hour = YEAR_START + timedelta(minutes=minutes // 2)
    refresh_s, _ = timed(lambda: maintenance.sync_aggregates(stream, hour, hour), repeat)
    return {
        "observations": minutes,
        "hourly_buckets": len(served.buckets),
        "insert_s": round(insert_s, 2),
        "rebuild_year_s": round(rebuild_s, 3),
        "refresh_one_hour_s": round(refresh_s, 4),
        "hourly_year_from_aggregates_s": round(served_s, 4),
        "hourly_year_from_raw_s": round(raw_s, 4),
        "ratio_raw_to_aggregates_hourly": round(raw_s / served_s, 1),
        "daily_year_from_aggregates_s": round(served_day_s, 4),
        "daily_year_from_raw_s": round(raw_day_s, 4),
    }


def latest_over_streams(streams: int, per_stream: int, repeat: int) -> dict:
    from django.db import connection

    from smartcity.sensors.timeseries import services

    ids = make_streams(streams)
    start = YEAR_START + timedelta(days=400)
    # Time-major, as a city's sensors report: every stream once per ten minutes.
    insert(
        (pk, start + timedelta(minutes=10 * step), float(step % 97))
        for step in range(per_stream)
        for pk in ids
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    subquery_s, ours = timed(lambda: services.latest(ids), repeat)
    window_s, theirs = timed(lambda: latest_by_window(ids), repeat)
    assert ours == theirs and len(ours) == streams
    return {
        "streams": streams,
        "observations_per_stream": per_stream,
        "latest_correlated_subquery_s": round(subquery_s, 4),
        "latest_window_function_s": round(window_s, 4),
        "ratio_window_to_subquery": round(window_s / subquery_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--per-stream", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--minutes", type=int, default=MINUTES_PER_YEAR, help="one-minute values")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="smartcity-bench-") as directory:
        setup_django(directory)
        import django
        from django.db import connection

        year = year_of_minutes(options.minutes, options.repeat)
        latest = latest_over_streams(options.streams, options.per_stream, options.repeat)
        sqlite_version = connection.Database.sqlite_version
        django_version = django.get_version()
        connection.close()

    result = {
        "benchmark": "sensors_timeseries",
        "database": "sqlite",
        "repeat": options.repeat,
        "year_of_minutes": year,
        "latest": latest,
        "machine": machine(sqlite=sqlite_version, django=django_version),
        "measured_at": now_iso(),
    }
    write_result(RESULT, result)


if __name__ == "__main__":
    main()
