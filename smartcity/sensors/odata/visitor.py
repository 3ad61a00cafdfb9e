"""Traversal helpers: ``children``, ``walk`` and a ``Visitor`` base class."""

from __future__ import annotations

from collections.abc import Iterator

from .nodes import (
    BinaryOp,
    BoolOp,
    ExpandItem,
    Function,
    Node,
    OrderBy,
    QueryOptions,
    UnaryOp,
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct child nodes of ``node``, in source order."""
    if isinstance(node, Function):
        return node.args
    if isinstance(node, UnaryOp):
        return (node.operand,)
    if isinstance(node, BinaryOp):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return node.operands
    if isinstance(node, OrderBy):
        return (node.expr,)
    if isinstance(node, ExpandItem):
        return (node.options,)
    if isinstance(node, QueryOptions):
        found: list[Node] = []
        if node.filter is not None:
            found.append(node.filter)
        found.extend(node.expand)
        found.extend(node.select)
        found.extend(node.orderby)
        return tuple(found)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree under ``node`` (itself included), depth first, parents before
    children. Iterative, so no tree is too deep for it."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


class Visitor:
    """Dispatches ``visit(node)`` to ``visit_<ClassName>(node)``, e.g. ``visit_Literal``;
    node types without such a method go to ``generic_visit``, which raises ``TypeError`` so
    that a translator cannot silently skip a construct it does not handle."""

    def visit(self, node: Node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            return self.generic_visit(node)
        return method(node)

    def generic_visit(self, node: Node):
        raise TypeError(f"{type(self).__name__} does not handle {type(node).__name__} nodes")
