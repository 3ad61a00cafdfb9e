"""The SensorThings API 1.1 query language: parser, AST and printer (no Django here).

Sources: OGC 18-088 "SensorThings API Part 1: Sensing" version 1.1, section 9.3 (query options
and built-in functions), which adopts the OData 4.0 URL conventions (OASIS "OData Version 4.0
Part 2: URL Conventions", section 5) and the OData 4.0 ABNF for literals and expressions.

Entry points
------------
``parse_query_options(options) -> QueryOptions``
    Validates every ``$`` option of a request (names, repeats, values); other names are
    skipped. Accepts a mapping, ``(name, value)`` pairs or a Django ``QueryDict``.
``parse_filter``, ``parse_orderby``, ``parse_select``, ``parse_expand``, ``parse_option``
    One option value each. ``parse_expression`` parses any expression (not only boolean).
``to_text(node)``
    Canonical text; ``parse(to_text(tree)) == tree`` for every tree. ``QueryOptions.to_params()``
    gives ``(name, text)`` pairs for next links.
``walk(node)``, ``children(node)``, ``Visitor``
    Traversal. ``static_type(expr)`` gives an expression's static type.
``QueryError``
    The only exception for bad input; ``str(error)`` is the HTTP 400 ``detail``.

The tree
--------
Expressions (all frozen dataclasses with ``pos``, the offset of their text, and ``depth``;
neither takes part in equality):

``Literal(kind, value)``
    ``kind``: ``null`` (None), ``bool``, ``int`` (Int64 range), ``decimal`` (``Decimal``; any
    number with a point or an exponent, and integers beyond Int64), ``string``, ``datetime``
    (aware ``datetime``), ``date``, ``time`` (``datetime.time``), ``duration`` (``timedelta``),
    ``geography`` / ``geometry`` (``Geometry``: GeoJSON ``type``, GeoJSON-shaped
    ``coordinates``, ``srid``; ``.wkt``, ``.geojson()``).
``Property(path)``
    ``path`` is a tuple of names: ``("Datastream", "Thing", "name")``, ``("id",)``,
    ``("properties", "owner", "email")``; ``positions`` holds each segment's offset.
``Function(name, args)``
    ``name`` as written (``"geo.distance"``); arity and argument types already checked.
``UnaryOp(op, operand)``
    ``op``: ``"not"`` or ``"-"``. A minus directly before a number or duration is part of the
    literal (``-5`` is ``Literal("int", -5)``).
``BinaryOp(op, left, right)``
    ``op``: ``eq ne gt ge lt le`` or ``add sub mul div mod``.
``BoolOp(op, operands)``
    ``op``: ``"and"`` or ``"or"``; two or more operands (an unparenthesised chain).

Option values: ``OrderBy(expr, descending)``, ``ExpandItem(path, options, positions)`` and
``QueryOptions(filter, select, expand, orderby, top, skip, count, result_format)``, whose
``error(option, message, position)`` builds a ``QueryError`` pointing into the right option
text (options nested in ``$expand`` report ``$expand`` and positions in its text).

Types and limits
----------------
Literals, operators and function results have static types that are checked while parsing
(``typecheck``); properties are untyped here, the translator knows their types. ``Limits``
(default: expression depth 50, option length 16 KiB, ``$expand`` depth 5) bounds every parse.
"""

from .errors import QueryError
from .geometry import Geometry
from .limits import DEFAULT_LIMITS, Limits
from .nodes import (
    BinaryOp,
    BoolOp,
    ExpandItem,
    Expr,
    Function,
    Literal,
    Node,
    OrderBy,
    Property,
    QueryOptions,
    Source,
    UnaryOp,
)
from .parser import (
    NESTED_OPTIONS,
    OPTIONS,
    parse_expand,
    parse_expression,
    parse_filter,
    parse_option,
    parse_orderby,
    parse_query_options,
    parse_select,
)
from .printer import to_text
from .typecheck import static_type
from .visitor import Visitor, children, walk

__all__ = [
    "DEFAULT_LIMITS",
    "NESTED_OPTIONS",
    "OPTIONS",
    "BinaryOp",
    "BoolOp",
    "ExpandItem",
    "Expr",
    "Function",
    "Geometry",
    "Limits",
    "Literal",
    "Node",
    "OrderBy",
    "Property",
    "QueryError",
    "QueryOptions",
    "Source",
    "UnaryOp",
    "Visitor",
    "children",
    "parse_expand",
    "parse_expression",
    "parse_filter",
    "parse_option",
    "parse_orderby",
    "parse_query_options",
    "parse_select",
    "static_type",
    "to_text",
    "walk",
]
