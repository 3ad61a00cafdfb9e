"""Tokenizer: turns one option value into tokens, scanning literals character by character.

Literal forms follow the OData 4.0 ABNF (OASIS, "OData ABNF Construction Rules Version 4.0",
section 6 "Literal Data Values"): ``string`` with ``''`` for a quote, ``decimalValue`` with an
optional exponent, ``dateValue``, ``dateTimeOffsetValue`` (offset required), ``timeOfDayValue``,
``duration`` (``duration'P1DT2H'``; a bare ISO 8601 duration such as ``PT1H`` is accepted too)
and the geography/geometry literals. Tokens are produced on demand, so the first problem in
reading order is the one reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .errors import QueryError
from .geometry import WKTSyntaxError, is_digit, parse_geometry

NAME = "name"
OPTION = "option"
STRING = "string"
NUMBER = "number"
DATETIME = "datetime"
DATE = "date"
TIME = "time"
DURATION = "duration"
GEO = "geo"
LPAREN = "("
RPAREN = ")"
COMMA = ","
SEMI = ";"
SLASH = "/"
EQUALS = "="
MINUS = "-"
PLUS = "+"
EOF = "end"

_PUNCTUATION = {
    "(": LPAREN,
    ")": RPAREN,
    ",": COMMA,
    ";": SEMI,
    "/": SLASH,
    "=": EQUALS,
    "-": MINUS,
    "+": PLUS,
}
_WHITESPACE = " \t\r\n"
# OData limits identifiers to 128 characters (ABNF rule odataIdentifier).
MAX_NAME_LENGTH = 128
_TYPED_LITERALS = ("duration", "geography", "geometry")
_OLD_LITERAL_HINTS = {
    "datetime": "OData 4 writes date-times without quotes, e.g. 2026-11-26T10:00:00Z",
    "datetimeoffset": "OData 4 writes date-times without quotes, e.g. 2026-11-26T10:00:00Z",
    "time": "OData 4 writes durations as duration'PT1H' and times of day as 10:00:00",
    "date": "OData 4 writes dates without quotes, e.g. 2026-11-26",
}
_CHARACTER_HINTS = {
    ">": "comparisons are written gt or ge",
    "<": "comparisons are written lt or le",
    "!": "write ne for 'not equal' and not for negation",
    "&": "write and; a literal '&' inside a URL must be encoded as %26",
    "|": "write or",
    "*": "'*' is not supported; multiplication is written mul",
    '"': "strings are written in single quotes",
    "[": "arrays are not supported in expressions",
    "{": "JSON objects are not supported in expressions",
}
_DURATION_DESIGNATORS = "DHMS"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int
    end: int
    value: object = None


class _LexError(Exception):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ch.isalpha()


def _is_name_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def parse_duration(text: str, start: int, end: int) -> dt.timedelta:
    """Read an ISO 8601 duration restricted to Edm.Duration (days, hours, minutes, seconds)
    from ``text[start:end]``, with an optional sign; raises ``_LexError``."""
    pos = start
    sign = 1
    if pos < end and text[pos] in "+-":
        sign = -1 if text[pos] == "-" else 1
        pos += 1
    if pos >= end or text[pos] != "P":
        raise _LexError("a duration starts with 'P', e.g. P1DT2H or PT30M", pos)
    pos += 1
    in_time = False
    time_start = -1
    last = -1
    parts: dict[str, int] = {}
    microseconds = 0
    while pos < end:
        if text[pos] == "T":
            if in_time:
                raise _LexError("'T' appears twice in the duration", pos)
            in_time = True
            pos += 1
            time_start = pos
            continue
        number_start = pos
        while pos < end and is_digit(text[pos]):
            pos += 1
        if pos == number_start:
            raise _LexError(f"expected a number in the duration, found '{text[pos]}'", pos)
        number = int(text[number_start:pos])
        fraction = ""
        if pos < end and text[pos] == ".":
            pos += 1
            fraction_start = pos
            while pos < end and is_digit(text[pos]):
                pos += 1
            fraction = text[fraction_start:pos]
            if not fraction:
                raise _LexError("expected digits after the decimal point", pos)
        if pos >= end:
            raise _LexError("expected a designator (D, H, M or S) after the number", pos)
        designator = text[pos]
        if not in_time and designator in "YMW":
            unit = {"Y": "years", "M": "months", "W": "weeks"}[designator]
            raise _LexError(
                f"durations cannot count {unit}: OData's Edm.Duration has only days (D), "
                "hours (H), minutes (M) and seconds (S), e.g. P30D",
                pos,
            )
        allowed = "HMS" if in_time else "D"
        if designator not in allowed:
            expected = "H, M or S" if in_time else "D, or T before hours, minutes and seconds"
            raise _LexError(f"expected {expected} in the duration, found '{designator}'", pos)
        index = _DURATION_DESIGNATORS.index(designator)
        if index <= last:
            raise _LexError("duration parts must appear once each, in the order D, T, H, M, S", pos)
        if fraction and designator != "S":
            raise _LexError("only seconds may have a fractional part in a duration", pos)
        last = index
        parts[designator] = number
        if fraction:
            microseconds = int(fraction[:6].ljust(6, "0"))
        pos += 1
    if not parts:
        raise _LexError("a duration needs at least one part, e.g. P1D or PT1H", pos)
    if in_time and last < 1:
        raise _LexError("'T' must be followed by hours, minutes or seconds", time_start)
    try:
        value = dt.timedelta(
            days=parts.get("D", 0),
            hours=parts.get("H", 0),
            minutes=parts.get("M", 0),
            seconds=parts.get("S", 0),
            microseconds=microseconds,
        )
        return -value if sign < 0 else value
    except OverflowError:
        raise _LexError("the duration is out of range", start) from None


class Lexer:
    """Scans ``text`` on demand; ``fail(message, position)`` builds the error to raise."""

    def __init__(self, text: str, fail: Callable[[str, int], QueryError]) -> None:
        self.text = text
        self.pos = 0
        self.fail = fail

    def next_token(self) -> Token:
        try:
            return self._next()
        except _LexError as error:
            raise self.fail(error.message, error.position) from None

    # -- scanning helpers --------------------------------------------------------------

    def _char(self, pos: int) -> str:
        return self.text[pos] if pos < len(self.text) else ""

    def _digits(self, pos: int) -> int:
        while pos < len(self.text) and is_digit(self.text[pos]):
            pos += 1
        return pos

    def _two_digits(self, pos: int, what: str) -> tuple[int, int]:
        end = self._digits(pos)
        if end - pos != 2:
            raise _LexError(f"expected a two-digit {what}", pos)
        return int(self.text[pos:end]), end

    def _expect_char(self, pos: int, char: str, context: str) -> int:
        if self._char(pos) != char:
            found = self._char(pos)
            suffix = f", found '{found}'" if found else ""
            raise _LexError(f"expected '{char}' {context}{suffix}", pos)
        return pos + 1

    def _check_literal_end(self, pos: int, what: str) -> None:
        ch = self._char(pos)
        if ch and (_is_name_char(ch) or ch in ".:'"):
            raise _LexError(f"unexpected '{ch}' after the {what}", pos)

    # -- tokens ------------------------------------------------------------------------

    def _next(self) -> Token:
        text = self.text
        pos = self.pos
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos
        if pos >= len(text):
            return Token(EOF, "", pos, pos)
        ch = text[pos]
        if ch == "'":
            value, end = self._string(pos)
            if _is_name_char(self._char(end)):
                raise _LexError(
                    f"unexpected '{self._char(end)}' right after a string: separate it with a "
                    "space, or write a quote inside a string as two quotes ''",
                    end,
                )
            return self._emit(STRING, pos, end, value)
        if is_digit(ch):
            return self._digit_start(pos)
        if ch == "P" and self._looks_like_duration(pos):
            end = pos
            while end < len(text) and (_is_name_char(text[end]) or text[end] == "."):
                end += 1
            value = parse_duration(text, pos, end)
            return self._emit(DURATION, pos, end, value)
        if _is_name_start(ch):
            return self._name(pos)
        if ch == "$":
            end = pos + 1
            while end < len(text) and _is_name_char(text[end]):
                end += 1
            if end == pos + 1:
                raise _LexError("expected a query option name after '$'", pos)
            return self._emit(OPTION, pos, end, text[pos:end])
        if ch in _PUNCTUATION:
            return self._emit(_PUNCTUATION[ch], pos, pos + 1)
        if ch == "@":
            if text.startswith("@iot.id", pos):
                raise _LexError("write id instead of @iot.id", pos)
            raise _LexError("annotations (names starting with '@') cannot be used here", pos)
        if ch in _CHARACTER_HINTS:
            raise _LexError(f"unexpected character '{ch}': {_CHARACTER_HINTS[ch]}", pos)
        raise _LexError(f"unexpected character '{ch}'", pos)

    def _emit(self, kind: str, start: int, end: int, value: object = None) -> Token:
        self.pos = end
        return Token(kind, self.text[start:end], start, end, value)

    def _looks_like_duration(self, pos: int) -> bool:
        nxt = self._char(pos + 1)
        return is_digit(nxt) or (nxt == "T" and is_digit(self._char(pos + 2)))

    def _string(self, start: int) -> tuple[str, int]:
        """The value of the string literal opening at ``start`` and the offset after it."""
        text = self.text
        pieces = []
        pos = start + 1
        while True:
            quote = text.find("'", pos)
            if quote < 0:
                raise _LexError(
                    "unterminated string: it needs a closing quote (a quote inside a string "
                    "is written as two quotes '')",
                    start,
                )
            pieces.append(text[pos:quote])
            if text.startswith("''", quote):
                pieces.append("'")
                pos = quote + 2
                continue
            return "".join(pieces), quote + 1

    def _name(self, start: int) -> Token:
        text = self.text
        end = start + 1
        while True:
            while end < len(text) and _is_name_char(text[end]):
                end += 1
            # A dot joins qualified names such as geo.distance; it never appears in paths.
            if self._char(end) == "." and _is_name_start(self._char(end + 1)):
                end += 1
                continue
            break
        name = text[start:end]
        if len(name) > MAX_NAME_LENGTH:
            raise _LexError(f"names are at most {MAX_NAME_LENGTH} characters long", start)
        if self._char(end) == "'":
            return self._typed_literal(name, start, end)
        return self._emit(NAME, start, end, name)

    def _typed_literal(self, prefix: str, start: int, quote: int) -> Token:
        if prefix not in _TYPED_LITERALS:
            lowered = prefix.lower()
            if lowered in _TYPED_LITERALS:
                raise _LexError(f"literal prefixes are lower case: write {lowered}'...'", start)
            hint = _OLD_LITERAL_HINTS.get(lowered)
            if hint:
                raise _LexError(f"{prefix}'...' is not OData 4 syntax: {hint}", start)
            raise _LexError(
                f"unknown literal type '{prefix}': typed literals are duration'...', "
                "geography'...' and geometry'...'",
                start,
            )
        body, end = self._string(quote)
        body_start = quote + 1
        if body != self.text[body_start : end - 1]:
            raise _LexError(f"a {prefix} literal cannot contain quotes", body_start)
        if prefix == "duration":
            value: object = parse_duration(self.text, body_start, end - 1)
        else:
            try:
                value = (prefix, parse_geometry(self.text, body_start, end - 1))
            except WKTSyntaxError as error:
                raise _LexError(error.message, error.position) from None
        return self._emit(DURATION if prefix == "duration" else GEO, start, end, value)

    def _digit_start(self, start: int) -> Token:
        digits_end = self._digits(start)
        nxt = self._char(digits_end)
        if nxt == "-" and is_digit(self._char(digits_end + 1)):
            return self._date_or_datetime(start, digits_end)
        if nxt == ":" and is_digit(self._char(digits_end + 1)):
            value, end = self._time_of_day(start, "time of day")
            self._check_literal_end(end, "time of day")
            return self._emit(TIME, start, end, value)
        return self._number(start, digits_end)

    def _number(self, start: int, pos: int) -> Token:
        if self._char(pos) == ".":
            fraction_end = self._digits(pos + 1)
            if fraction_end == pos + 1:
                raise _LexError("expected digits after the decimal point", pos + 1)
            pos = fraction_end
        if self._char(pos) in ("e", "E"):
            pos += 1
            if self._char(pos) in ("+", "-"):
                pos += 1
            exponent_end = self._digits(pos)
            if exponent_end == pos:
                raise _LexError("expected digits in the exponent", pos)
            pos = exponent_end
        ch = self._char(pos)
        if ch and (_is_name_char(ch) or ch in ".'"):
            raise _LexError(f"unexpected '{ch}' after the number", pos)
        return self._emit(NUMBER, start, pos, self.text[start:pos])

    def _date(self, start: int, year_end: int) -> tuple[dt.date, int]:
        year_digits = self.text[start:year_end]
        if len(year_digits) != 4:
            raise _LexError("a date needs a four-digit year (YYYY-MM-DD)", start)
        pos = year_end + 1
        month, pos = self._two_digits(pos, "month (YYYY-MM-DD)")
        pos = self._expect_char(pos, "-", "between month and day (YYYY-MM-DD)")
        day, pos = self._two_digits(pos, "day (YYYY-MM-DD)")
        try:
            return dt.date(int(year_digits), month, day), pos
        except ValueError as error:
            raise _LexError(f"invalid date: {error}", start) from None

    def _time_of_day(self, start: int, what: str) -> tuple[dt.time, int]:
        hour, pos = self._two_digits(start, f"hour in the {what} (hh:mm:ss)")
        pos = self._expect_char(pos, ":", f"between hour and minute in the {what}")
        minute, pos = self._two_digits(pos, f"minute in the {what}")
        second = microsecond = 0
        if self._char(pos) == ":":
            second, pos = self._two_digits(pos + 1, f"second in the {what}")
            if self._char(pos) == ".":
                fraction_end = self._digits(pos + 1)
                fraction = self.text[pos + 1 : fraction_end]
                if not fraction:
                    raise _LexError("expected digits after the decimal point", pos + 1)
                if len(fraction) > 12:
                    raise _LexError("at most 12 digits of fractional seconds", pos + 1)
                # Databases keep microseconds; finer digits are cut, as they would be there.
                microsecond = int(fraction[:6].ljust(6, "0"))
                pos = fraction_end
        try:
            return dt.time(hour, minute, second, microsecond), pos
        except ValueError as error:
            raise _LexError(f"invalid {what}: {error}", start) from None

    def _date_or_datetime(self, start: int, year_end: int) -> Token:
        date, pos = self._date(start, year_end)
        if self._char(pos) not in ("T", "t"):
            self._check_literal_end(pos, "date")
            return self._emit(DATE, start, pos, date)
        time, pos = self._time_of_day(pos + 1, "date-time")
        offset_start = pos
        sign_char = self._char(pos)
        if sign_char in ("Z", "z"):
            tz = dt.UTC
            pos += 1
        elif sign_char in ("+", "-"):
            hours, pos = self._two_digits(pos + 1, "hour in the time zone offset (+hh:mm)")
            pos = self._expect_char(pos, ":", "in the time zone offset (+hh:mm)")
            minutes, pos = self._two_digits(pos, "minute in the time zone offset (+hh:mm)")
            if hours > 23 or minutes > 59:
                raise _LexError("the time zone offset is out of range", offset_start)
            offset = dt.timedelta(hours=hours, minutes=minutes)
            tz = dt.timezone(-offset if sign_char == "-" else offset)
        else:
            if sign_char == " " and self._looks_like_offset(pos + 1):
                raise _LexError(
                    "a '+' in a URL is read as a space: encode the time zone offset's '+' as %2B",
                    pos,
                )
            raise _LexError("a date-time needs a time zone: add Z or an offset such as +01:00", pos)
        self._check_literal_end(pos, "date-time")
        value = dt.datetime.combine(date, time, tzinfo=tz)
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            raise _LexError("the date-time is out of range in UTC", start) from None
        return self._emit(DATETIME, start, pos, value)

    def _looks_like_offset(self, pos: int) -> bool:
        chunk = self.text[pos : pos + 5]
        return (
            len(chunk) == 5 and chunk[2] == ":" and all(is_digit(c) for c in chunk[:2] + chunk[3:])
        )
