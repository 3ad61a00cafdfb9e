"""Sensor time series for other apps, without HTTP: latest values, raw windows, aggregates.

Values are in the unit of their Datastream (its ``unitOfMeasurement``; :func:`aggregate`
returns it with the buckets). Times are ISO 8601 strings in UTC (``...Z``). Ranges are
half-open, ``[start, end)``. These functions do not check who may read a Datastream: the
calling app does (``smartcity.sensors.access``).

Aggregates for ``hour``, ``day``, ``week`` and ``month`` are served from the stored hourly
and daily buckets (``ObservationAggregate``) where those are known to be up to date, and
grouped from the raw Observations elsewhere: for the N-minute intervals, for a Datastream
whose buckets were never built, and for the time range a recent write has marked dirty
and the refresh task has not recomputed yet. Both paths give the same numbers.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import Count, Max, Min, OuterRef, Subquery, Sum
from django.db.models.functions import (
    ExtractMinute,
    Floor,
    TruncDay,
    TruncHour,
    TruncMonth,
    TruncWeek,
)
from django.utils.translation import gettext as _

from smartcity.sensors.models import Datastream, Observation
from smartcity.sensors.timeseries.intervals import (
    Interval,
    IntervalError,
    format_instant,
    interval_names,
    parse_interval,
)
from smartcity.sensors.timeseries.maintenance import city_zone
from smartcity.sensors.timeseries.models import AggregateState, ObservationAggregate

__all__ = [
    "FUNCTIONS",
    "MAX_BUCKETS",
    "MAX_WINDOW",
    "AggregateSeries",
    "Bucket",
    "Reading",
    "TimeseriesError",
    "aggregate",
    "latest",
    "window",
]

FUNCTIONS = ("min", "max", "mean", "count", "sum")
MAX_BUCKETS = 100_000
MAX_WINDOW = 100_000
# Datastream ids per latest() query: one statement for a city's 10,000 streams, well under
# SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
LATEST_CHUNK = 10_000
_TYPED_RESULT = (
    "datastream_id",
    "phenomenon_time_start",
    "result_type",
    "result_number",
    "result_string",
    "result_boolean",
    "result_json",
)
# Which stored period each calendar interval is served from.
_STORED = {"hour": "hour", "day": "day", "week": "day", "month": "day"}
_CALENDAR_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


class TimeseriesError(ValueError):
    """A parameter that cannot be answered; the message is for the client."""


class Reading(NamedTuple):
    """One Observation's time (ISO 8601, UTC) and result, typed as it was sent."""

    time: str
    value: Any


@dataclass(frozen=True)
class Bucket:
    start: str
    end: str
    count: int
    min: float
    max: float
    sum: float

    @property
    def mean(self) -> float:
        return self.sum / self.count

    def as_dict(self, functions: Iterable[str] = FUNCTIONS) -> dict:
        """Start, end, count, and the statistics asked for."""
        body = {"start": self.start, "end": self.end, "count": self.count}
        for name in functions:
            if name != "count":
                body[name] = getattr(self, name)
        return body


@dataclass(frozen=True)
class AggregateSeries:
    datastream_id: int
    interval: str
    start: str  # the range rounded out to whole buckets
    end: str
    time_zone: str  # where day, week and month buckets start at midnight
    unit_of_measurement: dict
    functions: tuple[str, ...]
    source: str  # "aggregates", "raw" or "mixed": where the numbers were read
    buckets: list[Bucket] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "datastream": self.datastream_id,
            "interval": self.interval,
            "start": self.start,
            "end": self.end,
            "timeZone": self.time_zone,
            "unitOfMeasurement": self.unit_of_measurement,
            "functions": list(self.functions),
            "value": [bucket.as_dict(self.functions) for bucket in self.buckets],
        }


def _reading(observation: Observation) -> Reading:
    return Reading(format_instant(observation.phenomenon_time_start), observation.result)


def latest(datastream_ids: Iterable[int]) -> dict[int, Reading]:
    """The newest Observation of each Datastream: ``{id: (time, value)}``.

    Newest by phenomenon time; of two with the same time, the one stored last. Datastreams
    without Observations are left out. One query per 10,000 ids: a correlated subquery per
    Datastream that reads one entry of the (datastream, time) index backwards (measured
    against a window function in docs/sensors-timeseries.md).
    """
    ids = sorted({int(pk) for pk in datastream_ids})
    newest = (
        Observation.objects.filter(datastream_id=OuterRef("pk"))
        .order_by("-phenomenon_time_start", "-pk")
        .values("pk")[:1]
    )
    found: dict[int, Reading] = {}
    for offset in range(0, len(ids), LATEST_CHUNK):
        chosen = Datastream.objects.filter(pk__in=ids[offset : offset + LATEST_CHUNK]).values(
            newest=Subquery(newest)
        )
        for observation in Observation.objects.filter(pk__in=chosen).only(*_TYPED_RESULT):
            found[observation.datastream_id] = _reading(observation)
    return found


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise TimeseriesError(
            _("%(name)s must be a date and time with a time zone.") % {"name": name}
        )
    return value.astimezone(UTC)


def _range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = _aware(start, "start"), _aware(end, "end")
    if start >= end:
        raise TimeseriesError(_("start must be before end."))
    return start, end


def window(datastream_id: int, start: datetime, end: datetime, *, limit: int = 1000):
    """The raw Observations of a Datastream in ``[start, end)``, oldest first, at most
    ``limit`` (up to 100,000) of them, as :class:`Reading` tuples."""
    start, end = _range(start, end)
    if not 1 <= limit <= MAX_WINDOW:
        raise TimeseriesError(
            _("limit must be between 1 and %(max)s.") % {"max": f"{MAX_WINDOW:,}"}
        )
    rows = (
        Observation.objects.filter(
            datastream_id=datastream_id,
            phenomenon_time_start__gte=start,
            phenomenon_time_start__lt=end,
        )
        .order_by("phenomenon_time_start", "pk")
        .only(*_TYPED_RESULT)[:limit]
    )
    return [_reading(observation) for observation in rows]


def _interval(name: str) -> Interval:
    try:
        return parse_interval(name)
    except IntervalError:
        raise TimeseriesError(
            _("Unknown interval “%(name)s”; use one of: %(names)s.")
            % {"name": name, "names": ", ".join(interval_names())}
        ) from None


def _functions(functions: Iterable[str]) -> tuple[str, ...]:
    if isinstance(functions, str):  # "min,max" rather than ("min", "max")
        functions = functions.split(",")
    chosen: list[str] = []
    for name in functions:
        if name not in FUNCTIONS:
            raise TimeseriesError(
                _("Unknown function “%(name)s”; use any of: %(names)s.")
                % {"name": name, "names": ", ".join(FUNCTIONS)}
            )
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise TimeseriesError(_("Ask for at least one function."))
    return tuple(chosen)


# Both readers return rows (bucket start, count, min, max, sum).
def _from_raw(datastream_id: int, spec: Interval, low, high, zone) -> list[tuple]:
    rows = Observation.objects.filter(
        datastream_id=datastream_id,
        result_number__isnull=False,
        phenomenon_time_start__gte=low,
        phenomenon_time_start__lt=high,
    ).order_by()
    moment = "phenomenon_time_start"
    if spec.unit == "minute":
        # Whole UTC hour plus the slot of N minutes within it.
        rows = rows.annotate(
            bucket=TruncHour(moment, tzinfo=UTC),
            slot=Floor(ExtractMinute(moment, tzinfo=UTC) / spec.minutes),
        ).values("bucket", "slot")
    elif spec.unit == "hour":
        rows = rows.annotate(bucket=TruncHour(moment, tzinfo=UTC)).values("bucket")
    else:
        rows = rows.annotate(bucket=_CALENDAR_TRUNC[spec.unit](moment, tzinfo=zone))
        rows = rows.values("bucket")
    rows = rows.annotate(
        n=Count("pk"),
        low=Min("result_number"),
        high=Max("result_number"),
        added=Sum("result_number"),
    )
    step = timedelta(minutes=spec.minutes)
    return [
        (
            row["bucket"] + int(row.get("slot", 0)) * step,
            row["n"],
            row["low"],
            row["high"],
            row["added"],
        )
        for row in rows
    ]


def _from_aggregates(datastream_id: int, spec: Interval, low, high, zone) -> list[tuple]:
    rows = ObservationAggregate.objects.filter(
        datastream_id=datastream_id,
        period=_STORED[spec.unit],
        bucket_start__gte=low,
        bucket_start__lt=high,
    ).order_by()
    if spec.unit in ("hour", "day"):
        fields = ("bucket_start", "count", "minimum", "maximum", "total")
        return list(rows.values_list(*fields))
    rolled = (
        rows.annotate(bucket=_CALENDAR_TRUNC[spec.unit]("bucket_start", tzinfo=zone))
        .values("bucket")
        .annotate(n=Sum("count"), low=Min("minimum"), high=Max("maximum"), added=Sum("total"))
    )
    return [(row["bucket"], row["n"], row["low"], row["high"], row["added"]) for row in rolled]


def _segments(datastream_id: int, spec: Interval, low, high, zone) -> list[tuple]:
    """``(start, end, from_aggregates)`` pieces of ``[low, high)``, aligned to ``spec``."""
    if spec.unit not in _STORED:
        return [(low, high, False)]
    state = AggregateState.objects.filter(pk=datastream_id).first()
    if state is None or state.built_at is None:
        return [(low, high, False)]
    if state.dirty_start is None or state.dirty_start >= high or state.dirty_end < low:
        return [(low, high, True)]
    dirty_low = max(low, spec.floor(state.dirty_start, zone))
    dirty_high = min(high, spec.next(spec.floor(state.dirty_end, zone), zone))
    pieces = [(low, dirty_low, True), (dirty_low, dirty_high, False), (dirty_high, high, True)]
    return [piece for piece in pieces if piece[0] < piece[1]]


def aggregate(
    datastream_id: int,
    start: datetime,
    end: datetime,
    *,
    interval: str = "hour",
    functions: Iterable[str] = FUNCTIONS,
) -> AggregateSeries:
    """Count, minimum, maximum, mean and sum of a Datastream's numeric results per bucket.

    ``interval`` is ``1min`` ... ``30min`` (N dividing 60), ``hour``, ``day``, ``week`` or
    ``month``; ``start`` is rounded down and ``end`` up to whole buckets. Buckets without
    numeric results are left out. Raises :class:`TimeseriesError` for bad parameters or
    more than 100,000 buckets, ``Datastream.DoesNotExist`` for an unknown Datastream.
    """
    spec = _interval(interval)
    chosen = _functions(functions)
    start, end = _range(start, end)
    zone = city_zone()
    low, high = spec.span(start, end, zone)
    if spec.most_buckets(low, high) > MAX_BUCKETS:
        raise TimeseriesError(
            _(
                "This range holds more than %(max)s buckets of %(interval)s; choose a "
                "shorter range or a longer interval."
            )
            % {"max": f"{MAX_BUCKETS:,}", "interval": spec.name}
        )
    unit = Datastream.objects.values_list("unit_of_measurement", flat=True).get(pk=datastream_id)
    rows, sources = [], set()
    for piece_low, piece_high, stored in _segments(datastream_id, spec, low, high, zone):
        read = _from_aggregates if stored else _from_raw
        rows += read(datastream_id, spec, piece_low, piece_high, zone)
        sources.add("aggregates" if stored else "raw")
    buckets = []
    width = spec.fixed
    for moment, count, minimum, maximum, total in sorted(rows, key=lambda row: row[0]):
        moment = moment.astimezone(UTC)
        following = moment + width if width else spec.next(moment, zone)
        buckets.append(
            Bucket(
                format_instant(moment),
                format_instant(following),
                count,
                minimum,
                maximum,
                total,
            )
        )
    return AggregateSeries(
        datastream_id=datastream_id,
        interval=spec.name,
        start=format_instant(low),
        end=format_instant(high),
        time_zone=zone.key,
        unit_of_measurement=unit,
        functions=chosen,
        source=sources.pop() if len(sources) == 1 else "mixed",
        buckets=buckets,
    )
