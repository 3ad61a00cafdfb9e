"""Time buckets of sensor time series: interval names, alignment, ISO 8601 instants.

No Django import, so that the bucket rules can be reused and tested on their own.

Alignment rules (the same for stored aggregates and for on-the-fly grouping):

- ``Nmin`` (N divides 60) and ``hour`` buckets are aligned to UTC: a bucket starts at a
  whole UTC hour plus a multiple of N minutes. Central European (Summer) Time differs from
  UTC by whole hours, so these are also whole local hours in Dresden, and the repeated
  local hour 02:00-03:00 of the last Sunday in October is two distinct buckets.
- ``day``, ``week`` (ISO 8601: Monday to Sunday) and ``month`` buckets start at local
  midnight of the city's time zone (the platform's ``TIME_ZONE``, Europe/Berlin), because
  "the daily mean of 31 March" means the civil day people live in. Such a day lasts 23
  hours on the last Sunday of March and 25 hours on the last Sunday of October (EU
  Directive 2000/84/EC fixes the switch at 01:00 UTC).

Every bucket is half-open, ``[start, end)``.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

MINUTE_STEPS = tuple(n for n in range(1, 60) if 60 % n == 0)
CALENDAR_UNITS = ("day", "week", "month")
# Shortest length of a bucket of each calendar unit: a DST day, February.
_SHORTEST = {"day": timedelta(hours=23), "week": timedelta(days=7) - timedelta(hours=1)}
_SHORTEST["month"] = timedelta(days=28) - timedelta(hours=1)


class IntervalError(ValueError):
    """An interval name or a range that cannot be bucketed."""


@dataclass(frozen=True)
class Interval:
    """A bucket width: ``minutes`` for fixed UTC-aligned widths, else a calendar unit."""

    name: str
    unit: str  # "minute", "hour", "day", "week" or "month"
    minutes: int = 0

    @property
    def fixed(self) -> timedelta | None:
        """The constant width of minute and hour buckets; None for calendar units."""
        if self.unit == "minute":
            return timedelta(minutes=self.minutes)
        if self.unit == "hour":
            return timedelta(hours=1)
        return None

    @property
    def shortest(self) -> timedelta:
        return self.fixed or _SHORTEST[self.unit]

    def floor(self, instant: datetime, zone: tzinfo) -> datetime:
        """The start (UTC) of the bucket that contains ``instant``."""
        instant = _utc(instant)
        width = self.fixed
        if width is not None:
            seconds = int(width.total_seconds())
            epoch = int(instant.timestamp() // seconds) * seconds
            return datetime.fromtimestamp(epoch, UTC)
        local = instant.astimezone(zone).date()
        if self.unit == "week":
            local -= timedelta(days=local.weekday())
        elif self.unit == "month":
            local = local.replace(day=1)
        return _local_midnight(local.year, local.month, local.day, zone)

    def next(self, start: datetime, zone: tzinfo) -> datetime:
        """The start (UTC) of the bucket after the one that starts at ``start``."""
        width = self.fixed
        if width is not None:
            return _utc(start) + width
        local = _utc(start).astimezone(zone).date()
        if self.unit == "day":
            local += timedelta(days=1)
        elif self.unit == "week":
            local += timedelta(days=7)
        else:
            local = local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)
        return _local_midnight(local.year, local.month, local.day, zone)

    def ceil(self, instant: datetime, zone: tzinfo) -> datetime:
        """The first bucket start at or after ``instant``."""
        start = self.floor(instant, zone)
        return start if start == _utc(instant) else self.next(start, zone)

    def span(self, start: datetime, end: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
        """The whole buckets covering ``[start, end)``: start rounded down, end rounded up."""
        return self.floor(start, zone), self.ceil(end, zone)

    def most_buckets(self, start: datetime, end: datetime) -> int:
        """An upper bound of the number of buckets in ``[start, end)`` (exact when fixed)."""
        return int((_utc(end) - _utc(start)) / self.shortest) + 1

    def starts(self, start: datetime, end: datetime, zone: tzinfo) -> Iterator[datetime]:
        """Every bucket start in ``[start, end)``, ``start`` being aligned."""
        current = _utc(start)
        end = _utc(end)
        while current < end:
            yield current
            current = self.next(current, zone)


HOUR = Interval("hour", "hour")
DAY = Interval("day", "day")
_NAMED = {
    "hour": HOUR,
    "day": DAY,
    "week": Interval("week", "week"),
    "month": Interval("month", "month"),
}


def interval_names() -> list[str]:
    return [f"{n}min" for n in MINUTE_STEPS] + list(_NAMED)


def parse_interval(name: str) -> Interval:
    """The interval called ``name`` ("15min", "hour", "day", ...)."""
    if name in _NAMED:
        return _NAMED[name]
    if name.endswith("min") and name[:-3].isdigit() and name[:-3] == str(int(name[:-3])):
        minutes = int(name[:-3])
        if minutes in MINUTE_STEPS:
            return Interval(name, "minute", minutes)
    raise IntervalError(name)


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise IntervalError("naive datetime")
    return instant.astimezone(UTC)


def _local_midnight(year: int, month: int, day: int, zone: tzinfo) -> datetime:
    return datetime(year, month, day, tzinfo=zone).astimezone(UTC)


def format_instant(instant: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as SensorThings writes times."""
    if instant.tzinfo is not UTC:  # the database's datetimes come in UTC: skip the work
        instant = _utc(instant)
    return instant.isoformat()[:-6] + "Z"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time with a UTC offset or ``Z``; raises IntervalError otherwise."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        raise IntervalError(text) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise IntervalError(text)
    return instant.astimezone(UTC)
