"""The abstract syntax tree: immutable dataclasses, compared by meaning.

Every node carries ``pos``, the 0-based offset of its first character in the option text it
came from (``-1`` for nodes built in code). Positions, and the derived ``depth``, take no part
in equality or hashing, so ``parse(to_text(tree)) == tree`` holds although the printed text is
laid out differently from the original.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from .errors import QueryError
from .geometry import Geometry

# Literal kind -> Python type of its value.
LITERAL_TYPES: dict[str, type | tuple[type, ...]] = {
    "null": type(None),
    "bool": bool,
    "int": int,
    "decimal": Decimal,
    "string": str,
    "datetime": dt.datetime,
    "date": dt.date,
    "time": dt.time,
    "duration": dt.timedelta,
    "geography": Geometry,
    "geometry": Geometry,
}
COMPARISON_OPERATORS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
ARITHMETIC_OPERATORS = frozenset({"add", "sub", "mul", "div", "mod"})
LOGICAL_OPERATORS = frozenset({"and", "or"})
UNARY_OPERATORS = frozenset({"not", "-"})
# Largest and smallest Edm.Int64; integer literals outside become decimals, as in OData.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Node:
    """Base of every node."""

    pos: int = field(default=-1, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Expr(Node):
    """Base of expression nodes; ``depth`` is 1 for a leaf, else 1 + the deepest child's."""

    depth: int = field(init=False, compare=False, repr=False, default=1)

    def _set_depth(self, children) -> None:
        object.__setattr__(self, "depth", 1 + max((c.depth for c in children), default=0))


@dataclass(frozen=True)
class Literal(Expr):
    """A constant. ``kind`` is a key of ``LITERAL_TYPES``; ``value`` has the matching type:
    ``None``, ``bool``, ``int`` (within Int64), ``Decimal``, ``str``, aware
    ``datetime.datetime``, ``datetime.date``, ``datetime.time``, ``datetime.timedelta`` or
    ``Geometry``."""

    kind: str
    value: object

    def __post_init__(self) -> None:
        expected = LITERAL_TYPES.get(self.kind)
        if expected is None:
            raise ValueError(f"unknown literal kind {self.kind!r}")
        value = self.value
        # bool is an int and datetime a date, but neither may pose as the other kind.
        exact = {"int": int, "date": dt.date}.get(self.kind)
        ok = type(value) is exact if exact else isinstance(value, expected)
        if not ok:
            raise TypeError(f"a {self.kind} literal needs a {expected}, got {value!r}")
        if self.kind == "int" and not INT64_MIN <= value <= INT64_MAX:
            raise ValueError("an int literal must fit in 64 bits; use a decimal literal")
        if self.kind == "decimal" and not value.is_finite():
            raise ValueError("a decimal literal must be finite")
        if self.kind == "datetime" and value.utcoffset() is None:
            raise ValueError("a datetime literal needs a time zone offset")
        if self.kind == "time" and value.tzinfo is not None:
            raise ValueError("a time literal has no time zone")
        is_geo = self.kind in ("geography", "geometry")
        if is_geo and value.srid is not None and not 0 <= value.srid <= 99999:
            raise ValueError("an SRID has at most 5 digits")


@dataclass(frozen=True)
class Property(Expr):
    """A property path such as ``("Datastream", "Thing", "name")`` or
    ``("properties", "owner", "email")``; ``positions`` holds each segment's offset."""

    path: tuple[str, ...]
    positions: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", tuple(self.path))
        if not self.path or not all(isinstance(s, str) and s for s in self.path):
            raise ValueError("a property path needs at least one non-empty segment")


@dataclass(frozen=True)
class Function(Expr):
    """A call of a built-in function, e.g. ``Function("geo.distance", (a, b))``."""

    name: str
    args: tuple[Expr, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", tuple(self.args))
        self._set_depth(self.args)


@dataclass(frozen=True)
class UnaryOp(Expr):
    """``not x`` (``op="not"``) or arithmetic negation ``-x`` (``op="-"``)."""

    op: str
    operand: Expr

    def __post_init__(self) -> None:
        if self.op not in UNARY_OPERATORS:
            raise ValueError(f"unknown unary operator {self.op!r}")
        self._set_depth((self.operand,))


@dataclass(frozen=True)
class BinaryOp(Expr):
    """A comparison (eq ne gt ge lt le) or arithmetic (add sub mul div mod) operation."""

    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in COMPARISON_OPERATORS | ARITHMETIC_OPERATORS:
            raise ValueError(f"unknown binary operator {self.op!r}")
        self._set_depth((self.left, self.right))


@dataclass(frozen=True)
class BoolOp(Expr):
    """``a and b and c`` or ``a or b or c``: two or more operands joined by one logical
    operator. A chain without parentheses is one node; a parenthesised chain of the same
    operator stays a nested node."""

    op: str
    operands: tuple[Expr, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "operands", tuple(self.operands))
        if self.op not in LOGICAL_OPERATORS:
            raise ValueError(f"unknown logical operator {self.op!r}")
        if len(self.operands) < 2:
            raise ValueError("a logical operation needs at least two operands")
        self._set_depth(self.operands)


@dataclass(frozen=True)
class OrderBy(Node):
    """One ``$orderby`` item: an expression and its direction."""

    expr: Expr
    descending: bool = False


@dataclass(frozen=True)
class Source:
    """Where an option's text lives, for error messages: the option to name and its text.
    For options nested in ``$expand`` both are those of the enclosing ``$expand``."""

    option: str
    text: str | None


@dataclass(frozen=True)
class QueryOptions(Node):
    """All query options of a request, or of one ``$expand`` item. Absent options are
    ``None`` or an empty tuple. ``sources`` maps each given option name to its ``Source``."""

    filter: Expr | None = None
    select: tuple[Property, ...] = ()
    expand: tuple[ExpandItem, ...] = ()
    orderby: tuple[OrderBy, ...] = ()
    top: int | None = None
    skip: int | None = None
    count: bool | None = None
    result_format: str | None = None
    sources: Mapping[str, Source] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    def __post_init__(self) -> None:
        for name in ("select", "expand", "orderby"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not isinstance(self.sources, MappingProxyType):
            object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    def is_empty(self) -> bool:
        return self == QueryOptions()

    def error(self, option: str, message: str, position: int | None = None) -> QueryError:
        """A ``QueryError`` about ``option`` (``"$filter"``, ...) pointing at ``position``
        (a node's ``pos``) in the right text, nested ``$expand`` options included."""
        source = self.sources.get(option, Source(option, None))
        return QueryError(message, source.option, position, source.text)

    def to_params(self) -> list[tuple[str, str]]:
        """The options as ``(name, canonical text)`` pairs, not URL-encoded, in the order
        $filter, $expand, $select, $orderby, $top, $skip, $count, $resultFormat."""
        from .printer import options_params

        return options_params(self)


@dataclass(frozen=True)
class ExpandItem(Node):
    """One ``$expand`` item: a navigation path (``("Datastreams", "Observations")``) and the
    options applying to its last segment; ``positions`` holds each segment's offset."""

    path: tuple[str, ...]
    options: QueryOptions = field(default_factory=QueryOptions)
    positions: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", tuple(self.path))
        if not self.path or not all(isinstance(s, str) and s for s in self.path):
            raise ValueError("an expand path needs at least one non-empty segment")
