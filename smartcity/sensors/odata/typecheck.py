"""Static types of expressions, for mistakes that are visible without the data model.

OData 4.01 Part 2, section 5.1.1 asks a service that "can infer such a type discrepancy for an
expression that appears in a request independently of the underlying data" to reject it with an
error explaining the discrepancy. Property types depend on the entity model, which this package
does not know, so a property (and ``null``) has type ``any`` and never causes an error here;
literals, operators and function results have known types. The rules for operators follow
OData 4.0 Part 2, sections 5.1.1.1 (logical), 5.1.1.2 (arithmetic, including the date-time and
duration combinations) and the function signatures in ``functions``.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import QueryError
from .functions import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    DURATION,
    FUNCTIONS,
    GEO,
    NULL,
    NUMBER,
    STRING,
    TIME,
)
from .nodes import BinaryOp, BoolOp, Expr, Function, Literal, Property, UnaryOp

_LITERAL_TYPES = {
    "null": NULL,
    "bool": BOOLEAN,
    "int": NUMBER,
    "decimal": NUMBER,
    "string": STRING,
    "datetime": DATETIME,
    "date": DATE,
    "time": TIME,
    "duration": DURATION,
    "geography": GEO,
    "geometry": GEO,
}
DESCRIPTIONS = {
    BOOLEAN: "a boolean",
    NUMBER: "a number",
    STRING: "a string",
    DATETIME: "a date-time",
    DATE: "a date",
    TIME: "a time of day",
    DURATION: "a duration",
    GEO: "a geometry",
    NULL: "null",
    ANY: "a value",
}
ARITHMETIC = {
    "add": {
        (NUMBER, NUMBER): NUMBER,
        (DATETIME, DURATION): DATETIME,
        (DURATION, DURATION): DURATION,
        (DATE, DURATION): DATE,
    },
    "sub": {
        (NUMBER, NUMBER): NUMBER,
        (DATETIME, DURATION): DATETIME,
        (DURATION, DURATION): DURATION,
        (DATETIME, DATETIME): DURATION,
        (DATE, DURATION): DATE,
        (DATE, DATE): DURATION,
    },
    "mul": {(NUMBER, NUMBER): NUMBER, (DURATION, NUMBER): DURATION, (NUMBER, DURATION): DURATION},
    "div": {(NUMBER, NUMBER): NUMBER, (DURATION, NUMBER): DURATION},
    "mod": {(NUMBER, NUMBER): NUMBER},
}
_UNKNOWN = (ANY, NULL)
Fail = Callable[[str, int], QueryError]


def _either(types) -> str:
    names = [DESCRIPTIONS[t] for t in sorted(types)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def start_of(node: Expr) -> int:
    """Offset of the first character of ``node``'s text."""
    while True:
        if isinstance(node, BinaryOp):
            node = node.left
        elif isinstance(node, BoolOp):
            node = node.operands[0]
        else:
            return node.pos


def check(node: Expr, fail: Fail) -> str:
    """The static type of ``node``; raises ``fail(message, position)`` on a type error."""
    if isinstance(node, Literal):
        return _LITERAL_TYPES[node.kind]
    if isinstance(node, Property):
        return ANY
    if isinstance(node, Function):
        return _check_function(node, fail)
    if isinstance(node, UnaryOp):
        operand = check(node.operand, fail)
        if node.op == "not":
            if operand not in (BOOLEAN, *_UNKNOWN):
                raise fail(
                    "the operand of 'not' must be a boolean expression, found "
                    + DESCRIPTIONS[operand],
                    start_of(node.operand),
                )
            return BOOLEAN
        if operand not in (NUMBER, DURATION, *_UNKNOWN):
            raise fail(
                "the operand of '-' must be a number or a duration, found " + DESCRIPTIONS[operand],
                start_of(node.operand),
            )
        return ANY if operand == NULL else operand
    if isinstance(node, BoolOp):
        for operand in node.operands:
            found = check(operand, fail)
            if found not in (BOOLEAN, *_UNKNOWN):
                raise fail(
                    f"the operands of '{node.op}' must be boolean expressions, found "
                    + DESCRIPTIONS[found],
                    start_of(operand),
                )
        return BOOLEAN
    if isinstance(node, BinaryOp):
        if node.op in ARITHMETIC:
            return _check_arithmetic(node, fail)
        return _check_comparison(node, fail)
    raise TypeError(f"not an expression node: {node!r}")


def _check_function(node: Function, fail: Fail) -> str:
    signature = FUNCTIONS[node.name]
    for index, (arg, accepted) in enumerate(zip(node.args, signature.params, strict=False)):
        found = check(arg, fail)
        if found not in accepted and found not in _UNKNOWN:
            raise fail(
                f"argument {index + 1} of {node.name}() must be {_either(accepted)}, "
                f"found {DESCRIPTIONS[found]}",
                start_of(arg),
            )
    return signature.returns


def _check_arithmetic(node: BinaryOp, fail: Fail) -> str:
    table = ARITHMETIC[node.op]
    left = check(node.left, fail)
    right = check(node.right, fail)
    for side, found, operand in ((0, left, node.left), (1, right, node.right)):
        accepted = {pair[side] for pair in table}
        if found not in accepted and found not in _UNKNOWN:
            which = "left" if side == 0 else "right"
            raise fail(
                f"the {which} operand of '{node.op}' must be {_either(accepted)}, "
                f"found {DESCRIPTIONS[found]}",
                start_of(operand),
            )
    if left not in _UNKNOWN and right not in _UNKNOWN:
        if (left, right) not in table:
            raise fail(
                f"'{node.op}' cannot combine {DESCRIPTIONS[left]} with {DESCRIPTIONS[right]}",
                node.pos,
            )
        return table[(left, right)]
    results = {
        result
        for (a, b), result in table.items()
        if (left in _UNKNOWN or a == left) and (right in _UNKNOWN or b == right)
    }
    return results.pop() if len(results) == 1 else ANY


def _check_comparison(node: BinaryOp, fail: Fail) -> str:
    left = check(node.left, fail)
    right = check(node.right, fail)
    if GEO in (left, right) and NULL not in (left, right):
        raise fail(
            f"geometries cannot be compared with '{node.op}' (only with null); use "
            "st_equals() or another geospatial function",
            node.pos,
        )
    if left not in _UNKNOWN and right not in _UNKNOWN and left != right:
        hint = ""
        if isinstance(node.left, UnaryOp) and node.left.op == "not":
            hint = f" ('not' binds more tightly than '{node.op}': write not (a {node.op} b))"
        raise fail(
            f"'{node.op}' cannot compare {DESCRIPTIONS[left]} with {DESCRIPTIONS[right]}{hint}",
            node.pos,
        )
    return BOOLEAN


def static_type(node: Expr) -> str:
    """The static type of a well-typed expression: one of the type names in ``functions``
    (``"any"`` where it depends on property types)."""

    def fail(message: str, position: int) -> QueryError:
        return QueryError(message, None, position)

    return check(node, fail)
