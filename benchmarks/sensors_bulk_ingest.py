"""Bulk ingest through SensorThings CreateObservations on SQLite.

Claim measured: ``smartcity.sensors.sta.write.create_observations`` stores N rows of a
data-array request (parse, check and type every row, resolve the FeatureOfInterest,
widen the Datastream's extents, build the selfLinks) at a rate close to the database
insert itself. The anchor is Django's plain ``bulk_create`` of the same rows as Observation
objects built beforehand (only the insert is timed); it runs in the same process on the
same database file, so the ratio (ours / anchor time) carries across machines better
than the rate.

Run: ``.venv/bin/python benchmarks/sensors_bulk_ingest.py [--rows 100000] [--repeat 3]``.
Prints JSON and writes ``benchmarks/results/sensors_bulk_ingest_sqlite.json``.
"""

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine, now_iso, write_result

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "sensors_bulk_ingest_sqlite.json"


def setup_django(directory: str) -> None:
    # A database file of its own (WAL, as the platform runs it), never the developer's.
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcity.config.test_settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_datastream(index: int):
    from smartcity.sensors.sta import write

    thing = write.create(
        "Things",
        {
            "name": f"Station {index}",
            "description": "benchmark",
            "Locations": [
                {
                    "name": "Altmarkt",
                    "description": "Market square",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [13.7373, 51.0504]},
                }
            ],
        },
    )
    return write.create(
        "Datastreams",
        {
            "name": "Air temperature",
            "description": "benchmark",
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "unitOfMeasurement": {
                "name": "degree Celsius",
                "symbol": "°C",
                "definition": "ucum:Cel",
            },
            "Thing": {"@iot.id": thing.pk},
            "Sensor": {
                "name": "DS18B20",
                "description": "benchmark",
                "encodingType": "application/pdf",
                "metadata": "http://example.org/ds18b20.pdf",
            },
            "ObservedProperty": {
                "name": "Air temperature",
                "description": "benchmark",
                "definition": "http://example.org/air-temperature",
            },
        },
    )


def rows(count: int, offset_days: int) -> list[tuple[datetime, float]]:
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=offset_days)
    return [(start + timedelta(minutes=i), round(15 + (i % 977) / 100, 2)) for i in range(count)]


def settle() -> None:
    """Start each timed run from the same state: WAL checkpointed, garbage collected."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    gc.collect()


def time_create_observations(datastream, data) -> float:
    from smartcity.sensors.sta import write

    payload = [
        {
            "Datastream": {"@iot.id": datastream.pk},
            "components": ["phenomenonTime", "result"],
            "dataArray@iot.count": len(data),
            "dataArray": [
                [moment.isoformat().replace("+00:00", "Z"), value] for moment, value in data
            ],
        }
    ]
    payload = json.loads(json.dumps(payload))  # what a view hands over after parsing the body
    settle()
    started = time.perf_counter()
    answer = write.create_observations(payload, base_url="http://localhost/sta/v1.1")
    elapsed = time.perf_counter() - started
    assert "error" not in answer and len(answer) == len(data)
    return elapsed


def time_plain_bulk_create(datastream, data) -> float:
    from django.db import transaction

    from smartcity.sensors import models as m

    feature = m.FeatureOfInterest.objects.filter(
        source_location__in=datastream.thing.locations.all()
    ).first() or m.FeatureOfInterest.objects.create(
        name="f", description="d", feature={"type": "Point", "coordinates": [0, 0]}
    )
    observations = [
        m.Observation(
            datastream_id=datastream.pk,
            feature_of_interest_id=feature.pk,
            phenomenon_time_start=moment,
            result_type=m.ResultType.NUMBER,
            result_number=value,
            result_string=repr(value),
        )
        for moment, value in data
    ]
    settle()
    started = time.perf_counter()
    with transaction.atomic():
        m.Observation.objects.bulk_create(observations, batch_size=5000)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="smartcity-bench-") as directory:
        setup_django(directory)
        import django
        from django.db import connection

        ours, anchor = [], []
        for run in range(options.repeat):
            data = rows(options.rows, offset_days=run * 400)
            # Alternate the order so that a growing table does not favour either side.
            if run % 2:
                anchor.append(time_plain_bulk_create(make_datastream(2 * run), data))
                ours.append(time_create_observations(make_datastream(2 * run + 1), data))
            else:
                ours.append(time_create_observations(make_datastream(2 * run), data))
                anchor.append(time_plain_bulk_create(make_datastream(2 * run + 1), data))
        sqlite_version = connection.Database.sqlite_version
        django_version = django.get_version()

    ours_s, anchor_s = statistics.median(ours), statistics.median(anchor)
    result = {
        "benchmark": "sensors_bulk_ingest",
        "database": "sqlite",
        "rows": options.rows,
        "repeat": options.repeat,
        "create_observations_s": round(ours_s, 3),
        "create_observations_rows_per_s": round(options.rows / ours_s),
        "plain_bulk_create_s": round(anchor_s, 3),
        "plain_bulk_create_rows_per_s": round(options.rows / anchor_s),
        "ratio_to_plain_bulk_create": round(ours_s / anchor_s, 2),
        "machine": machine(sqlite=sqlite_version, django=django_version),
        "measured_at": now_iso(),
    }
    write_result(RESULT, result)


if __name__ == "__main__":
    main()
