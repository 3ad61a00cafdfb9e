"""Keeping the hourly and daily aggregates equal to the raw Observations, and retention.

Writers call :func:`schedule_refresh` (or collect many rows in a :class:`RefreshBatch`)
inside their transaction. That marks the changed time range dirty in the same transaction,
so queries read it from the raw data until it is recomputed, and queues one
``refresh_aggregates_task`` per write for the Datastreams it touched. The task recomputes every
bucket touching the range from the raw data (one grouped query per period) and upserts
the result, so late, out-of-order, updated and deleted Observations all end up right:
nothing is ever added to a bucket incrementally.

Buckets that start before a Datastream's retention horizon are never recomputed: their
raw data is (partly) gone, and the daily aggregates outlive it on purpose (see
:func:`apply_retention`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, DateTimeField, F, Max, Min, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least, TruncDay, TruncHour
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db import DatabaseBackend

from smartcity.sensors.models import Datastream, MultiDatastream, Observation
from smartcity.sensors.timeseries.intervals import DAY, HOUR, Interval, format_instant
from smartcity.sensors.timeseries.models import AggregateState, ObservationAggregate

__all__ = [
    "RefreshBatch",
    "RefreshResult",
    "RetentionResult",
    "apply_retention",
    "city_zone",
    "rebuild_aggregates",
    "refresh_aggregates",
    "retention_horizon",
    "schedule_refresh",
    "sync_aggregates",
]

PERIODS: dict[str, Interval] = {"hour": HOUR, "day": DAY}
DELETE_BATCH = 5_000


def city_zone() -> ZoneInfo:
    """The time zone whose midnight starts a day bucket (the platform's TIME_ZONE)."""
    return ZoneInfo(settings.TIME_ZONE)


def _trunc(period: str, field: str):
    if period == "hour":
        return TruncHour(field, tzinfo=UTC)
    return TruncDay(field, tzinfo=city_zone())


def retention_horizon(retention_days: int | None, now: datetime | None = None):
    """The instant before which a stream's Observations are deleted (None: kept for ever)."""
    if retention_days is None:
        return None
    return (now or timezone.now()) - timedelta(days=retention_days)


@dataclass
class RefreshResult:
    """Buckets written (inserted or updated) and deleted by a refresh, per period."""

    written: dict[str, int]
    deleted: dict[str, int]

    def as_dict(self) -> dict:
        return {"written": self.written, "deleted": self.deleted}


def _locked_state(datastream_id: int) -> AggregateState:
    """The Datastream's state row, locked until the transaction ends.

    The lock serialises refreshes of one Datastream with each other and with writers
    (which update this row when they mark a range dirty), so a refresh reads raw data and
    dirty range that belong together and clears only what it recomputed. A write that
    commits during a refresh marks its range after the refresh has committed. SQLite has no
    row locks and needs none: the platform opens transactions with BEGIN IMMEDIATE, which
    takes the one write lock.
    """
    locked = AggregateState.objects.select_for_update()
    state = locked.filter(pk=datastream_id).first()
    if state is None:
        AggregateState.objects.get_or_create(datastream_id=datastream_id)
        state = locked.get(pk=datastream_id)
    return state


def _recompute(datastream_id: int, period: str, start, end) -> tuple[int, int]:
    """Recompute the ``period`` buckets starting in ``[start, end)`` (None: unbounded)."""
    raw = Observation.objects.filter(datastream_id=datastream_id, result_number__isnull=False)
    stored = ObservationAggregate.objects.filter(datastream_id=datastream_id, period=period)
    if start is not None:
        raw = raw.filter(phenomenon_time_start__gte=start)
        stored = stored.filter(bucket_start__gte=start)
    if end is not None:
        raw = raw.filter(phenomenon_time_start__lt=end)
        stored = stored.filter(bucket_start__lt=end)
    rows = (
        raw.annotate(bucket=_trunc(period, "phenomenon_time_start"))
        .values("bucket")
        .annotate(
            n=Count("pk"),
            low=Min("result_number"),
            high=Max("result_number"),
            total=Sum("result_number"),
        )
        .order_by()
    )
    fresh = [
        ObservationAggregate(
            datastream_id=datastream_id,
            period=period,
            bucket_start=row["bucket"].astimezone(UTC),
            count=row["n"],
            minimum=row["low"],
            maximum=row["high"],
            total=row["total"],
        )
        for row in rows
    ]
    if fresh:
        ObservationAggregate.objects.bulk_create(
            fresh,
            update_conflicts=True,
            unique_fields=["datastream", "period", "bucket_start"],
            update_fields=["count", "minimum", "maximum", "total"],
            batch_size=2_000,
        )
    keep = {aggregate.bucket_start for aggregate in fresh}
    stale = [pk for pk, moment in stored.values_list("pk", "bucket_start") if moment not in keep]
    for offset in range(0, len(stale), DELETE_BATCH):
        ObservationAggregate.objects.filter(pk__in=stale[offset : offset + DELETE_BATCH]).delete()
    return len(fresh), len(stale)


def _refresh(datastream_id: int, start, end, horizon) -> RefreshResult:
    result = RefreshResult(written={}, deleted={})
    zone = city_zone()
    for period, interval in PERIODS.items():
        low = interval.floor(start, zone) if start is not None else None
        high = interval.next(interval.floor(end, zone), zone) if end is not None else None
        if horizon is not None:
            first_whole = interval.ceil(horizon, zone)
            low = first_whole if low is None else max(low, first_whole)
        if low is not None and high is not None and low >= high:
            result.written[period] = result.deleted[period] = 0
            continue
        result.written[period], result.deleted[period] = _recompute(
            datastream_id, period, low, high
        )
    return result


_MISSING = object()


def _horizon_of(datastream_id: int):
    """The Datastream's retention horizon, or ``_MISSING`` when it does not exist (any more)."""
    found = Datastream.objects.filter(pk=datastream_id).values_list("retention_days", flat=True)
    if not found:
        return _MISSING
    return retention_horizon(found[0])


def _nothing() -> RefreshResult:
    return RefreshResult(written=dict.fromkeys(PERIODS, 0), deleted=dict.fromkeys(PERIODS, 0))


def refresh_aggregates(datastream_id: int, start: datetime, end: datetime) -> RefreshResult:
    """Recompute from the raw data every hour and day bucket touching ``[start, end]``.

    One grouped query per period; the buckets are upserted and those left without data
    are deleted. Safe to run any number of times, in any order, concurrently.
    """
    if start > end:
        start, end = end, start
    with transaction.atomic():
        horizon = _horizon_of(datastream_id)
        if horizon is _MISSING:
            return _nothing()
        _locked_state(datastream_id)
        return _refresh(datastream_id, start, end, horizon)


def sync_aggregates(datastream_id: int, start: datetime, end: datetime) -> RefreshResult:
    """What the refresh task does: recompute ``[start, end]`` and the dirty range, then mark
    the Datastream clean. One whose aggregates were never built is rebuilt from all its data
    instead."""
    with transaction.atomic():
        horizon = _horizon_of(datastream_id)
        if horizon is _MISSING:  # deleted since the write: its aggregates went with it
            return _nothing()
        state = _locked_state(datastream_id)
        if state.built_at is None:
            return _rebuild(state, horizon)
        low, high = min(start, end), max(start, end)
        if state.dirty_start is not None:
            low, high = min(low, state.dirty_start), max(high, state.dirty_end)
        result = _refresh(datastream_id, low, high, horizon)
        state.dirty_start = state.dirty_end = None
        state.save(update_fields=["dirty_start", "dirty_end"])
        return result


def _rebuild(state: AggregateState, horizon) -> RefreshResult:
    result = _refresh(state.datastream_id, None, None, horizon)
    state.built_at = timezone.now()
    state.dirty_start = state.dirty_end = None
    state.save(update_fields=["built_at", "dirty_start", "dirty_end"])
    return result


def rebuild_aggregates(datastream_id: int | None = None) -> dict[int, RefreshResult]:
    """Recompute all buckets of one Datastream, or of every Datastream (one transaction
    each): for data written before the aggregates existed or past :func:`schedule_refresh`."""
    if datastream_id is None:
        ids = list(Datastream.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = [datastream_id]
    results = {}
    for pk in ids:
        with transaction.atomic():
            horizon = _horizon_of(pk)
            if horizon is _MISSING:
                if datastream_id is not None:
                    raise Datastream.DoesNotExist(pk)
                continue  # deleted after the list was read
            results[pk] = _rebuild(_locked_state(pk), horizon)
    return results


def _mark_dirty(ranges: list[tuple[int, datetime, datetime]]) -> None:
    """Widen the dirty range of each (datastream_id, start, end): states that do not exist
    yet are created first, then one UPDATE widens them all (locking the rows in key order)."""
    pks = [pk for pk, _start, _end in ranges]
    known = set(AggregateState.objects.filter(pk__in=pks).values_list("pk", flat=True))
    AggregateState.objects.bulk_create(
        [
            AggregateState(datastream_id=pk, dirty_start=start, dirty_end=end)
            for pk, start, end in ranges
            if pk not in known
        ],
        ignore_conflicts=True,  # a concurrent writer created it: the UPDATE widens it
    )

    def widened(field: str, function, index: int):
        branches = []
        for row in ranges:
            value = Value(row[index], output_field=DateTimeField())
            # Least/Greatest are NULL on SQLite when one side is; Coalesce covers that.
            branches.append(When(pk=row[0], then=Coalesce(function(F(field), value), value)))
        return Case(*branches, default=F(field))

    AggregateState.objects.filter(pk__in=pks).update(
        dirty_start=widened("dirty_start", Least, 1), dirty_end=widened("dirty_end", Greatest, 2)
    )


def _enqueue(ranges: list[tuple[int, datetime, datetime]]) -> None:
    from smartcity.sensors.timeseries.tasks import refresh_aggregates_task

    arguments = [[pk, format_instant(start), format_instant(end)] for pk, start, end in ranges]

    def send():
        refresh_aggregates_task.enqueue(arguments)

    # The database queue stores its job in the writer's transaction and the inline backend
    # runs at once on the same connection; a queue outside the database (Redis) must wait
    # for the commit, or a worker could read the raw data before the write is visible.
    if isinstance(refresh_aggregates_task.get_backend(), ImmediateBackend | DatabaseBackend):
        send()
    else:
        transaction.on_commit(send)


# Datastreams per dirty-range UPDATE (one CASE branch each).
DIRTY_CHUNK = 500


class RefreshBatch:
    """Changed Observation times collected during one write, scheduled together.

    ``add`` every changed time (for an update both the old and the new one), then call
    ``schedule`` once: each Datastream gets one dirty mark covering the earliest to the
    latest time, however many rows the write had, and one task refreshes them all.
    """

    def __init__(self):
        self.ranges: dict[int, list[datetime]] = {}

    def add(self, datastream_id: int | None, start: datetime, end: datetime | None = None):
        if datastream_id is None:  # an Observation of a MultiDatastream: not aggregated
            return
        end = end or start
        known = self.ranges.get(datastream_id)
        if known is None:
            self.ranges[datastream_id] = [min(start, end), max(start, end)]
        else:
            known[0], known[1] = min(known[0], start, end), max(known[1], start, end)

    def add_observation(self, observation: Observation) -> None:
        self.add(observation.datastream_id, observation.phenomenon_time_start)

    def schedule(self) -> None:
        ranges = [(pk, start, end) for pk, (start, end) in sorted(self.ranges.items())]
        for first in range(0, len(ranges), DIRTY_CHUNK):
            _mark_dirty(ranges[first : first + DIRTY_CHUNK])
        if ranges:
            _enqueue(ranges)
        self.ranges.clear()

    def __len__(self):
        return len(self.ranges)


def schedule_refresh(datastream_id: int, start: datetime, end: datetime | None = None) -> None:
    """Mark ``[start, end]`` of a Datastream changed and refresh its aggregates after commit."""
    batch = RefreshBatch()
    batch.add(datastream_id, start, end)
    batch.schedule()


@dataclass
class RetentionResult:
    observations: int = 0
    hourly_aggregates: int = 0
    streams: int = 0

    def as_dict(self) -> dict:
        return {
            "observations": self.observations,
            "hourly_aggregates": self.hourly_aggregates,
            "streams": self.streams,
        }


def _delete_in_batches(queryset, batch_size: int) -> int:
    """Delete what ``queryset`` selects, ``batch_size`` rows per statement and transaction,
    so that neither a lock nor the write-ahead log grows with the backlog."""
    deleted = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += (
                queryset.model.objects.filter(pk__in=ids)
                .delete()[1]
                .get(queryset.model._meta.label, 0)
            )


def apply_retention(now: datetime | None = None, *, batch_size: int = DELETE_BATCH):
    """Delete the Observations older than each (Multi)Datastream's ``retention_days``.

    Hourly aggregates go with the raw data (a bucket once it lies wholly before the
    horizon); daily aggregates are kept, so long-term statistics survive the raw data.
    The streams' phenomenon and result time extents are recomputed afterwards.
    """
    from smartcity.sensors.sta.effects import recompute_extents

    now = now or timezone.now()
    result = RetentionResult()
    for model, field in ((Datastream, "datastream"), (MultiDatastream, "multi_datastream")):
        streams = model.objects.filter(retention_days__isnull=False).order_by("pk")
        for pk, days in streams.values_list("pk", "retention_days"):
            horizon = retention_horizon(days, now)
            removed = _delete_in_batches(
                Observation.objects.filter(**{field: pk, "phenomenon_time_start__lt": horizon}),
                batch_size,
            )
            if model is Datastream:
                result.hourly_aggregates += _delete_in_batches(
                    ObservationAggregate.objects.filter(
                        datastream_id=pk,
                        period=ObservationAggregate.Period.HOUR,
                        bucket_start__lte=horizon - HOUR.fixed,
                    ),
                    batch_size,
                )
            if removed:
                result.observations += removed
                result.streams += 1
                with transaction.atomic():
                    recompute_extents(model, pk)
    return result
