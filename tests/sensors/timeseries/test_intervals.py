"""Bucket alignment: UTC hours, local days across the DST switches, weeks, months."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smartcity.sensors.timeseries.intervals import (
    IntervalError,
    format_instant,
    interval_names,
    parse_instant,
    parse_interval,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAY = parse_interval("day")


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def test_spring_forward_day_lasts_23_hours():
    start = DAY.floor(utc(2024, 3, 31, 12), BERLIN)
    assert format_instant(start) == "2024-03-30T23:00:00Z"  # midnight CET
    end = DAY.next(start, BERLIN)
    assert format_instant(end) == "2024-03-31T22:00:00Z"  # midnight CEST
    assert end - start == timedelta(hours=23)


def test_fall_back_day_lasts_25_hours():
    start = DAY.floor(utc(2024, 10, 27, 1, 30), BERLIN)  # the second 02:30 local
    assert format_instant(start) == "2024-10-26T22:00:00Z"
    assert DAY.next(start, BERLIN) - start == timedelta(hours=25)


def test_instant_just_before_local_midnight_belongs_to_that_local_day():
    # 23:59 UTC on 1 May is 01:59 CEST on 2 May.
    assert format_instant(DAY.floor(utc(2024, 5, 1, 23, 59), BERLIN)) == "2024-05-01T22:00:00Z"
    assert format_instant(DAY.floor(utc(2024, 5, 1, 21, 59), BERLIN)) == "2024-04-30T22:00:00Z"


def test_the_repeated_local_hour_is_two_hour_buckets():
    hour = parse_interval("hour")
    first = hour.floor(utc(2024, 10, 27, 0, 30), BERLIN)  # 02:30 CEST
    second = hour.floor(utc(2024, 10, 27, 1, 30), BERLIN)  # 02:30 CET
    assert (format_instant(first), format_instant(second)) == (
        "2024-10-27T00:00:00Z",
        "2024-10-27T01:00:00Z",
    )


def test_minute_buckets_align_to_the_hour():
    quarter = parse_interval("15min")
    assert format_instant(quarter.floor(utc(2024, 5, 1, 10, 44, 59), BERLIN)) == (
        "2024-05-01T10:30:00Z"
    )
    assert quarter.next(utc(2024, 5, 1, 10, 45), BERLIN) == utc(2024, 5, 1, 11)


def test_weeks_start_on_monday_and_months_on_the_first_at_local_midnight():
    week = parse_interval("week")
    assert format_instant(week.floor(utc(2024, 5, 1, 12), BERLIN)) == "2024-04-28T22:00:00Z"
    month = parse_interval("month")
    start = month.floor(utc(2024, 12, 15), BERLIN)
    assert format_instant(start) == "2024-11-30T23:00:00Z"
    assert format_instant(month.next(start, BERLIN)) == "2024-12-31T23:00:00Z"
    # March 2024 has the spring switch: 31 days less one hour.
    march = month.floor(utc(2024, 3, 10), BERLIN)
    assert month.next(march, BERLIN) - march == timedelta(days=31) - timedelta(hours=1)


def test_span_rounds_out_to_whole_buckets():
    hour = parse_interval("hour")
    low, high = hour.span(utc(2024, 5, 1, 10, 30), utc(2024, 5, 1, 12), BERLIN)
    assert (low, high) == (utc(2024, 5, 1, 10), utc(2024, 5, 1, 12))
    low, high = hour.span(utc(2024, 5, 1, 10, 30), utc(2024, 5, 1, 12, 0, 1), BERLIN)
    assert high == utc(2024, 5, 1, 13)


def test_bucket_count_bound_is_exact_for_fixed_widths_and_safe_for_days():
    hour = parse_interval("hour")
    assert hour.most_buckets(utc(2024, 1, 1), utc(2025, 1, 1)) == 366 * 24 + 1
    days = list(DAY.starts(utc(2023, 12, 31, 23), utc(2024, 12, 31, 23), BERLIN))
    assert len(days) == 366
    assert DAY.most_buckets(utc(2023, 12, 31, 23), utc(2024, 12, 31, 23)) >= 366


@pytest.mark.parametrize("name", ["7min", "60min", "015min", "hours", "", "2h", "-5min"])
def test_unknown_interval_names_are_refused(name):
    with pytest.raises(IntervalError):
        parse_interval(name)


def test_known_interval_names():
    assert interval_names()[:3] == ["1min", "2min", "3min"]
    assert interval_names()[-4:] == ["hour", "day", "week", "month"]
    assert parse_interval("15min").minutes == 15


def test_instants_need_a_time_zone():
    assert parse_instant("2024-05-01T02:00:00+02:00") == utc(2024, 5, 1)
    assert format_instant(parse_instant("2024-05-01T00:00:00.250Z")) == (
        "2024-05-01T00:00:00.250000Z"
    )
    for text in ("2024-05-01T00:00:00", "2024-05-01", "yesterday"):
        with pytest.raises(IntervalError):
            parse_instant(text)
