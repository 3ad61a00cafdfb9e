"""PostgreSQL: BRIN against the B-tree (datastream, time) index for time series reads.

Builds the platform's schema in a database of its own (created and dropped here), fills
``sensors_observation`` with a city's interleaved data (every stream reports in turn, so
the heap is ordered by time, not by stream), then times the reads the platform makes
under three index layouts:

- ``btree``: a B-tree on (datastream_id, phenomenon_time_start), the model's index before
  migration 0004;
- ``btree_covering``: the same B-tree carrying ``result_number`` (``INCLUDE``), so that
  numeric reads and aggregation can be index-only scans (the model's ``obs_ds_time_value``
  since this measurement);
- ``brin_time``: BRIN on phenomenon_time_start, next to the foreign key's B-tree on
  datastream_id (the planner may AND the two bitmaps);
- ``brin_both``: a multi-column BRIN on (datastream_id, phenomenon_time_start).

Run: ``.venv/bin/python benchmarks/sensors_timeseries_postgresql.py [--streams 500]
[--days 30] [--step-min 5]`` with PostgreSQL on 127.0.0.1:5432 (``--server`` to change).
Prints JSON and writes ``benchmarks/results/sensors_timeseries_postgresql.json``.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine, now_iso, write_result

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "sensors_timeseries_postgresql.json"
DATABASE = "smartcity_ts_brin_bench"
START = datetime(2024, 3, 1, tzinfo=UTC)

# Layout name: (index name, statement).
LAYOUTS = {
    "btree": (
        "obs_ds_time",
        "CREATE INDEX obs_ds_time ON sensors_observation (datastream_id, phenomenon_time_start)",
    ),
    "btree_covering": (
        "obs_ds_time_cov",
        "CREATE INDEX obs_ds_time_cov ON sensors_observation "
        "(datastream_id, phenomenon_time_start) INCLUDE (result_number)",
    ),
    "brin_time": (
        "obs_time_brin",
        "CREATE INDEX obs_time_brin ON sensors_observation "
        "USING brin (phenomenon_time_start) WITH (pages_per_range = 32)",
    ),
    "brin_both": (
        "obs_ds_time_brin",
        "CREATE INDEX obs_ds_time_brin ON sensors_observation "
        "USING brin (datastream_id, phenomenon_time_start) WITH (pages_per_range = 32)",
    ),
}


def admin_connection(server: str):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def setup_django(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcity.config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(streams: int, days: int, step_min: int) -> tuple[list[int], int]:
    from django.db import connection

    from smartcity.sensors import models as m

    thing = m.Thing.objects.create(name="Benchmark station")
    sensor = m.Sensor.objects.create(name="DS18B20", encoding_type="text/html", metadata="-")
    prop = m.ObservedProperty.objects.create(name="Air temperature", definition="-")
    feature = m.FeatureOfInterest.objects.create(
        name="Altmarkt", feature={"type": "Point", "coordinates": [13.7373, 51.0504]}
    )
    ids = [
        d.pk
        for d in m.Datastream.objects.bulk_create(
            m.Datastream(
                name=f"Stream {i}",
                thing=thing,
                sensor=sensor,
                observed_property=prop,
                unit_of_measurement={"name": "degree Celsius", "symbol": "°C"},
            )
            for i in range(streams)
        )
    ]
    with connection.cursor() as cursor:
        # Time-major: at each moment every stream reports, as a city's sensors do.
        cursor.execute(
            """
            INSERT INTO sensors_observation (datastream_id, feature_of_interest_id,
                phenomenon_time_start, result_type, result_number, result_string)
            SELECT ds, %s, t, 0, v, v::text FROM (
                SELECT d.id AS ds, t, round((10 + 10 * random())::numeric, 2)::float8 AS v
                FROM generate_series(%s::timestamptz, %s::timestamptz - interval '1 second',
                                     make_interval(mins => %s)) AS t
                CROSS JOIN sensors_datastream AS d
            ) AS generated
            ORDER BY t, ds
            """,
            [feature.pk, START, START + timedelta(days=days), step_min],
        )
        rows = cursor.rowcount
        # The model's own indexes go: each layout below brings the ones it measures.
        for index in ("obs_ds_time_value", "obs_time"):
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        cursor.execute("VACUUM ANALYZE sensors_observation")
    return ids, rows


def use_layout(cursor, name: str) -> dict:
    for index, _statement in LAYOUTS.values():
        cursor.execute(f"DROP INDEX IF EXISTS {index}")
    index, statement = LAYOUTS[name]
    started = time.perf_counter()
    cursor.execute(statement)
    build_s = time.perf_counter() - started
    cursor.execute("VACUUM ANALYZE sensors_observation")
    cursor.execute("SELECT pg_relation_size(%s)", [index])
    return {"index_mb": round(cursor.fetchone()[0] / 2**20, 2), "build_s": round(build_s, 2)}


QUERIES = {
    # services.window(): one stream, one day of raw values.
    "window_one_stream_day": (
        "SELECT phenomenon_time_start, result_number FROM sensors_observation "
        "WHERE datastream_id = %(ds)s AND phenomenon_time_start >= %(day)s "
        "AND phenomenon_time_start < %(day)s + interval '1 day' ORDER BY phenomenon_time_start"
    ),
    # services.aggregate() read raw, and the refresh task: one stream, hourly, whole range.
    "hourly_one_stream_all_days": (
        "SELECT date_trunc('hour', phenomenon_time_start AT TIME ZONE 'UTC') AS b, count(*), "
        "min(result_number), max(result_number), sum(result_number) FROM sensors_observation "
        "WHERE datastream_id = %(ds)s AND result_number IS NOT NULL "
        "AND phenomenon_time_start >= %(start)s AND phenomenon_time_start < %(end)s GROUP BY b"
    ),
    # services.latest() for every stream.
    "latest_all_streams": (
        "SELECT o.id FROM sensors_observation o WHERE o.id IN (SELECT (SELECT u.id FROM "
        "sensors_observation u WHERE u.datastream_id = d.id ORDER BY u.phenomenon_time_start "
        "DESC, u.id DESC LIMIT 1) FROM sensors_datastream d)"
    ),
    # A city-wide question over a short time range: every stream, one hour.
    "all_streams_one_hour": (
        "SELECT count(*), avg(result_number) FROM sensors_observation "
        "WHERE phenomenon_time_start >= %(hour)s "
        "AND phenomenon_time_start < %(hour)s + interval '1 hour'"
    ),
}


def time_queries(cursor, ids: list[int], days: int, repeat: int) -> dict:
    rng = random.Random(11)  # noqa: S311 - picks samples, guards nothing
    timings = {}
    for name, sql in QUERIES.items():
        samples = []
        for run in range(repeat + 1):
            params = {
                "ds": rng.choice(ids),
                "day": START + timedelta(days=rng.randrange(days)),
                "hour": START + timedelta(hours=rng.randrange(days * 24)),
                "start": START,
                "end": START + timedelta(days=days),
            }
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            if run:  # the first run warms the cache
                samples.append(time.perf_counter() - started)
        timings[name + "_ms"] = round(statistics.median(samples) * 1000, 2)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--step-min", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()

    with admin_connection(options.server) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    try:
        setup_django(options.server)
        import django
        from django.db import connection

        started = time.perf_counter()
        ids, rows = fill(options.streams, options.days, options.step_min)
        fill_s = time.perf_counter() - started
        layouts = {}
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_size('sensors_observation')")
            table_mb = round(cursor.fetchone()[0] / 2**20, 1)
            for name in LAYOUTS:
                layouts[name] = use_layout(cursor, name)
                layouts[name].update(time_queries(cursor, ids, options.days, options.repeat))
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        connection.close()
    finally:
        with admin_connection(options.server) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    result = {
        "benchmark": "sensors_timeseries_postgresql",
        "database": "postgresql",
        "observations": rows,
        "streams": options.streams,
        "days": options.days,
        "step_min": options.step_min,
        "table_mb": table_mb,
        "fill_s": round(fill_s, 1),
        "repeat": options.repeat,
        "layouts": layouts,
        "machine": machine(postgresql=server_version, django=django.get_version()),
        "measured_at": now_iso(),
    }
    write_result(RESULT, result)


if __name__ == "__main__":
    main()
