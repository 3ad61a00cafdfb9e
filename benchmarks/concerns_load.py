"""Citizen concerns under load: 200,000 demo concerns served by the production server.

Claim measured (issue 4): with 200,000 published concerns, the public map's markers
(GeoJSON), the public list page (HTML: the first page, and a filtered one) and
``GET /open311/v2/requests.json`` with 1,000 results, each under load from a second
process; p50, p95 and p99 latency and requests per second on SQLite and PostgreSQL.
Target: p95 under 150 ms at 50 concurrent clients on PostgreSQL.

How:

- The database is filled with the Dresden demo catalogue (areas, departments, demo users,
  21 categories) and ``--concerns`` demo concerns: published, spread over the
  Stadtbezirke and Ortschaften, the categories and the last two years, in every state of
  the workflow, each with the history entries the use cases write (submission,
  publication, assignment, state changes with their public notes, merging, erasure of
  contact data after closing). Rows are the ones ``submit_concern`` and the processing
  use cases produce; they are written with ``bulk_create`` (the fill is not a claim; its
  time is reported).
- The platform's production server serves it: ``smartcity serve`` (gunicorn, sync
  workers) with ``SMARTCITY_ENV=production`` on 127.0.0.1, ``WEB_CONCURRENCY`` workers
  (``--workers``, 4 by default: two per core of a 2-core machine, so that one worker's
  database wait overlaps another's Python).
- ``wrk`` (Debian's package) is the load generator, a second process: ``--connections``
  concurrent connections (50), a warm-up, then ``--duration`` seconds per endpoint; a
  Lua ``done`` hook prints requests, errors and the latency percentiles. Closed loop: a
  connection sends its next request when the answer came, so latency includes queueing
  at the server.
- Anchors measured the same way in the same run, so ratios carry across machines:
  ``/healthz`` (Django's whole stack and two trivial queries) and a static file
  (whitenoise, no database).
- The map's markers and the Open311 request list are cached for a minute per query
  (per language for Open311). ``markers_uncached`` and ``open311_requests_uncached`` ask
  the same with a query string that is new for every request (an unknown parameter both
  ignore), so every request misses the cache: the cost of the query and the
  serialisation themselves, which a request pays whenever a cached answer has expired.

Run (needs Debian's ``wrk``: ``apt-get install -y wrk``; PostgreSQL on 127.0.0.1:5432,
user postgres, trust)::

    .venv/bin/python benchmarks/concerns_load.py --database sqlite
    .venv/bin/python benchmarks/concerns_load.py --database postgresql

``--keep`` keeps the filled database (``var/bench-concerns/concerns.sqlite3`` or the
PostgreSQL database ``smartcity_bench_concerns``) and reuses it on the next run (new
migrations are applied to it). Writes ``benchmarks/results/concerns_load_<db>.json``
(``--output`` to write elsewhere).
"""

import argparse
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from common import machine, now_iso, write_result

ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = ROOT / "var" / "bench-concerns"
SQLITE_PATH = WORK_DIR / "concerns.sqlite3"
PG_NAME = "smartcity_bench_concerns"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
YEARS = 2
CHUNK = 5_000
TARGET_P95_MS = 150
# Share of concerns in the Stadtbezirke (the rest in the rural Ortschaften), where most
# people live and most reports come from.
URBAN_SHARE = 0.85
CHANNELS = [("web", 0.80), ("open311", 0.15), ("staff", 0.05)]
# Final states by age of the concern: recent ones are still being worked on.
STATES_RECENT = [
    ("submitted", 0.25),
    ("open", 0.25),
    ("in_progress", 0.25),
    ("planned", 0.05),
    ("fixed", 0.12),
    ("rejected", 0.03),
    ("not_responsible", 0.03),
    ("duplicate", 0.02),
]
STATES_OLDER = [
    ("open", 0.03),
    ("in_progress", 0.04),
    ("planned", 0.04),
    ("fixed", 0.70),
    ("rejected", 0.06),
    ("not_responsible", 0.06),
    ("duplicate", 0.05),
    ("reopened", 0.02),
]
RECENT_DAYS = 14
# wrk's own timeout: long enough that no request is dropped from the percentiles.
WRK_TIMEOUT = "30s"
WRK_SCRIPT = """
local threads, prefix, counter, unique = 0, "", 0, false
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  unique = args[1] == "unique"
  prefix = args[2] .. "-" .. tostring(id)
end
function request()
  if not unique then return wrk.request() end
  counter = counter + 1
  local glue = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. glue .. "nocache=" .. prefix .. "-" .. counter)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.0f,"max":%.0f,"p50":%.0f,"p90":%.0f,"p95":%.0f,"p99":%.0f}}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end
"""


def environment(database: str) -> dict:
    """The production server's environment (the fill uses the same settings)."""
    url = f"sqlite:///{SQLITE_PATH}" if database == "sqlite" else f"{PG_SERVER}/{PG_NAME}"
    return {
        "SMARTCITY_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback: TLS ends at the proxy in front of a real deployment.
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": url,
        "SMARTCITY_VAR_DIR": str(WORK_DIR),
        "DJANGO_SETTINGS_MODULE": "smartcity.config.settings",
        "LOG_LEVEL": "WARNING",
    }


def fill_record(database: str) -> Path:
    """What the fill of a kept database reported (written once it is complete)."""
    return WORK_DIR / f"fill-{database}.json"


def prepare_database(database: str, keep: bool) -> bool:
    """A database of the benchmark's own; True when a kept, filled one is reused."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    filled = fill_record(database).exists()
    if database == "sqlite":
        reuse = keep and filled and SQLITE_PATH.exists()
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return reuse
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        reuse = keep and filled and exists is not None
        if not reuse:
            c.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
            c.execute(f'CREATE DATABASE "{PG_NAME}"')
    return reuse


def drop_database(database: str) -> None:
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}"')


def setup_django(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Production serves static files from the collected, hashed set (whitenoise).
    call_command("collectstatic", interactive=False, verbosity=0)


def load_catalogue() -> None:
    """The demo parts the concerns need: areas, departments, demo users, the catalogue."""
    from smartcity.concerns import demo as concerns_demo
    from smartcity.core.demo import organisations, users
    from smartcity.core.geography import demo as geography_demo

    for loader in (geography_demo.load, organisations.load, users.load, concerns_demo.load):
        loader()


def pick(rnd: random.Random, weighted: list[tuple[str, float]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rnd.choices(values, weights)[0]


class Places:
    """Random points inside each district, as a reporter's pin lands."""

    def __init__(self, rnd: random.Random):
        from smartcity.core.geography import geo
        from smartcity.core.geography import services as geography

        self.rnd = rnd
        districts = geography.list_areas(["stadtbezirk", "ortschaft"])
        self.urban = [a for a in districts if a.kind == "stadtbezirk"]
        self.rural = [a for a in districts if a.kind == "ortschaft"]
        self.shapes = {
            a.pk: (geo.to_shape(a.geometry), geo.prepared(a.geometry)) for a in districts
        }
        self.covers = geo.covers_point

    def draw(self):
        """(area, lat, lon)."""
        areas = self.urban if self.rnd.random() < URBAN_SHARE or not self.rural else self.rural
        area = self.rnd.choice(areas)
        shape, prepared = self.shapes[area.pk]
        west, south, east, north = shape.bounds
        while True:
            lon, lat = self.rnd.uniform(west, east), self.rnd.uniform(south, north)
            if self.covers(prepared, lon, lat):
                return area, round(lat, 6), round(lon, 6)

    def check(self, samples: int = 200) -> None:
        """The district each point gets is the one the platform's lookup finds."""
        from smartcity.core.geography import services as geography

        for _ in range(samples):
            area, lat, lon = self.draw()
            found = geography.area_at(lon, lat)
            assert found is not None and found.pk == area.pk, (area.name, lat, lon, found)


def answer_variants(category) -> list[dict]:
    """Valid answers to the category's questions, as ``validate_attributes`` stores them."""
    from smartcity.concerns.services import catalogue

    specs = [a.spec() for a in category.attributes.all() if a.variable]
    variants = []
    for n in range(4):
        answers = {}
        for spec in specs:
            if not spec.required and n % 2:
                continue
            if spec.values:
                key = spec.values[n % len(spec.values)][0]
                answers[spec.code] = [key] if spec.datatype == "multivaluelist" else key
            elif spec.datatype == "number":
                answers[spec.code] = str(5 + 10 * n)
            elif spec.datatype in ("string", "text"):
                answers[spec.code] = f"Demo {n + 1}"
        variants.append(catalogue.validate_attributes(category, answers))
    return variants


class Catalogue:
    """What every filled concern draws from: categories, routing, staff, texts."""

    def __init__(self):
        from smartcity.concerns import demo as concerns_demo
        from smartcity.concerns.models import Category
        from smartcity.concerns.services import catalogue
        from smartcity.core.accounts.models import User

        self.categories = list(Category.objects.filter(is_demo=True).order_by("service_code"))
        self.answers = {c.pk: answer_variants(c) for c in self.categories}
        self.route = catalogue.route
        self.routes = {}
        emails = concerns_demo.STAFF_BY_ORGANISATION.values()
        staff = {u.email: u for u in User.objects.filter(email__in=emails)}
        self.staff_of = {
            short: staff.get(email) for short, email in concerns_demo.STAFF_BY_ORGANISATION.items()
        }
        reports = json.loads(concerns_demo.CONCERNS_FILE.read_text(encoding="utf-8"))["concerns"]
        self.descriptions = defaultdict(list)
        for report in reports:
            self.descriptions[report["service_code"]].append(report["description"])
        self.streets = sorted({report["street"] for report in reports})
        data = json.loads(concerns_demo.CATALOGUE_FILE.read_text(encoding="utf-8"))
        self.templates = {t["title"]: t["text"] for t in data["response_templates"]}
        self.paths = concerns_demo.PATHS
        self.reopen_reason = concerns_demo.REOPEN_REASON
        self.external_body = concerns_demo.EXTERNAL_BODY

    def organisation(self, category, area):
        key = (category.pk, area.pk)
        if key not in self.routes:
            rule = self.route(category, area)
            self.routes[key] = rule.organisation if rule else None
        return self.routes[key]


def _step_data(concern, to_state: str, cat: Catalogue) -> dict:
    """What ``forward_external`` and ``merge_duplicate`` note on their state change."""
    from smartcity.concerns import workflow

    if to_state == workflow.NOT_RESPONSIBLE:
        return {"forwarded_to": cat.external_body}
    if to_state == workflow.DUPLICATE:
        return {"duplicate_of": concern.duplicate_of.service_request_id}
    return {}


def _history(concern, final: str, cat: Catalogue, rnd: random.Random, now) -> list[dict]:
    """The history entries of a concern along the default workflow to ``final``, as
    ``submit_concern``, ``publish_due``, ``assign``, ``change_state``, ``merge_duplicate``
    and ``anonymise_closed`` write them; sets the concern's state and times."""
    from smartcity.concerns import demo, workflow
    from smartcity.concerns.models import ConcernEvent

    kind = ConcernEvent.Kind
    staff = cat.staff_of.get(concern.organisation.short_name) if concern.organisation else None
    events = [
        dict(
            kind=kind.STATE_CHANGE,
            to_state=workflow.SUBMITTED,
            is_public=True,
            created_at=concern.submitted_at,
        ),
        dict(
            kind=kind.MODERATION,
            data={"action": "published_after_delay"},
            created_at=concern.published_at,
        ),
    ]
    steps = cat.paths[final]
    age = now - concern.published_at
    target = concern.category.target_time or timedelta(days=14)
    span = min(age * 0.95, target * rnd.uniform(0.2, 2.5))
    state = workflow.SUBMITTED
    for number, (to_state, title) in enumerate(steps, start=1):
        at = concern.published_at + span * number / len(steps)
        reopening = to_state == workflow.REOPENED
        events.append(
            dict(
                kind=kind.STATE_CHANGE,
                from_state=state,
                to_state=to_state,
                text=cat.reopen_reason if reopening else cat.templates.get(title, ""),
                data=_step_data(concern, to_state, cat),
                is_public=True,
                actor=None if reopening else staff,
                organisation=None if reopening else concern.organisation,
                created_at=at,
            )
        )
        if demo.advance(concern, to_state, at, staff):
            events.append(
                dict(
                    kind=kind.ASSIGNMENT,
                    actor=staff,
                    organisation=concern.organisation,
                    data={"assignee": staff.pk, "name": str(staff)},
                    created_at=at,
                )
            )
        state = to_state
    concern.state = state
    if final == workflow.NOT_RESPONSIBLE:
        concern.forwarded_to = cat.external_body
    if concern.closed_at and concern.contact_email and now - concern.closed_at > timedelta(days=90):
        erased = concern.closed_at + timedelta(days=90)
        concern.contact_name = concern.contact_email = ""
        concern.anonymised_at = erased
        events.append(dict(kind=kind.ANONYMISATION, data={"why": "retention"}, created_at=erased))
    return events


def fill(count: int, seed: int = 4) -> dict:
    """``count`` published demo concerns over the last two years, oldest first."""
    from django.db import connection, transaction
    from django.db.models import Max, OuterRef, Subquery
    from django.utils import timezone

    from smartcity.concerns import workflow
    from smartcity.concerns.models import Concern, ConcernEvent, new_service_request_id

    started = time.perf_counter()
    rnd = random.Random(seed)  # noqa: S311 - reproducible demo data, no secret
    cat = Catalogue()
    places = Places(rnd)
    places.check()
    now = timezone.now()
    first = now - timedelta(days=365 * YEARS)
    moments = sorted(first + (now - first) * rnd.random() for _ in range(count))
    used_ids = set(Concern.objects.values_list("service_request_id", flat=True))
    # Duplicates are merged into an earlier concern of the category (of an earlier chunk:
    # bulk_create needs the original saved).
    last_of_category: dict[int, Concern] = {}
    events_written = 0
    for begin in range(0, count, CHUNK):
        concerns, histories, merges, originals = [], [], [], {}
        for index in range(begin, min(begin + CHUNK, count)):
            submitted = moments[index]
            category = rnd.choice(cat.categories)
            area, lat, lon = places.draw()
            number = new_service_request_id()
            while number in used_ids:
                number = new_service_request_id()
            used_ids.add(number)
            descriptions = cat.descriptions.get(category.service_code) or [category.description]
            contact = rnd.random() < 0.6
            concern = Concern(
                service_request_id=number,
                category=category,
                lat=lat,
                lon=lon,
                area=area,
                address=f"{rnd.choice(cat.streets)} {rnd.randint(1, 120)}, Dresden",
                description=rnd.choice(descriptions),
                attributes=rnd.choice(cat.answers[category.pk]),
                channel=pick(rnd, CHANNELS),
                contact_name="Erika Beispiel (Demo)" if contact else "",
                contact_email=f"hinweis{index + 1}@example.org" if contact else "",
                organisation=cat.organisation(category, area),
                submitted_at=submitted,
                due_at=category.due_from(submitted),
                published_at=min(submitted + timedelta(hours=rnd.uniform(0.5, 24)), now),
                is_demo=True,
            )
            recent = now - submitted < timedelta(days=RECENT_DAYS)
            final = pick(rnd, STATES_RECENT if recent else STATES_OLDER)
            original = last_of_category.get(category.pk)
            if final == workflow.DUPLICATE and original is None:
                final = workflow.FIXED
            if final == workflow.DUPLICATE:
                concern.duplicate_of = original
                merges.append((original, concern))
            else:
                originals[category.pk] = concern
            histories.append(_history(concern, final, cat, rnd, now))
            concerns.append(concern)
        with transaction.atomic():
            Concern.objects.bulk_create(concerns, batch_size=1000)
            events = [
                ConcernEvent(concern=concern, **fields)
                for concern, history in zip(concerns, histories, strict=True)
                for fields in history
            ]
            events += [
                ConcernEvent(
                    concern=original,
                    kind=ConcernEvent.Kind.MERGE,
                    is_public=True,
                    actor=duplicate.assignee,
                    organisation=original.organisation,
                    data={"merged": duplicate.service_request_id},
                    created_at=duplicate.closed_at,
                )
                for original, duplicate in merges
            ]
            ConcernEvent.objects.bulk_create(events, batch_size=2000)
            events_written += len(events)
        last_of_category |= originals
        print(f"  filled {begin + len(concerns)} concerns", flush=True)
    inserted = time.perf_counter() - started
    # updated_at is "auto_now" (the moment of the insert): set it to the last change.
    last_change = (
        ConcernEvent.objects.filter(concern=OuterRef("pk"))
        .values("concern")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    Concern.objects.filter(is_demo=True).update(updated_at=Subquery(last_change))
    with connection.cursor() as cursor:
        # As autovacuum leaves a settled table on PostgreSQL: without the rows the
        # updated_at pass left behind, with the visibility map index-only scans need.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "concerns": count,
        "events": events_written,
        "insert_s": round(inserted, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Server:
    """``smartcity serve`` in production mode, its access log discarded."""

    def __init__(self, env: dict, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = (
            os.environ
            | env
            | {
                "SMARTCITY_BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": str(workers),
            }
        )
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [str(ROOT / ".venv" / "bin" / "smartcity"), "serve"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server stopped: {self.process.stderr.read()[-3000:]}")
            try:
                if fetch(self.base + "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("server did not answer /healthz within 120 s")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wrk(base: str, path: str, *, threads: int, connections: int, seconds: int, unique: bool):
    script = WORK_DIR / "wrk_report.lua"
    script.write_text(WRK_SCRIPT)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "-s",
        str(script),
        base + path,
        "--",
        "unique" if unique else "same",
        str(time.monotonic_ns()),
    ]
    run = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    line = next(li for li in run.stdout.splitlines() if li.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


def load_figures(raw: dict) -> dict:
    latency = {k: round(v / 1000, 1) for k, v in raw["latency_us"].items()}
    errors = {k: v for k, v in raw["errors"].items() if v}
    return {
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "latency_ms": latency,
        "bytes_per_response": round(raw["bytes"] / raw["requests"]) if raw["requests"] else 0,
        "errors": errors,
    }


def open311_window(newest) -> tuple[str, str]:
    """The 30 days before the newest concern's day, as Open311 ``start_date``/``end_date``."""
    end = newest.date()
    return (end - timedelta(days=30)).isoformat(), end.isoformat()


def endpoints(window: tuple[str, str]) -> dict:
    """The requests measured: name -> (path, whether each request gets a new query)."""
    start, end = window
    open311 = f"/open311/v2/requests.json?start_date={start}&end_date={end}"
    return {
        "anchor_healthz": ("/healthz", False),
        "anchor_static": ("/static/concerns/citizen.css", False),
        "markers": ("/concerns/markers.geojson", False),
        "markers_uncached": ("/concerns/markers.geojson", True),
        "list": ("/concerns/", False),
        "list_filtered": ("/concerns/?category=schlagloch&district=neustadt&state=all-open", False),
        "open311_requests": (open311, False),
        "open311_requests_uncached": (open311, True),
    }


def check_answers(base: str, paths: dict, open311_expected: int) -> dict:
    """Each endpoint answers 200 with what a client expects, before any load."""
    checks = {}
    for name, (path, _unique) in paths.items():
        status, body = fetch(base + path)
        assert status == 200, (name, status, body[:500])
        if name.startswith("markers"):
            checks[name] = {"features": len(json.loads(body)["features"])}
        elif name.startswith("open311_requests"):
            checks[name] = {"requests": len(json.loads(body))}
            assert checks[name]["requests"] == open311_expected, (checks, open311_expected)
        elif name.startswith("list"):
            checks[name] = {"items": body.decode().count('class="concern-item"')}
            assert checks[name]["items"] > 0, name
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--concerns", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=4, help="WEB_CONCURRENCY of the server")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--warmup", type=int, default=5, help="seconds before each measurement")
    parser.add_argument(
        "--only", nargs="+", help="measure only these endpoints (and the anchor /healthz)"
    )
    parser.add_argument("--keep", action="store_true", help="keep and reuse the filled database")
    parser.add_argument("--output", type=Path, help="result file (default benchmarks/results/)")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")

    env = environment(options.database)
    reused = prepare_database(options.database, options.keep)
    setup_django(env)
    import django
    from django.db import connection

    from smartcity.concerns.models import Concern, ConcernEvent
    from smartcity.concerns.open311.params import LIMIT, parse_w3c

    record = fill_record(options.database)
    if reused:
        filled = {**json.loads(record.read_text()), "reused": True}
    else:
        load_catalogue()
        filled = fill(options.concerns)
        if options.keep:
            record.write_text(json.dumps(filled))
    published = Concern.objects.published().count()
    events = ConcernEvent.objects.count()
    newest = Concern.objects.published().order_by("-submitted_at").first().submitted_at
    window = open311_window(newest)
    start, end = (parse_w3c(day) for day in window)
    in_window = Concern.objects.published().filter(submitted_at__range=(start, end)).count()
    version = (
        connection.Database.sqlite_version
        if connection.vendor == "sqlite"
        else connection.cursor().connection.info.server_version
    )
    connection.close()

    paths = endpoints(window)
    if options.only:
        paths = {name: paths[name] for name in ("anchor_healthz", *options.only)}
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout  # noqa: S607
    result = {
        "benchmark": "concerns_load",
        "database": options.database,
        "published_concerns": published,
        "events": events,
        "fill": filled,
        "server": {
            "command": "smartcity serve (gunicorn, sync workers), SMARTCITY_ENV=production",
            "web_concurrency": options.workers,
            "bind": "127.0.0.1",
        },
        "load": {
            "tool": wrk_version.splitlines()[0].strip() if wrk_version else "wrk",
            "threads": options.threads,
            "connections": options.connections,
            "warmup_s": options.warmup,
            "duration_s": options.duration,
        },
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    measured = {}
    with Server(env, options.workers) as server:
        result["checks"] = check_answers(server.base, paths, min(LIMIT, in_window))
        for name, (path, unique) in paths.items():
            load = dict(threads=options.threads, connections=options.connections, unique=unique)
            wrk(server.base, path, seconds=options.warmup, **load)
            figures = load_figures(wrk(server.base, path, seconds=options.duration, **load))
            figures = {"path": path + (" (+ a new nocache=… each request)" if unique else "")} | (
                figures | {"loadavg_after": [round(x, 2) for x in os.getloadavg()]}
            )
            measured[name] = figures
            print(name, json.dumps(figures), flush=True)
    anchor = measured["anchor_healthz"]
    for figures in measured.values():
        figures["p95_under_target"] = figures["latency_ms"]["p95"] < TARGET_P95_MS
        figures["requests_per_s_to_healthz"] = round(
            figures["requests_per_s"] / anchor["requests_per_s"], 3
        )
        figures["p95_to_healthz"] = round(
            figures["latency_ms"]["p95"] / anchor["latency_ms"]["p95"], 2
        )
    result["endpoints"] = measured
    result["target_p95_ms"] = TARGET_P95_MS
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["machine"] = machine(**{options.database: str(version)}, django=django.get_version())
    result["measured_at"] = now_iso()
    if not options.keep:
        drop_database(options.database)
        record.unlink(missing_ok=True)
    if options.only and options.output is None:
        print(json.dumps(result, indent=2))  # a partial run leaves the results file alone
        return
    output = options.output or (
        ROOT / "benchmarks" / "results" / f"concerns_load_{options.database}.json"
    )
    write_result(output, result)


if __name__ == "__main__":
    main()
