"""The pure rule state machines, against hand-computed sequences."""

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcity.sensors.alerting import rules
from smartcity.sensors.alerting.rules import (
    Consecutive,
    ParameterError,
    RateOfRise,
    RollingSum,
    Staleness,
    Threshold,
)

NAN = float("nan")


def at(hour, minute=0):
    return datetime(2024, 6, 1, tzinfo=UTC) + timedelta(hours=hour, minutes=minute)


def summary(transitions):
    """(action, "HH:MM", value) per transition: what an operator reads."""
    return [(t.action, t.time.strftime("%H:%M"), t.value) for t in transitions]


def run(rule, samples, state=None):
    state = rule.initial_state(at(0)) if state is None else state
    return rule.evaluate(state, samples)


# --- Threshold -----------------------------------------------------------------------------


def test_threshold_opens_above_level_and_closes_below_the_release_level():
    # Elbe gauge in cm, Alarmstufe 1 at 4 m, 10 cm hysteresis.
    rule = Threshold({"level": 400, "hysteresis": 10})
    samples = [
        (at(10, 0), 390),
        (at(10, 15), 400),  # exactly at the level: not above it
        (at(10, 30), 401),  # opens
        (at(10, 45), 395),  # in the deadband: stays open
        (at(11, 0), 390),  # exactly at the release level: stays open
        (at(11, 15), 389),  # closes
    ]
    state, transitions = run(rule, samples)
    assert summary(transitions) == [("open", "10:30", 401.0), ("close", "11:15", 389.0)]
    assert [str(t.reason) for t in transitions] == [
        "Value 401 is above the level 400.",
        "Value 389 is back below 390.",
    ]
    assert state["open"] is False
    assert state["value"] == 389.0
    assert state["last_time"] == "2024-06-01T11:15:00+00:00"


def test_threshold_below_mirrors_above():
    rule = Threshold({"direction": "below", "level": 10, "hysteresis": 2})
    samples = [(at(1), 12), (at(2), 10), (at(3), 9.5), (at(4), 11), (at(5), 12), (at(6), 12.5)]
    _state, transitions = run(rule, samples)
    assert summary(transitions) == [("open", "03:00", 9.5), ("close", "06:00", 12.5)]
    assert [str(t.reason) for t in transitions] == [
        "Value 9.5 is below the level 10.",
        "Value 12.5 is back above 12.",
    ]


def test_without_hysteresis_a_value_exactly_at_the_level_keeps_the_state():
    rule = Threshold({"level": 400})
    _state, transitions = run(rule, [(at(1), 401), (at(2), 400), (at(3), 399.9)])
    assert summary(transitions) == [("open", "01:00", 401.0), ("close", "03:00", 399.9)]


def test_state_carries_over_between_calls_and_is_json():
    rule = Threshold({"level": 400, "hysteresis": 10})
    state, first = run(rule, [(at(10), 401)])
    state = json.loads(json.dumps(state))
    state, second = rule.evaluate(state, [(at(11), 395), (at(12), 380)])
    assert summary(first) == [("open", "10:00", 401.0)]
    assert summary(second) == [("close", "12:00", 380.0)]


def test_samples_out_of_order_within_a_batch_are_sorted():
    rule = Threshold({"level": 400})
    samples = [(at(3), 399), (at(1), 390), (at(2), 401)]
    _state, transitions = run(rule, samples)
    assert summary(transitions) == [("open", "02:00", 401.0), ("close", "03:00", 399.0)]


def test_samples_older_than_the_state_are_ignored():
    rule = Threshold({"level": 400})
    state, _ = run(rule, [(at(10), 401)])
    state, transitions = rule.evaluate(state, [(at(9), 380), (at(10), 300)])
    assert transitions == []
    assert state["open"] is True
    assert state["value"] == 401.0
    assert state["last_time"] == "2024-06-01T10:00:00+00:00"


def test_of_two_samples_with_the_same_time_the_last_given_wins():
    rule = Threshold({"level": 400})
    _state, transitions = run(rule, [(at(10), 500), (at(10), 300)])
    assert transitions == []
    _state, transitions = run(rule, [(at(10), 300), (at(10), 500)])
    assert summary(transitions) == [("open", "10:00", 500.0)]


def test_nan_and_infinite_values_are_ignored():
    rule = Threshold({"level": 400})
    state, transitions = run(rule, [(at(10), NAN), (at(11), math.inf), (at(12), -math.inf)])
    assert transitions == []
    assert state["last_time"] is None
    state, transitions = rule.evaluate(state, [(at(13), 401), (at(14), NAN)])
    assert summary(transitions) == [("open", "13:00", 401.0)]
    assert state["open"] is True


def test_times_in_other_offsets_are_the_same_instant():
    rule = Threshold({"level": 400})
    cest = datetime.fromisoformat("2024-06-01T12:00:00+02:00")
    _state, transitions = run(rule, [(at(10), 500), (cest, 300)])
    assert transitions == []  # 12:00+02:00 is 10:00 UTC: the value given last wins


def test_naive_times_and_non_numbers_are_errors():
    rule = Threshold({"level": 400})
    with pytest.raises(ValueError, match="timezone-aware"):
        rule.evaluate(None, [(datetime(2024, 6, 1, 10), 401)])
    with pytest.raises(TypeError, match="numbers"):
        rule.evaluate(None, [(at(10), "401")])
    with pytest.raises(TypeError, match="numbers"):
        rule.evaluate(None, [(at(10), True)])


# --- Consecutive ---------------------------------------------------------------------------


def test_consecutive_opens_on_the_nth_exceedance_in_a_row():
    rule = Consecutive({"level": 50, "count": 3})
    values = [51, 52, 49, 51, 53, 55, 54, 50, 48]
    samples = [(at(10, 10 * i), v) for i, v in enumerate(values)]
    state, transitions = run(rule, samples)
    # 51, 52 then 49 breaks the run; 51, 53, 55 complete it; 50 (at the level) keeps it open.
    assert summary(transitions) == [("open", "10:50", 55.0), ("close", "11:20", 48.0)]
    assert str(transitions[0].reason) == ("3 values in a row above the level 50; the latest is 55.")
    assert str(transitions[1].reason) == "Value 48 is back below 50."
    assert state["run"] == 0


def test_consecutive_run_continues_across_calls_and_nan():
    rule = Consecutive({"level": 50, "count": 3})
    state, first = run(rule, [(at(1), 51), (at(2), NAN)])
    state, second = rule.evaluate(state, [(at(3), 52), (at(4), 53)])
    assert first == []
    assert summary(second) == [("open", "04:00", 53.0)]


def test_consecutive_below_with_hysteresis():
    rule = Consecutive({"direction": "below", "level": 0, "count": 2, "hysteresis": 1})
    samples = [(at(1), -1), (at(2), 0.5), (at(3), -2), (at(4), -3), (at(5), 0.5), (at(6), 1.5)]
    _state, transitions = run(rule, samples)
    assert summary(transitions) == [("open", "04:00", -3.0), ("close", "06:00", 1.5)]


def test_consecutive_with_count_one_is_a_threshold():
    samples = [(at(i), v) for i, v in enumerate([1, 5, 6, 2, 7], start=1)]
    _s, consecutive = run(Consecutive({"level": 4, "count": 1}), samples)
    _s, threshold = run(Threshold({"level": 4}), samples)
    assert summary(consecutive) == summary(threshold)


# --- Rate of rise --------------------------------------------------------------------------


def test_rate_of_rise_elbe_fifty_centimetres_in_three_hours():
    rule = RateOfRise({"rise": 50, "window_minutes": 180})
    samples = [
        (at(9), 300),
        (at(10), 310),
        (at(11), 330),
        (at(12), 350),  # 50 above 09:00: exactly the limit, not more
        (at(13), 362),  # 52 above 10:00 (09:00 has left the window): opens
        (at(14), 370),  # 40 above 11:00: closes
    ]
    state, transitions = run(rule, samples)
    assert summary(transitions) == [("open", "13:00", 52.0), ("close", "14:00", 40.0)]
    assert str(transitions[0].reason) == (
        "Rise of 52 within 180 minutes (from 310 to 362) is more than 50."
    )
    assert str(transitions[1].reason) == "Rise within 180 minutes is down to 40, below 50."
    assert state["value"] == 40.0


def test_rate_of_rise_window_includes_its_start():
    rule = RateOfRise({"rise": 50, "window_minutes": 180})
    _s, transitions = run(rule, [(at(9), 300), (at(12), 351)])
    assert summary(transitions) == [("open", "12:00", 51.0)]
    _s, transitions = run(rule, [(at(9), 300), (at(12, 1), 351)])
    assert transitions == []


def test_rate_of_rise_hysteresis_delays_closing():
    rule = RateOfRise({"rise": 50, "window_minutes": 180, "hysteresis": 15})
    samples = [(at(10), 310), (at(11), 330), (at(12), 350), (at(13), 362), (at(14), 370)]
    samples.append((at(15), 375))
    _s, transitions = run(rule, samples)
    # 14:00: rise 40 is not below 35; 15:00: 375 - 350 = 25 is.
    assert summary(transitions) == [("open", "13:00", 52.0), ("close", "15:00", 25.0)]


def test_rate_of_rise_measures_from_the_lowest_value_and_keeps_a_small_state():
    rule = RateOfRise({"rise": 20, "window_minutes": 180})
    state, transitions = run(rule, [(at(9), 400), (at(10), 350), (at(11), 380)])
    assert summary(transitions) == [("open", "11:00", 30.0)]
    # 400 can never again be the lowest value once 350 came after it.
    assert state["window"] == [
        ["2024-06-01T10:00:00+00:00", 350.0],
        ["2024-06-01T11:00:00+00:00", 380.0],
    ]


def test_rate_of_rise_compares_decimal_readings_as_written():
    rule = RateOfRise({"rise": 0.5, "window_minutes": 180})
    # 4.1 - 3.6 is 0.4999999999999996 in binary floating point; as written it is 0.5.
    _s, transitions = run(rule, [(at(9), 3.6), (at(10), 4.1)])
    assert transitions == []
    _s, transitions = run(rule, [(at(9), 3.6), (at(10), 4.11)])
    assert summary(transitions) == [("open", "10:00", 0.51)]


# --- Rolling sum ---------------------------------------------------------------------------


def rain():
    """Ten-minute rain amounts in mm: 26 mm between 12:00 and 12:40."""
    return [(at(12, 10), 5), (at(12, 20), 6), (at(12, 30), 7), (at(12, 40), 8)]


def test_rolling_sum_heavy_rain_opens_and_closes_when_amounts_leave_the_window():
    # DWD "heftiger Starkregen": more than 25 mm in one hour.
    rule = RollingSum({"limit": 25, "window_minutes": 60})
    samples = [*rain(), (at(12, 50), 0), (at(13, 0), 0), (at(13, 10), 0)]
    state, transitions = run(rule, samples)
    # At 13:10 the amount stamped 12:10 leaves the window (12:10, 13:10]: 21 mm remain.
    assert summary(transitions) == [("open", "12:40", 26.0), ("close", "13:10", 21.0)]
    assert [str(t.reason) for t in transitions] == [
        "Sum over 60 minutes is 26, more than 25.",
        "Sum over 60 minutes fell to 21, below 25.",
    ]
    assert state["value"] == 21.0


def test_rolling_sum_window_excludes_its_start():
    rule = RollingSum({"limit": 25, "window_minutes": 60})
    _s, transitions = run(rule, [(at(12, 0), 10), (at(13, 0), 20)])
    assert transitions == []  # the 12:00 amount fell before 12:00-13:00
    _s, transitions = run(rule, [(at(12, 1), 10), (at(13, 0), 20)])
    assert summary(transitions) == [("open", "13:00", 30.0)]


def test_rolling_sum_exactly_at_the_limit_does_not_open():
    rule = RollingSum({"limit": 25, "window_minutes": 60})
    _s, transitions = run(rule, [(at(12, 10), 10), (at(12, 20), 15)])
    assert transitions == []


def test_rolling_sum_closes_at_the_time_the_sum_fell_between_samples():
    rule = RollingSum({"limit": 25, "window_minutes": 60})
    _s, transitions = run(rule, [*rain(), (at(14, 0), 0)])
    assert summary(transitions) == [("open", "12:40", 26.0), ("close", "13:10", 21.0)]


def test_rolling_sum_hysteresis():
    rule = RollingSum({"limit": 25, "window_minutes": 60, "hysteresis": 5})
    _s, transitions = run(rule, [*rain(), (at(14, 0), 0)])
    # 13:10: 21 mm is not below 20; 13:20: 15 mm is.
    assert summary(transitions) == [("open", "12:40", 26.0), ("close", "13:20", 15.0)]
    assert str(transitions[1].reason) == "Sum over 60 minutes fell to 15, below 20."


def test_rolling_sum_clock_closes_for_gauges_that_report_only_rain():
    rule = RollingSum({"limit": 25, "window_minutes": 60})
    state, _ = run(rule, rain())
    state, transitions = rule.advance(state, at(13, 5))
    assert transitions == []
    state, transitions = rule.advance(state, at(13, 30))
    assert summary(transitions) == [("close", "13:10", 21.0)]
    assert rule.advance(state, at(14, 0)).transitions == []
    # A sample stamped after the last one but before the clock still sees its window.
    state, transitions = rule.evaluate(state, [(at(13, 15), 10)])
    assert summary(transitions) == [("open", "13:15", 31.0)]


def test_rolling_sum_sums_decimal_amounts_as_written():
    rule = RollingSum({"limit": 1, "window_minutes": 60})
    samples = [(at(12, i), 0.1) for i in range(1, 11)]
    state, transitions = run(rule, samples)
    assert transitions == []  # 10 × 0.1 is 1.0, not more than 1
    assert state["value"] == 1.0


# --- Staleness -----------------------------------------------------------------------------


def test_staleness_opens_once_when_the_clock_finds_the_gap_and_closes_on_data():
    rule = Staleness({"minutes": 30})
    state = rule.initial_state(at(10))
    state, transitions = rule.advance(state, at(10, 30))
    assert transitions == []  # exactly 30 minutes: not more
    state, transitions = rule.advance(state, at(10, 31))
    assert summary(transitions) == [("open", "10:31", None)]
    assert str(transitions[0].reason) == (
        "No data for more than 30 minutes since the rule started at 2024-06-01 10:00 UTC."
    )
    state, transitions = rule.advance(state, at(10, 45))
    assert transitions == []
    state, transitions = rule.evaluate(state, [(at(10, 50), NAN)])
    assert transitions == []  # a NaN is no data
    state, transitions = rule.evaluate(state, [(at(10, 50), 7.5)])
    assert summary(transitions) == [("close", "10:50", 7.5)]
    assert str(transitions[0].reason) == "Data arrived again after a gap of 50 minutes."
    state, transitions = rule.advance(state, at(11, 21))
    assert summary(transitions) == [("open", "11:21", None)]
    assert str(transitions[0].reason) == (
        "No data for more than 30 minutes; the latest value is from 2024-06-01 10:50 UTC."
    )


def test_staleness_without_a_start_waits_for_data():
    rule = Staleness({"minutes": 5})
    state = rule.initial_state()
    assert rule.advance(state, at(23)).transitions == []


def test_sample_rules_ignore_the_clock():
    rule = Threshold({"level": 1})
    state, _ = run(rule, [(at(1), 2)])
    assert rule.advance(state, at(23)) == (state, [])


# --- Parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "name", "message"),
    [
        ("threshold", {}, "level", "The parameter level is required."),
        ("threshold", {"level": "4"}, "level", "The parameter level must be a number."),
        ("threshold", {"level": True}, "level", "The parameter level must be a number."),
        ("threshold", {"level": NAN}, "level", "The parameter level must be a number."),
        (
            "threshold",
            {"level": 4, "direction": "up"},
            "direction",
            'The parameter direction must be "above" or "below".',
        ),
        (
            "threshold",
            {"level": 4, "hysteresis": -1},
            "hysteresis",
            "The parameter hysteresis must not be negative.",
        ),
        ("threshold", {"level": 4, "levle": 5}, "levle", "Unknown parameter levle."),
        (
            "consecutive",
            {"level": 4, "count": 0},
            "count",
            "The parameter count must be a whole number of at least 1.",
        ),
        (
            "consecutive",
            {"level": 4, "count": 2.5},
            "count",
            "The parameter count must be a whole number of at least 1.",
        ),
        (
            "rate_of_rise",
            {"rise": 0, "window_minutes": 60},
            "rise",
            "The parameter rise must be greater than 0.",
        ),
        (
            "rate_of_rise",
            {"rise": 50, "window_minutes": 60, "hysteresis": 50},
            "hysteresis",
            "The parameter hysteresis must be smaller than rise.",
        ),
        (
            "rolling_sum",
            {"limit": 25, "window_minutes": 4321},
            "window_minutes",
            "The parameter window_minutes must be at most 4320.",
        ),
        (
            "rolling_sum",
            {"limit": 25},
            "window_minutes",
            "The parameter window_minutes is required.",
        ),
        ("staleness", {"minutes": -5}, "minutes", "The parameter minutes must be greater than 0."),
        ("staleness", [30], "", "The parameters must be a JSON object."),
        ("flood", {}, "kind", "Unknown rule kind flood."),
    ],
)
def test_invalid_parameters_are_named_with_a_clear_message(kind, params, name, message):
    with pytest.raises(ParameterError) as error:
        rules.rule_for(kind, params)
    assert error.value.name == name
    assert str(error.value) == message


def test_parameters_are_completed_with_their_defaults():
    assert rules.rule_for("threshold", {"level": 4}).params == {
        "direction": "above",
        "level": 4.0,
        "hysteresis": 0.0,
    }
    assert rules.rule_for("consecutive", {"level": 4, "count": 3.0}).params["count"] == 3


# --- Invariants ----------------------------------------------------------------------------

RULES = [
    Threshold({"level": 5, "hysteresis": 1}),
    Consecutive({"level": 5, "count": 2}),
    RateOfRise({"rise": 3, "window_minutes": 30, "hysteresis": 1}),
    RollingSum({"limit": 12, "window_minutes": 30, "hysteresis": 2}),
    Staleness({"minutes": 20}),
]
series = st.lists(
    st.tuples(st.integers(0, 300), st.one_of(st.integers(0, 10), st.just(NAN))),
    max_size=40,
    unique_by=lambda sample: sample[0],
).map(lambda pairs: [(at(0) + timedelta(minutes=m), v) for m, v in sorted(pairs)])


@settings(max_examples=60, deadline=None)
@given(series, st.integers(0, 40))
def test_splitting_a_series_into_two_calls_changes_nothing(samples, cut):
    for rule in RULES:
        whole_state, whole = run(rule, samples)
        state, first = run(rule, samples[:cut])
        state, second = rule.evaluate(json.loads(json.dumps(state)), samples[cut:])
        assert summary(first + second) == summary(whole), rule.kind
        assert state == whole_state, rule.kind


@settings(max_examples=60, deadline=None)
@given(series)
def test_rise_and_sum_match_a_brute_force_computation(samples):
    rate, total = (
        RateOfRise({"rise": 3, "window_minutes": 30}),
        RollingSum({"limit": 12, "window_minutes": 30}),
    )
    window = timedelta(minutes=30)
    rate_state, sum_state = rate.initial_state(), total.initial_state()
    finite = [(t, v) for t, v in samples if not math.isnan(v)]
    for time, value in finite:
        rate_state, _ = rate.evaluate(rate_state, [(time, value)])
        sum_state, _ = total.evaluate(sum_state, [(time, value)])
        lowest = min(v for t, v in finite if time - window <= t <= time)
        assert rate_state["value"] == value - lowest
        assert sum_state["value"] == sum(v for t, v in finite if time - window < t <= time)
