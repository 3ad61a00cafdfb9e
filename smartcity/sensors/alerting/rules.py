"""Alert rules for sensor time series: pure state machines, no Django.

A rule is built from its parameters (``Threshold({"level": 400})``, validated on
construction: :class:`ParameterError` says what is wrong). It turns the previous state, a
JSON-serialisable dict the caller stores between calls, and new samples into a new state and
a list of :class:`Transition` s (``OPEN`` or ``CLOSE``, with the time, the value compared and
a human-readable reason)::

    rule = RollingSum({"limit": 25, "window_minutes": 60})
    state, transitions = rule.evaluate(state, [(time, rain_mm), ...])
    state, transitions = rule.advance(state, now)      # the clock: staleness, expiring sums

Samples are ``(time, value)`` pairs with timezone-aware times. Every rule treats them alike:

1. values that are not finite numbers (NaN, ±inf) are ignored: loggers write NaN for
   "no value", and a NaN must neither open nor close an alert;
2. the batch is sorted by time, so callers may pass samples in any order;
3. of several samples with the same time the one given last wins (a re-sent or corrected
   value replaces the earlier one);
4. samples at or before the latest time the state has already seen are ignored: the state
   machine does not go back in time, so late data never rewrites alerts already decided.

Comparisons: a quantity opens an alert when it is *strictly* beyond its limit ("more than",
as in the DWD warning criteria) and closes it when it is *strictly* back past the release
level (limit minus hysteresis, or plus for "below"); a value exactly on either boundary keeps
the state. Hysteresis (a deadband) stops an alert from chattering while a noisy reading hovers
around its limit, as recommended for process alarms by ANSI/ISA-18.2-2016 ("Management of
Alarm Systems for the Process Industries", alarm deadband). Derived quantities (rises, sums)
are rounded to 9 decimal places before they are compared, so that decimal readings compare as
written (0.1 + 0.2 is 0.3 here).

Reasons and parameter errors are :class:`Message` s (``smartcity.core.texts``), rendered by
the app translated and with local number and date formats.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from smartcity.core.texts import EnglishText, gettext_noop

OPEN = "open"
CLOSE = "close"
ABOVE = "above"
BELOW = "below"
DIRECTIONS = (ABOVE, BELOW)

# DWD's longest warning window (Dauerregen, continuous rain) is 72 hours.
MAX_WINDOW_MINUTES = 72 * 60
# Derived quantities are rounded to this many decimals before they are compared.
COMPARE_DECIMALS = 9
# Numbers in reasons are shown with at most this many decimals.
SHOWN_DECIMALS = 4


Sample = tuple[datetime, float]


@dataclass(frozen=True)
class Message(EnglishText):
    """An English template with ``%(name)s`` placeholders and its parameters.

    Parameter values are numbers or strings; a parameter whose name ends in ``_time`` holds an
    ISO 8601 time, so that a renderer can show it in the reader's time zone and format.
    """

    text: str
    params: dict[str, Any] = field(default_factory=dict)

    def shown(self, name: str, value) -> str:
        if name.endswith("_time") and isinstance(value, str):
            return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        if isinstance(value, float):
            return f"{value:.{SHOWN_DECIMALS}f}".rstrip("0").rstrip(".")
        return str(value)

    def as_dict(self) -> dict:
        return {"text": self.text, "params": dict(self.params)}


def _shown(value: float) -> float | int:
    """A number for a message: rounded for reading, whole numbers without a fraction."""
    value = round(value, SHOWN_DECIMALS)
    return int(value) if value == int(value) else value


def _derived(value: float) -> float:
    return round(value, COMPARE_DECIMALS)


def _iso(time: datetime) -> str:
    return time.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Transition:
    """An alert opens or closes at ``time`` because the compared quantity was ``value``."""

    action: str
    time: datetime
    value: float | None
    reason: Message


class Evaluation(NamedTuple):
    state: dict
    transitions: list[Transition]


class History(NamedTuple):
    """What a rule needs from the past to start: the latest ``count`` samples, or ``window``."""

    count: int | None = None
    window: timedelta | None = None


class ParameterError(ValueError):
    """A rule parameter is missing or invalid; ``name`` says which (empty: the whole set)."""

    def __init__(self, name: str, message: Message):
        super().__init__(str(message))
        self.name = name
        self.message = message


_MISSING = object()


class _Parameters:
    """Reads and checks one rule's raw parameters; unknown names are an error."""

    def __init__(self, raw):
        if not isinstance(raw, dict):
            raise ParameterError("", Message(gettext_noop("The parameters must be a JSON object.")))
        self.raw = raw
        self.read: set[str] = set()

    def _error(self, name: str, text: str, **params) -> ParameterError:
        return ParameterError(name, Message(text, {"name": name, **params}))

    def number(self, name: str, default=_MISSING) -> float:
        self.read.add(name)
        value = self.raw.get(name, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise self._error(name, gettext_noop("The parameter %(name)s is required."))
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self._error(name, gettext_noop("The parameter %(name)s must be a number."))
        return float(value)

    def positive(self, name: str, default=_MISSING) -> float:
        value = self.number(name, default)
        if value <= 0:
            raise self._error(name, gettext_noop("The parameter %(name)s must be greater than 0."))
        return value

    def hysteresis(self, below: tuple[str, float] | None = None) -> float:
        value = self.number("hysteresis", 0.0)
        if value < 0:
            raise self._error(
                "hysteresis", gettext_noop("The parameter %(name)s must not be negative.")
            )
        if below is not None and value >= below[1]:
            raise self._error(
                "hysteresis",
                gettext_noop("The parameter %(name)s must be smaller than %(other)s."),
                other=below[0],
            )
        return value

    def window_minutes(self) -> float:
        value = self.positive("window_minutes")
        if value > MAX_WINDOW_MINUTES:
            raise self._error(
                "window_minutes",
                gettext_noop("The parameter %(name)s must be at most %(maximum)s."),
                maximum=MAX_WINDOW_MINUTES,
            )
        return value

    def count(self) -> int:
        value = self.number("count")
        if value != int(value) or value < 1:
            raise self._error(
                "count",
                gettext_noop("The parameter %(name)s must be a whole number of at least 1."),
            )
        return int(value)

    def direction(self) -> str:
        self.read.add("direction")
        value = self.raw.get("direction", ABOVE)
        if value not in DIRECTIONS:
            raise self._error(
                "direction", gettext_noop('The parameter %(name)s must be "above" or "below".')
            )
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.raw) - self.read, key=str)
        if unknown:
            raise self._error(str(unknown[0]), gettext_noop("Unknown parameter %(name)s."))


def _aware(time: datetime) -> datetime:
    if not isinstance(time, datetime) or time.tzinfo is None or time.utcoffset() is None:
        raise ValueError(f"sample times must be timezone-aware datetimes, not {time!r}")
    return time.astimezone(UTC)


def prepare(samples, after: datetime | None = None) -> list[Sample]:
    """The samples a rule evaluates: finite, sorted, one per time, later than ``after``.

    Values must be numbers (``int`` or ``float``, not ``bool``); a caller with mixed results
    filters them first.
    """
    latest: dict[datetime, float] = {}
    for time, value in samples:
        time = _aware(time)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"sample values must be numbers, not {value!r}")
        if not math.isfinite(value) or (after is not None and time <= after):
            continue
        latest[time] = float(value)
    return sorted(latest.items())


def last_time(state: dict | None) -> datetime | None:
    """The time of the latest sample a stored state has seen, or None."""
    value = (state or {}).get("last_time")
    return datetime.fromisoformat(value) if value else None


class Rule(ABC):
    """Base of every rule kind.

    The state is a dict of JSON values: ``open`` (whether the condition holds), ``last_time``
    (latest sample seen, ISO 8601), ``value`` (the latest compared quantity) and what the kind
    needs besides. Keys ending in ``_time`` hold ISO times and ``window`` a list of
    ``[time, value]`` pairs; :meth:`evaluate` and :meth:`advance` never change the dict given.
    """

    kind = ""
    label = ""

    def __init__(self, params):
        reader = _Parameters(params)
        self.params = self._read(reader)
        reader.finish()

    @abstractmethod
    def _read(self, reader: _Parameters) -> dict:
        """The kind's parameters, read and checked from ``reader``."""

    def initial_state(self, start: datetime | None = None) -> dict:
        """The state of a new rule; ``start`` is when it began to watch (for staleness)."""
        return self._dump(self._fresh(None if start is None else _aware(start)))

    def _fresh(self, start: datetime | None) -> dict:
        return {"open": False, "last_time": None, "value": None}

    def history(self) -> History:
        """What to read from the past when the rule is created, so it starts informed."""
        return History(count=1)

    def evaluate(self, state: dict | None, samples) -> Evaluation:
        current = self._load(state)
        transitions: list[Transition] = []
        for time, value in prepare(samples, after=current["last_time"]):
            transitions.extend(self._step(current, time, value))
            current["last_time"] = time
        return Evaluation(self._dump(current), transitions)

    def advance(self, state: dict | None, now: datetime) -> Evaluation:
        """Let the clock run to ``now`` without new samples; most kinds do nothing."""
        _aware(now)
        return Evaluation(self._dump(self._load(state)), [])

    @abstractmethod
    def _step(self, state: dict, time: datetime, value: float) -> list[Transition]:
        """Take one sample into ``state`` (in place); the open/close transitions it causes."""

    def _load(self, state: dict | None) -> dict:
        current = self._fresh(None)
        for key, value in (state or {}).items():
            if key.endswith("_time"):
                value = datetime.fromisoformat(value) if value else None
            elif key == "window":
                value = [(datetime.fromisoformat(t), float(v)) for t, v in value]
            current[key] = value
        return current

    def _dump(self, state: dict) -> dict:
        stored = {}
        for key, value in state.items():
            if key.endswith("_time"):
                value = _iso(value) if value is not None else None
            elif key == "window":
                value = [[_iso(t), v] for t, v in value]
            stored[key] = value
        return stored


class Threshold(Rule):
    """The value crosses a level (``direction`` "above", the default, or "below").

    Parameters: ``level``; ``direction``; ``hysteresis`` (>= 0, default 0).

    State machine (for "above"; "below" mirrors it)::

        closed --value > level--> open --value < level - hysteresis--> closed

    A value in the deadband [level - hysteresis, level] keeps the state. Example: the Elbe
    gauge Dresden (Augustusbrücke) defines Alarmstufe 1 to 4 at water levels of 4, 5, 6 and
    7 m (Landeshochwasserzentrum Sachsen, Hochwassernachrichten- und Alarmdienstverordnung
    HWNAV); a rule "above 400 cm, hysteresis 10 cm" opens at 401 cm and closes below 390 cm.
    As the gauge reports whole centimetres, "reaches 4 m" is the level 399.5 cm.
    """

    kind = "threshold"
    label = gettext_noop("Threshold")

    def _read(self, reader):
        return {
            "direction": reader.direction(),
            "level": reader.number("level"),
            "hysteresis": reader.hysteresis(),
        }

    @property
    def release(self) -> float:
        hysteresis = self.params["hysteresis"]
        if self.params["direction"] == ABOVE:
            return self.params["level"] - hysteresis
        return self.params["level"] + hysteresis

    def beyond(self, value: float) -> bool:
        if self.params["direction"] == ABOVE:
            return value > self.params["level"]
        return value < self.params["level"]

    def released(self, value: float) -> bool:
        if self.params["direction"] == ABOVE:
            return value < self.release
        return value > self.release

    def _open_reason(self, value: float) -> Message:
        text = (
            gettext_noop("Value %(value)s is above the level %(level)s.")
            if self.params["direction"] == ABOVE
            else gettext_noop("Value %(value)s is below the level %(level)s.")
        )
        return Message(text, {"value": _shown(value), "level": _shown(self.params["level"])})

    def _close_reason(self, value: float) -> Message:
        text = (
            gettext_noop("Value %(value)s is back below %(release)s.")
            if self.params["direction"] == ABOVE
            else gettext_noop("Value %(value)s is back above %(release)s.")
        )
        return Message(text, {"value": _shown(value), "release": _shown(self.release)})

    def _step(self, state, time, value):
        state["value"] = value
        if not state["open"] and self.beyond(value):
            state["open"] = True
            return [Transition(OPEN, time, value, self._open_reason(value))]
        if state["open"] and self.released(value):
            state["open"] = False
            return [Transition(CLOSE, time, value, self._close_reason(value))]
        return []


class Consecutive(Threshold):
    """``count`` samples in a row beyond the level open the alert (an "on-delay").

    Parameters: ``level``, ``count`` (whole number >= 1); ``direction``; ``hysteresis``.

    State machine (``run``: samples in a row beyond the level while closed)::

        closed, run < count --value beyond level--> run + 1 (opens when run reaches count)
        closed --value not beyond level--> run = 0
        open --value back past level ∓ hysteresis--> closed, run = 0

    Single spikes (a bird on an ultrasonic gauge, a truck next to an NO2 sampler) do not open
    it. The gap between samples does not matter: only their order. One sample back closes the
    alert, as for :class:`Threshold` (use the hysteresis against chattering).
    """

    kind = "consecutive"
    label = gettext_noop("Consecutive exceedances")

    def _read(self, reader):
        return {**super()._read(reader), "count": reader.count()}

    def history(self):
        return History(count=self.params["count"])

    def _fresh(self, start):
        return {**super()._fresh(start), "run": 0}

    def _open_reason(self, value):
        text = (
            gettext_noop(
                "%(count)s values in a row above the level %(level)s; the latest is %(value)s."
            )
            if self.params["direction"] == ABOVE
            else gettext_noop(
                "%(count)s values in a row below the level %(level)s; the latest is %(value)s."
            )
        )
        params = {"count": self.params["count"], "level": _shown(self.params["level"])}
        return Message(text, {**params, "value": _shown(value)})

    def _step(self, state, time, value):
        state["value"] = value
        if state["open"]:
            if self.released(value):
                state["open"], state["run"] = False, 0
                return [Transition(CLOSE, time, value, self._close_reason(value))]
            return []
        state["run"] = state["run"] + 1 if self.beyond(value) else 0
        if state["run"] >= self.params["count"]:
            state["open"], state["run"] = True, 0
            return [Transition(OPEN, time, value, self._open_reason(value))]
        return []


class RateOfRise(Rule):
    """The value rose by more than ``rise`` within ``window_minutes``.

    Parameters: ``rise`` (> 0), ``window_minutes`` (> 0, at most 72 h); ``hysteresis``
    (0 <= hysteresis < rise).

    At each sample time t the rise is the value at t minus the lowest value in the closed
    window [t - window, t] (the sample at exactly t - window counts: levels are instantaneous
    readings, and "+50 cm in 3 h" includes the reading 3 h ago). The state keeps only the
    samples that can still be that lowest value (a monotonic queue), so it stays small.

    State machine::

        closed --rise > rise limit--> open --rise < rise limit - hysteresis--> closed

    Example: a rise of the Elbe at Dresden of more than 50 cm in 3 hours (``rise`` 50,
    ``window_minutes`` 180, in the gauge's centimetres) warns of a flood wave well before
    the Alarmstufe levels are reached.
    """

    kind = "rate_of_rise"
    label = gettext_noop("Rate of rise")

    def _read(self, reader):
        rise = reader.positive("rise")
        return {
            "rise": rise,
            "window_minutes": reader.window_minutes(),
            "hysteresis": reader.hysteresis(below=("rise", rise)),
        }

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.params["window_minutes"])

    def history(self):
        return History(window=self.window)

    def _fresh(self, start):
        return {**super()._fresh(start), "window": []}

    def _step(self, state, time, value):
        window = state["window"]
        # A newer, lower or equal value outlives older higher ones as the window's minimum.
        while window and window[-1][1] >= value:
            window.pop()
        window.append((time, value))
        start = time - self.window
        while window[0][0] < start:
            window.pop(0)
        low = window[0][1]
        rise = _derived(value - low)
        state["value"] = rise
        limit = self.params["rise"]
        params = {"rise": _shown(rise), "window": _shown(self.params["window_minutes"])}
        if not state["open"] and rise > limit:
            state["open"] = True
            reason = Message(
                gettext_noop(
                    "Rise of %(rise)s within %(window)s minutes (from %(low)s to %(value)s) "
                    "is more than %(limit)s."
                ),
                {**params, "low": _shown(low), "value": _shown(value), "limit": _shown(limit)},
            )
            return [Transition(OPEN, time, rise, reason)]
        release = limit - self.params["hysteresis"]
        if state["open"] and rise < release:
            state["open"] = False
            reason = Message(
                gettext_noop(
                    "Rise within %(window)s minutes is down to %(rise)s, below %(release)s."
                ),
                {**params, "release": _shown(release)},
            )
            return [Transition(CLOSE, time, rise, reason)]
        return []


class RollingSum(Rule):
    """The sum of the values within ``window_minutes`` is more than ``limit`` (rain totals).

    Parameters: ``limit`` (> 0), ``window_minutes`` (> 0, at most 72 h); ``hysteresis``
    (0 <= hysteresis < limit).

    Each value is a total over the interval ending at its time (a rain gauge's 5- or 10-minute
    amount), so the window at t is half-open, (t - window, t]: at 13:00 a one-hour window
    holds the amounts stamped 12:10 to 13:00, not the one stamped 12:00.

    State machine::

        closed --sum > limit--> open --sum < limit - hysteresis--> closed

    The sum also falls when amounts leave the window as time passes. Evaluating samples closes
    the alert at the exact time the sum fell (an amount stamped s leaves at s + window), and
    :meth:`advance` does the same without new samples, for gauges that report only while it
    rains (tipping buckets). The clock only closes: a sum grows only with new samples.

    Examples, the Deutscher Wetterdienst's warning criteria for heavy rain (Starkregen) per
    hour: 15 to 25 mm "Starkregen" (markantes Wetter), more than 25 mm "heftiger Starkregen"
    (Unwetter), more than 40 mm "extrem heftiger Starkregen" (extremes Unwetter); as rules:
    ``limit`` 15, 25 or 40 with ``window_minutes`` 60 (DWD, "Warnkriterien",
    https://www.dwd.de/DE/wetter/warnungen_aktuell/kriterien/warnkriterien.html).
    """

    kind = "rolling_sum"
    label = gettext_noop("Rolling sum")

    def _read(self, reader):
        limit = reader.positive("limit")
        return {
            "limit": limit,
            "window_minutes": reader.window_minutes(),
            "hysteresis": reader.hysteresis(below=("limit", limit)),
        }

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.params["window_minutes"])

    @property
    def release(self) -> float:
        return self.params["limit"] - self.params["hysteresis"]

    def history(self):
        return History(window=self.window)

    def _fresh(self, start):
        return {**super()._fresh(start), "window": []}

    def _reasons(self, total: float) -> tuple[Message, Message]:
        params = {"sum": _shown(total), "window": _shown(self.params["window_minutes"])}
        opened = Message(
            gettext_noop("Sum over %(window)s minutes is %(sum)s, more than %(limit)s."),
            {**params, "limit": _shown(self.params["limit"])},
        )
        closed = Message(
            gettext_noop("Sum over %(window)s minutes fell to %(sum)s, below %(release)s."),
            {**params, "release": _shown(self.release)},
        )
        return opened, closed

    def _check(self, state, time: datetime, total: float) -> list[Transition]:
        state["value"] = total
        opened, closed = self._reasons(total)
        if not state["open"] and total > self.params["limit"]:
            state["open"] = True
            return [Transition(OPEN, time, total, opened)]
        if state["open"] and total < self.release:
            state["open"] = False
            return [Transition(CLOSE, time, total, closed)]
        return []

    def _step(self, state, time, value):
        window, transitions = state["window"], []
        # Amounts that left the window before this sample: the sum changed then.
        while window and window[0][0] + self.window < time:
            left, _amount = window.pop(0)
            total = _derived(sum(v for _t, v in window))
            transitions.extend(self._check(state, left + self.window, total))
        # Amounts leaving at this very instant make way for the new one without an in-between.
        while window and window[0][0] + self.window <= time:
            window.pop(0)
        window.append((time, value))
        transitions.extend(self._check(state, time, _derived(sum(v for _t, v in window))))
        return transitions

    def advance(self, state, now):
        now = _aware(now)
        current = self._load(state)
        if not current["open"]:
            return Evaluation(self._dump(current), [])
        # The window itself is left as it is: a late sample stamped before ``now`` still
        # needs the amounts that were in the window at its time.
        remaining = list(current["window"])
        while remaining and remaining[0][0] + self.window <= now:
            left, _amount = remaining.pop(0)
            total = _derived(sum(v for _t, v in remaining))
            transitions = self._check(current, left + self.window, total)
            if transitions:
                return Evaluation(self._dump(current), transitions)
        return Evaluation(self._dump(current), [])


class Staleness(Rule):
    """No sample for more than ``minutes``: the sensor, its logger or its link has failed.

    Parameters: ``minutes`` (> 0).

    State machine (``since_time``: when the rule started watching, used until a first sample
    arrives)::

        closed --advance(now), now - (last_time or since_time) > minutes--> open (at now)
        open --any sample--> closed (at the sample's time)

    The alert opens when the clock finds the gap (at ``now``, the reason names the latest
    sample's time) and only once per gap. Times are the samples' phenomenon times: a logger
    that uploads buffered readings once an hour needs ``minutes`` above 60.
    """

    kind = "staleness"
    label = gettext_noop("Staleness")

    def _read(self, reader):
        return {"minutes": reader.positive("minutes")}

    def _fresh(self, start):
        return {**super()._fresh(start), "since_time": start}

    def _step(self, state, time, value):
        state["value"] = value
        if not state["open"]:
            return []
        state["open"] = False
        previous = state["last_time"] or state["since_time"]
        if previous is None:
            reason = Message(gettext_noop("Data arrived again."))
        else:
            gap = _shown((time - previous).total_seconds() / 60)
            reason = Message(
                gettext_noop("Data arrived again after a gap of %(gap)s minutes."), {"gap": gap}
            )
        return [Transition(CLOSE, time, value, reason)]

    def advance(self, state, now):
        now = _aware(now)
        current = self._load(state)
        reference = current["last_time"] or current["since_time"]
        limit = timedelta(minutes=self.params["minutes"])
        if current["open"] or reference is None or now - reference <= limit:
            return Evaluation(self._dump(current), [])
        current["open"] = True
        minutes = _shown(self.params["minutes"])
        if current["last_time"] is not None:
            reason = Message(
                gettext_noop(
                    "No data for more than %(minutes)s minutes; the latest value is from "
                    "%(last_time)s."
                ),
                {"minutes": minutes, "last_time": _iso(reference)},
            )
        else:
            reason = Message(
                gettext_noop(
                    "No data for more than %(minutes)s minutes since the rule started at "
                    "%(since_time)s."
                ),
                {"minutes": minutes, "since_time": _iso(reference)},
            )
        return Evaluation(self._dump(current), [Transition(OPEN, now, None, reason)])


KINDS: dict[str, type[Rule]] = {
    cls.kind: cls for cls in (Threshold, Consecutive, RateOfRise, RollingSum, Staleness)
}
# Kinds whose state changes with the clock alone (see Rule.advance).
CLOCK_KINDS = (RollingSum.kind, Staleness.kind)


def rule_for(kind: str, params) -> Rule:
    """The rule of ``kind`` with ``params``; ParameterError if either is invalid."""
    cls = KINDS.get(kind)
    if cls is None:
        raise ParameterError(
            "kind", Message(gettext_noop("Unknown rule kind %(kind)s."), {"kind": str(kind)})
        )
    return cls(params)
