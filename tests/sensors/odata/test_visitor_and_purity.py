"""walk / children / Visitor, and the package's independence from Django."""

import ast
import datetime as dt
import pathlib

import pytest

import smartcity.sensors.odata as odata
from smartcity.sensors.odata import (
    BinaryOp,
    BoolOp,
    ExpandItem,
    Function,
    Literal,
    OrderBy,
    Property,
    QueryOptions,
    UnaryOp,
    Visitor,
    children,
    parse_filter,
    parse_query_options,
    walk,
)


def test_walk_visits_parents_before_children_in_source_order():
    tree = parse_filter("a eq 1 and not startswith(b,'x')")
    kinds = [type(node).__name__ for node in walk(tree)]
    assert kinds == [
        "BoolOp",
        "BinaryOp",
        "Property",
        "Literal",
        "UnaryOp",
        "Function",
        "Property",
        "Literal",
    ]
    properties = [node.path for node in walk(tree) if isinstance(node, Property)]
    assert properties == [("a",), ("b",)]


def test_walk_covers_whole_query_options_including_nested_expand():
    options = parse_query_options(
        {
            "$filter": "a eq 1",
            "$orderby": "b desc",
            "$select": "c",
            "$expand": "D($filter=e eq 2;$expand=F($select=g))",
        }
    )
    paths = [node.path for node in walk(options) if isinstance(node, Property)]
    assert paths == [("a",), ("e",), ("g",), ("c",), ("b",)]
    assert [n.path for n in walk(options) if isinstance(n, ExpandItem)] == [("D",), ("F",)]
    assert sum(isinstance(n, OrderBy) for n in walk(options)) == 1


def test_walk_handles_very_long_chains_without_recursion():
    tree = BoolOp(
        "or", tuple(BinaryOp("eq", Property(("id",)), Literal("int", n)) for n in range(5000))
    )
    assert sum(1 for _ in walk(tree)) == 1 + 3 * 5000


def test_children():
    node = Function("substring", (Property(("name",)), Literal("int", 1)))
    assert children(node) == node.args
    assert children(Literal("null", None)) == ()
    assert children(UnaryOp("not", Property(("a",)))) == (Property(("a",)),)
    assert children(ExpandItem(("A",))) == (QueryOptions(),)


class Counter(Visitor):
    """A toy translator: counts comparisons by visiting the tree."""

    def visit_BoolOp(self, node):
        return sum(self.visit(operand) for operand in node.operands)

    def visit_BinaryOp(self, node):
        return 1

    def visit_UnaryOp(self, node):
        return self.visit(node.operand)


def test_visitor_dispatches_by_class_name_and_refuses_unknown_nodes():
    assert Counter().visit(parse_filter("a eq 1 and (b gt 2 or not (c lt 3))")) == 3
    with pytest.raises(TypeError, match="Counter does not handle Function nodes"):
        Counter().visit(parse_filter("startswith(a,'x')"))


def test_nodes_are_immutable_and_hashable():
    node = parse_filter("a eq 1")
    with pytest.raises(AttributeError):
        node.op = "ne"
    assert len({node, parse_filter("a  eq  1"), parse_filter("(a eq 1)")}) == 1
    assert hash(parse_query_options({"$top": "1", "$filter": "a eq 1"}))


def test_positions_do_not_take_part_in_equality():
    assert parse_filter("a eq 1") == parse_filter("  a   eq 1")
    assert parse_filter("a eq 1").pos == 2
    assert parse_filter("  a   eq 1").pos == 6


def test_node_constructors_reject_inconsistent_values():
    with pytest.raises(TypeError):
        Literal("int", True)
    with pytest.raises(ValueError, match="64 bits"):
        Literal("int", 2**63)
    with pytest.raises(ValueError):
        Literal("datetime", dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        BinaryOp("like", Property(("a",)), Property(("b",)))
    with pytest.raises(ValueError):
        BoolOp("and", (Property(("a",)),))
    with pytest.raises(ValueError):
        Property(())


def test_the_package_imports_nothing_from_django():
    package = pathlib.Path(odata.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"
                assert not name.startswith("smartcity"), f"{path.name} imports {name}"
