"""Extra questions of a category (Open311 GeoReport v2 service attributes) and their answers.

No Django import. A category asks for extra facts through attributes with the GeoReport v2
data types; :func:`validate_answers` checks what a reporter sent against them and returns
the values to store, or a :class:`Reason` per attribute code. Answers arrive as strings from
forms and from Open311 (``attribute[code]=value``, lists as repeated values) or as JSON
values from other callers.

Stored values: ``string`` and ``text`` as text, ``number`` as int or float, ``datetime`` as
an ISO 8601 string with its UTC offset, ``singlevaluelist`` as the chosen key and
``multivaluelist`` as a list of keys in the order the category lists them.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from smartcity.concerns.reasons import Reason, gettext_noop

STRING = "string"
NUMBER = "number"
DATETIME = "datetime"
TEXT = "text"
SINGLEVALUELIST = "singlevaluelist"
MULTIVALUELIST = "multivaluelist"
DATATYPES = (STRING, NUMBER, DATETIME, TEXT, SINGLEVALUELIST, MULTIVALUELIST)
LIST_TYPES = frozenset({SINGLEVALUELIST, MULTIVALUELIST})

STRING_MAX_LENGTH = 300
TEXT_MAX_LENGTH = 5000
KEY_MAX_LENGTH = 100


@dataclass(frozen=True)
class AttributeSpec:
    code: str
    datatype: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (key, name) of a value list
    # Open311 "variable": false marks an informational attribute that takes no answer.
    variable: bool = True

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _name in self.values)


def parse_value_list(datatype: str, values) -> tuple[tuple[str, str], ...]:
    """Check a stored value list (``[{"key": ..., "name": ...}]``); ValueError says why."""
    if datatype not in DATATYPES:
        raise ValueError(f"unknown data type {datatype!r}; expected one of {', '.join(DATATYPES)}")
    values = values or []
    if datatype not in LIST_TYPES:
        if values:
            raise ValueError(f"only list attributes have values, not {datatype} attributes")
        return ()
    if not isinstance(values, list) or not values:
        raise ValueError("a list attribute needs a list of values")
    parsed = []
    for item in values:
        if not isinstance(item, dict) or set(item) != {"key", "name"}:
            raise ValueError('each value must be {"key": ..., "name": ...}')
        key, name = item["key"], item["name"]
        if not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX_LENGTH:
            raise ValueError(f"each key must be text of 1 to {KEY_MAX_LENGTH} characters")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"the value {key!r} needs a name")
        parsed.append((key, name))
    keys = [key for key, _name in parsed]
    if len(set(keys)) != len(keys):
        raise ValueError("the keys of the values must differ")
    return tuple(parsed)


def _is_empty(raw) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple):
        return all(_is_empty(item) for item in raw)
    return False


def _single(raw):
    """Forms and Open311 send lists for repeated fields; one value is one value."""
    if isinstance(raw, list | tuple):
        present = [item for item in raw if not _is_empty(item)]
        if len(present) != 1:
            raise _Invalid(Reason("one_value", gettext_noop("Give one value only.")))
        return present[0]
    return raw


class _Invalid(Exception):
    def __init__(self, reason: Reason):
        self.reason = reason


def _text(raw, max_length: int) -> str:
    if not isinstance(raw, str):
        raise _Invalid(Reason("not_text", gettext_noop("Give text.")))
    value = raw.strip()
    if len(value) > max_length:
        raise _Invalid(
            Reason(
                "too_long",
                gettext_noop("Give at most %(max)s characters."),
                {"max": max_length},
            )
        )
    return value


def _number(raw) -> int | float:
    if isinstance(raw, bool):
        raise _Invalid(Reason("not_a_number", gettext_noop("Give a number.")))
    if isinstance(raw, int | float):
        value = raw
    else:
        # A German keyboard writes the decimal comma.
        text = str(raw).strip().replace(",", ".")
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise _Invalid(Reason("not_a_number", gettext_noop("Give a number."))) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid(Reason("not_a_number", gettext_noop("Give a number.")))
    return value


def _datetime(raw) -> str:
    try:
        value = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise _Invalid(
            Reason(
                "not_a_datetime",
                gettext_noop(
                    "Give a date and time with its offset, such as 2026-05-04T08:30:00+02:00."
                ),
            )
        )
    return value.isoformat()


def _key(spec: AttributeSpec, raw) -> str:
    key = str(raw).strip()
    if key not in spec.keys:
        raise _Invalid(
            Reason(
                "not_in_list",
                gettext_noop("%(value)s is not one of the choices."),
                {"value": key[:KEY_MAX_LENGTH]},
            )
        )
    return key


def _value(spec: AttributeSpec, raw):
    if spec.datatype == MULTIVALUELIST:
        items = raw if isinstance(raw, list | tuple) else [raw]
        chosen = {_key(spec, item) for item in items if not _is_empty(item)}
        return [key for key in spec.keys if key in chosen]
    raw = _single(raw)
    if spec.datatype == STRING:
        return _text(raw, STRING_MAX_LENGTH)
    if spec.datatype == TEXT:
        return _text(raw, TEXT_MAX_LENGTH)
    if spec.datatype == NUMBER:
        return _number(raw)
    if spec.datatype == DATETIME:
        return _datetime(raw)
    return _key(spec, raw)


def validate_answers(
    specs: list[AttributeSpec], answers: Mapping
) -> tuple[dict, dict[str, Reason]]:
    """(values to store, reasons by attribute code); every problem is reported at once.

    Missing answers to required attributes and answers to codes the category does not ask
    (or to informational attributes) are refused; empty answers to optional ones are left out.
    """
    by_code = {spec.code: spec for spec in specs}
    values: dict = {}
    problems: dict[str, Reason] = {}
    for code in answers:
        spec = by_code.get(code)
        if spec is None or not spec.variable:
            problems[str(code)] = Reason(
                "unknown_attribute",
                gettext_noop("This category does not ask for %(code)s."),
                {"code": str(code)[:KEY_MAX_LENGTH]},
            )
    for spec in specs:
        if not spec.variable:
            continue
        raw = answers.get(spec.code)
        if _is_empty(raw):
            if spec.required:
                problems[spec.code] = Reason("required", gettext_noop("This answer is required."))
            continue
        try:
            values[spec.code] = _value(spec, raw)
        except _Invalid as invalid:
            problems[spec.code] = invalid.reason
    return values, problems
