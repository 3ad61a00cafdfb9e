"""The sensor backbone at city scale: 10 million Observations on 10,000 Datastreams.

Claims measured (issue 3), each through the whole HTTP stack (Django's test client: URL
routing, query parsing, database, JSON), on SQLite or PostgreSQL:

- ``latest``: the latest Observation of every Datastream, ``GET /Things?$top=1000&$expand=``
  ``Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))``;
  anchor: the same request without the Observations (``$expand=Datastreams``), so the
  ratio is what finding 10,000 latest values adds to serving 11,000 entities;
- ``hourly_year``: a year of one-minute data aggregated hourly
  (``/Datastreams(id)/Aggregates?interval=hour``); anchor: the same buckets computed by
  the database from the raw rows (one GROUP BY query);
- ``count``: ``GET /Observations?$count=true&$top=1`` over all rows; anchor: the exact
  ``SELECT count(*)`` of the table;
- ``ingest``: ``POST /CreateObservations`` of 10,000-row requests into the full table,
  with a platform token; anchor: the database's own fastest insert of the same rows
  (``executemany`` on SQLite, ``COPY`` on PostgreSQL) in the same run.

The table is filled time-major (all streams at 00:00, then all at 00:15, ...), as a city's
sensors deliver, with the database's fast path (not timed as a claim; its time is reported).
One Datastream carries a year of one-minute values (525,600), the others share the rest.

Run::

    .venv/bin/python benchmarks/sensors_city_scale.py --database sqlite
    .venv/bin/python benchmarks/sensors_city_scale.py --database postgresql

``--observations`` scales the table down for a quick look; ``--keep`` keeps the filled
database (``var/bench-city.sqlite3`` or the PostgreSQL database ``smartcity_bench_city``)
and reuses it on the next run. Writes ``benchmarks/results/sensors_city_scale_<db>.json``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine, now_iso, write_result

ROOT = Path(__file__).resolve().parent.parent
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
MINUTES_PER_YEAR = 365 * 24 * 60
FILL_START = datetime(2026, 1, 1, tzinfo=UTC)
FILL_STEP = timedelta(minutes=15)
SQLITE_PATH = ROOT / "var" / "bench-city.sqlite3"
PG_NAME = "smartcity_bench_city"
BASE = "/sta/v1.1"


def setup_django(database: str, keep: bool) -> bool:
    """Point Django at the benchmark database; True when a kept, filled one is reused."""
    reuse = False
    if database == "sqlite":
        SQLITE_PATH.parent.mkdir(exist_ok=True)
        reuse = keep and SQLITE_PATH.exists()
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    else:
        import psycopg

        name = PG_NAME if keep else f"smartcity_bench_city_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True) as c:
            exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            reuse = keep and exists is not None
            if not reuse:
                c.execute(f'DROP DATABASE IF EXISTS "{name}"')
                c.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    # Ingest enqueues the aggregate refresh for the worker, as in production.
    os.environ["TASKS_BACKEND"] = "database"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcity.config.test_settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return reuse


def drop_database(database: str, keep: bool) -> None:
    if database != "postgresql" or keep:
        return
    import psycopg
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.close()
    with psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')


def create_network(things: int, streams_per_thing: int) -> list[tuple[int, int]]:
    """Things with a Location and a FeatureOfInterest, and their Datastreams; answers
    (datastream id, feature id) pairs."""
    from django.db import transaction

    from smartcity.sensors import models as m

    with transaction.atomic():
        sensor = m.Sensor.objects.create(
            name="Benchmark sensor", encoding_type="text/plain", metadata="benchmark"
        )
        properties = m.ObservedProperty.objects.bulk_create(
            m.ObservedProperty(name=f"Property {i}", definition=f"http://example.org/p{i}")
            for i in range(streams_per_thing)
        )
        points = [
            {"type": "Point", "coordinates": [13.6 + (i % 100) * 0.003, 50.98 + (i // 100) * 0.01]}
            for i in range(things)
        ]
        locations = m.Location.objects.bulk_create(
            m.Location(name=f"Site {i}", location=points[i]) for i in range(things)
        )
        thing_rows = m.Thing.objects.bulk_create(
            m.Thing(name=f"Station {i}", description="benchmark") for i in range(things)
        )
        m.Thing.locations.through.objects.bulk_create(
            m.Thing.locations.through(thing_id=t.pk, location_id=loc.pk)
            for t, loc in zip(thing_rows, locations, strict=True)
        )
        features = m.FeatureOfInterest.objects.bulk_create(
            m.FeatureOfInterest(name=f"Site {i}", feature=points[i], source_location=loc)
            for i, loc in enumerate(locations)
        )
        streams = m.Datastream.objects.bulk_create(
            m.Datastream(
                name=f"Property {p} at station {i}",
                thing=thing,
                sensor=sensor,
                observed_property=prop,
                unit_of_measurement={"name": "unit", "symbol": "u", "definition": "u"},
            )
            for i, thing in enumerate(thing_rows)
            for p, prop in enumerate(properties)
        )
    feature_of = {t.pk: f.pk for t, f in zip(thing_rows, features, strict=True)}
    return [(s.pk, feature_of[s.thing_id]) for s in streams]


def instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def reading(index: int) -> float:
    return round(20 + (index % 977) / 100, 2)


def raw_insert(rows) -> None:
    """The database's own fastest insert of (datastream, feature, time, value) rows."""
    from django.db import connection, transaction

    columns = (
        "datastream_id, feature_of_interest_id, phenomenon_time_start, result_type, "
        "result_number, result_string"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY sensors_observation ({columns}) FROM STDIN") as copy:
                for stream, feature, moment, value in rows:
                    copy.write_row((stream, feature, moment, 0, value, repr(value)))
        else:
            cursor.executemany(
                f"INSERT INTO sensors_observation ({columns}) VALUES (%s, %s, %s, 0, %s, %s)",  # noqa: S608
                [(s, f, m.strftime("%Y-%m-%d %H:%M:%S"), v, repr(v)) for s, f, m, v in rows],
            )


def fill(pairs: list[tuple[int, int]], observations: int) -> dict:
    from django.db import connection

    from smartcity.sensors import models as m
    from smartcity.sensors.timeseries.maintenance import rebuild_aggregates

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -1000000")
    year_stream, year_feature = pairs[0]
    year = min(MINUTES_PER_YEAR, observations)
    chunk = 200_000
    for first in range(0, year, chunk):
        raw_insert(
            (year_stream, year_feature, YEAR_START + timedelta(minutes=i), reading(i))
            for i in range(first, min(first + chunk, year))
        )
    others = pairs[1:]
    per_stream = (observations - year) // len(others)
    for first in range(0, per_stream, 20):
        raw_insert(
            (stream, feature, FILL_START + step * FILL_STEP, reading(step + stream))
            for step in range(first, min(first + 20, per_stream))
            for stream, feature in others
        )
    inserted = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for stream, _feature in pairs:
        from smartcity.sensors.sta.effects import recompute_extents

        recompute_extents(m.Datastream, stream)
    rebuild_aggregates(year_stream)
    return {
        "observations": year + per_stream * len(others),
        "insert_s": round(inserted, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }


def median_ms(call, repeat: int) -> float:
    call()  # warm the caches, as a running server has them
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def get(client, path: str, **params) -> dict:
    response = client.get(BASE + path, params)
    assert response.status_code == 200, (path, response.status_code, response.content[:500])
    return json.loads(response.content)


def measure_latest(client, repeat: int) -> dict:
    latest = "Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))"
    body = get(client, "/Things", **{"$top": "1000", "$expand": latest})
    streams = [d for t in body["value"] for d in t["Datastreams"]]
    assert all(len(d["Observations"]) == 1 for d in streams), "a stream without its latest"
    ours = median_ms(lambda: get(client, "/Things", **{"$top": "1000", "$expand": latest}), repeat)
    anchor = median_ms(
        lambda: get(client, "/Things", **{"$top": "1000", "$expand": "Datastreams"}), repeat
    )
    return {
        "datastreams": len(streams),
        "latest_ms": ours,
        "anchor_without_observations_ms": anchor,
        "ratio_to_anchor": round(ours / anchor, 2),
    }


def measure_hourly_year(client, stream: int, repeat: int) -> dict:
    from django.db import connection
    from django.db.models import Avg, Count, Max, Min
    from django.db.models.functions import TruncHour

    from smartcity.sensors import models as m

    params = {
        "interval": "hour",
        "start": "2025-01-01T00:00:00Z",
        "end": "2026-01-01T00:00:00Z",
        "functions": "min,max,mean,count",
    }
    path = f"/Datastreams({stream})/Aggregates"
    buckets = get(client, path, **params)
    ours = median_ms(lambda: get(client, path, **params), repeat)

    def from_raw():
        return list(
            m.Observation.objects.filter(datastream_id=stream)
            .annotate(hour=TruncHour("phenomenon_time_start"))
            .values("hour")
            .annotate(
                low=Min("result_number"),
                high=Max("result_number"),
                mean=Avg("result_number"),
                n=Count("pk"),
            )
            .order_by("hour")
        )

    raw_buckets = len(from_raw())
    anchor = median_ms(from_raw, max(1, repeat // 2))
    connection.close()
    return {
        "buckets": len(buckets.get("value", buckets)),
        "raw_buckets": raw_buckets,
        "aggregated_ms": ours,
        "anchor_group_by_raw_ms": anchor,
        "ratio_to_anchor": round(ours / anchor, 3),
    }


# Filtered counts whose estimate is checked against the exact count: one by value (spread
# evenly over the table) and one by time (clustered in the newest keys).
COUNT_FILTERS = {
    "value": "result gt 25",
    "time": "phenomenonTime ge 2026-01-08T00:00:00Z",
}


def measure_count(client, repeat: int) -> dict:
    """``$count=true`` over all Observations and over two filters; anchor: the database's
    exact ``SELECT count(*)`` of the whole table."""
    from django.db import connection
    from django.test import override_settings

    def exact_table():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sensors_observation")
            return cursor.fetchone()[0]

    anchor = median_ms(exact_table, repeat)
    result = {"anchor_exact_table_count_ms": anchor}
    for name, condition in {"all": None, **COUNT_FILTERS}.items():
        params = {"$count": "true", "$top": "1"}
        if condition:
            params["$filter"] = condition
        reported = get(client, "/Observations", **params)["@iot.count"]
        ours = median_ms(lambda params=params: get(client, "/Observations", **params), repeat)
        with override_settings(STA_COUNT_EXACT_LIMIT=0):
            started = time.perf_counter()
            exact = get(client, "/Observations", **params)["@iot.count"]
            exact_ms = round((time.perf_counter() - started) * 1000, 1)
        result[name] = {
            "filter": condition,
            "count_reported": reported,
            "count_exact": exact,
            "error_percent": round(100 * abs(reported - exact) / max(exact, 1), 2),
            "count_ms": ours,
            "exact_count_request_ms": exact_ms,
            "ratio_to_anchor": round(ours / anchor, 2),
        }
    return result


def _ingest_bodies(pairs, requests: int, rows: int, streams_per_request: int, start):
    """``requests`` data-array bodies of ``rows`` rows each, spread over
    ``streams_per_request`` Datastreams (different ones in every request)."""
    per_stream = rows // streams_per_request
    bodies, written = [], []
    for r in range(requests):
        streams = pairs[1 + r * streams_per_request : 1 + (r + 1) * streams_per_request]
        groups = []
        for stream, feature in streams:
            moments = [start + timedelta(seconds=i) for i in range(per_stream)]
            groups.append(
                {
                    "Datastream": {"@iot.id": stream},
                    "components": ["phenomenonTime", "result"],
                    "dataArray@iot.count": per_stream,
                    "dataArray": [[instant(t), reading(i)] for i, t in enumerate(moments)],
                }
            )
            written += [(stream, feature, t, reading(i)) for i, t in enumerate(moments)]
        bodies.append(json.dumps(groups))
    return bodies, written


def measure_ingest(client, pairs, requests: int, rows_per_request: int) -> dict:
    """Two shapes of request: a gateway's (100 Datastreams × 100 rows) and a data
    logger's (one Datastream × 10,000 rows)."""
    from smartcity.sensors import models as m
    from smartcity.sensors.access import issue_token

    _token, secret = issue_token("benchmark")
    # After everything stored so far, so that repeated runs never write the same times.
    latest = m.Observation.objects.order_by("-phenomenon_time_start").first()
    start = latest.phenomenon_time_start + timedelta(days=1)
    result = {"requests_per_shape": requests, "rows_per_request": rows_per_request}
    for shape, streams_per_request in (("gateway", 100), ("logger", 1)):
        bodies, written = _ingest_bodies(
            pairs, requests, rows_per_request, streams_per_request, start
        )
        started = time.perf_counter()
        for body in bodies:
            response = client.post(
                BASE + "/CreateObservations",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
            )
            assert response.status_code == 201, response.content[:500]
            assert b'"error"' not in response.content
        ours = time.perf_counter() - started
        # The anchor: the same rows a second time, an hour later, by the database itself.
        later = [(s, f, t + timedelta(hours=1), v) for s, f, t, v in written]
        started = time.perf_counter()
        for first in range(0, len(later), rows_per_request):
            raw_insert(later[first : first + rows_per_request])
        anchor = time.perf_counter() - started
        result[shape] = {
            "streams_per_request": streams_per_request,
            "rows": len(written),
            "create_observations_rows_per_s": round(len(written) / ours),
            "anchor_raw_insert_rows_per_s": round(len(later) / anchor),
            "ratio_to_anchor": round(ours / anchor, 2),
        }
        start += timedelta(hours=2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--things", type=int, default=1000)
    parser.add_argument("--streams-per-thing", type=int, default=10)
    parser.add_argument("--observations", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ingest-requests", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep and reuse the filled database")
    parser.add_argument("--only", choices=("latest", "hourly_year", "count", "ingest"))
    options = parser.parse_args()

    reused = setup_django(options.database, options.keep)
    import django
    from django.db import connection
    from django.test import Client

    from smartcity.sensors import models as m

    record = ROOT / "var" / f"bench-city-{options.database}.json"
    if reused:
        features = dict(m.FeatureOfInterest.objects.values_list("source_location__things", "pk"))
        pairs = [
            (pk, features[thing])
            for pk, thing in m.Datastream.objects.order_by("pk").values_list("pk", "thing_id")
        ]
        filled = {**json.loads(record.read_text()), "reused": True}
    else:
        pairs = create_network(options.things, options.streams_per_thing)
        filled = fill(pairs, options.observations)
        if options.keep:
            record.write_text(json.dumps(filled))
    client = Client()
    result = {
        "benchmark": "sensors_city_scale",
        "database": options.database,
        "things": options.things,
        "datastreams": len(pairs),
        "fill": filled,
        "repeat": options.repeat,
    }
    steps = {
        "latest": lambda: measure_latest(client, options.repeat),
        "hourly_year": lambda: measure_hourly_year(client, pairs[0][0], options.repeat),
        "count": lambda: measure_count(client, options.repeat),
        "ingest": lambda: measure_ingest(client, pairs, options.ingest_requests, 10_000),
    }
    for name, step in steps.items():
        if options.only in (None, name):
            result[name] = step()
            print(name, json.dumps(result[name]), flush=True)
    version = (
        connection.Database.sqlite_version
        if connection.vendor == "sqlite"
        else connection.cursor().connection.info.server_version
    )
    result["machine"] = machine(**{options.database: str(version)}, django=django.get_version())
    result["measured_at"] = now_iso()
    drop_database(options.database, options.keep)
    if options.only is None:
        write_result(
            ROOT / "benchmarks" / "results" / f"sensors_city_scale_{options.database}.json", result
        )


if __name__ == "__main__":
    main()
