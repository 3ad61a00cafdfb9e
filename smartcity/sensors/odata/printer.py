"""``to_text``: canonical query text for any node, such that parsing it gives the node back.

Canonical form: single spaces around binary operators, none inside function calls
(``substring(name,1,2)``), parentheses only where precedence needs them (and around a nested
``and``/``or`` chain of the same operator, which is a node of its own), ``asc`` left out,
durations as ``duration'P1DT2H'``, UTC date-times with ``Z``, fractional seconds without
trailing zeros, integral coordinates without ``.0``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .geometry import Geometry
from .nodes import (
    BinaryOp,
    BoolOp,
    ExpandItem,
    Function,
    Literal,
    OrderBy,
    Property,
    QueryOptions,
    UnaryOp,
)
from .parser import PRECEDENCE, UNARY_PRECEDENCE

_PRIMARY = UNARY_PRECEDENCE + 1


def to_text(node) -> str:
    """Canonical text of an expression, ``OrderBy``, ``ExpandItem``, ``QueryOptions`` (its
    options joined by ``;`` as inside ``$expand``) or a tuple of items (joined by ``,``)."""
    if isinstance(node, tuple | list):
        return ",".join(to_text(item) for item in node)
    if isinstance(node, OrderBy):
        return _expr(node.expr) + (" desc" if node.descending else "")
    if isinstance(node, ExpandItem):
        text = "/".join(node.path)
        if not node.options.is_empty():
            text += "(" + to_text(node.options) + ")"
        return text
    if isinstance(node, QueryOptions):
        return ";".join(f"{name}={value}" for name, value in options_params(node))
    return _expr(node)


def options_params(options: QueryOptions) -> list[tuple[str, str]]:
    params = []
    if options.filter is not None:
        params.append(("$filter", to_text(options.filter)))
    if options.expand:
        params.append(("$expand", to_text(options.expand)))
    if options.select:
        params.append(("$select", to_text(options.select)))
    if options.orderby:
        params.append(("$orderby", to_text(options.orderby)))
    if options.top is not None:
        params.append(("$top", str(options.top)))
    if options.skip is not None:
        params.append(("$skip", str(options.skip)))
    if options.count is not None:
        params.append(("$count", "true" if options.count else "false"))
    if options.result_format is not None:
        params.append(("$resultFormat", options.result_format))
    return params


def _precedence(node) -> int:
    if isinstance(node, BinaryOp | BoolOp):
        return PRECEDENCE[node.op]
    if isinstance(node, UnaryOp):
        return UNARY_PRECEDENCE
    return _PRIMARY


def _wrapped(node, needs_parentheses: bool) -> str:
    text = _expr(node)
    return f"({text})" if needs_parentheses else text


def _expr(node) -> str:
    if isinstance(node, Literal):
        return literal_text(node)
    if isinstance(node, Property):
        return "/".join(node.path)
    if isinstance(node, Function):
        return node.name + "(" + ",".join(_expr(arg) for arg in node.args) + ")"
    if isinstance(node, UnaryOp):
        operand = node.operand
        low = _precedence(operand) < UNARY_PRECEDENCE
        if node.op == "not":
            return "not " + _wrapped(operand, low)
        # "-5" would read back as a negative literal, not as negation of the literal 5.
        signed = isinstance(operand, Literal) and operand.kind in ("int", "decimal", "duration")
        return "-" + _wrapped(operand, low or signed)
    if isinstance(node, BinaryOp):
        precedence = PRECEDENCE[node.op]
        left = _wrapped(node.left, _precedence(node.left) < precedence)
        right = _wrapped(node.right, _precedence(node.right) <= precedence)
        return f"{left} {node.op} {right}"
    if isinstance(node, BoolOp):
        precedence = PRECEDENCE[node.op]
        return f" {node.op} ".join(
            _wrapped(operand, _precedence(operand) <= precedence) for operand in node.operands
        )
    raise TypeError(f"cannot print {node!r}")


def literal_text(node: Literal) -> str:
    """The canonical text of one literal."""
    value = node.value
    kind = node.kind
    if kind == "null":
        return "null"
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return str(value)
    if kind == "decimal":
        return _decimal_text(value)
    if kind == "string":
        return "'" + value.replace("'", "''") + "'"
    if kind == "datetime":
        return datetime_text(value)
    if kind == "date":
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if kind == "time":
        return _time_text(value)
    if kind == "duration":
        return f"duration'{duration_text(value)}'"
    geometry: Geometry = value
    return f"{kind}'{geometry.ewkt}'"


def _decimal_text(value: Decimal) -> str:
    text = str(value)
    if not any(ch in text for ch in ".eE"):
        text += ".0"
    return text


def _fraction(microsecond: int) -> str:
    return f".{microsecond:06d}".rstrip("0") if microsecond else ""


def _time_text(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{_fraction(value.microsecond)}"


def datetime_text(value: dt.datetime) -> str:
    """ISO 8601 with ``Z`` for UTC, e.g. ``2026-11-26T10:00:00.5+01:00``."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("a datetime literal needs a time zone offset")
    if offset.microseconds or offset.seconds % 60:
        raise ValueError("time zone offsets are whole minutes")
    date = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if not offset:
        zone = "Z"
    else:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        zone = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{date}T{_time_text(value.time())}{zone}"


def duration_text(value: dt.timedelta) -> str:
    """ISO 8601 duration in days, hours, minutes and seconds, e.g. ``P1DT2H``, ``-PT0.5S``."""
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "P" + (f"{value.days}D" if value.days else "")
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or value.microseconds:
        clock += f"{seconds}{_fraction(value.microseconds)}S"
    if clock:
        text += "T" + clock
    elif not value.days:
        text += "T0S"
    return sign + text
