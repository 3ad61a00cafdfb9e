"""Recursive-descent parser for the SensorThings 1.1 query options.

Grammar (OData 4.0 ABNF rules ``commonExpr``, ``orderby``, ``select``, ``expand``, simplified to
what OGC 18-088 section 9.3 uses; ``[]`` optional, ``*`` repetition)::

    expr       = unary *( binop unary )          ; by precedence climbing, see PRECEDENCE
    unary      = "not" unary / "-" unary / primary
    primary    = literal / "(" expr ")" / function "(" [ expr *( "," expr ) ] ")" / path
    path       = name *( "/" name )
    orderby    = expr [ "asc" / "desc" ] *( "," expr [ "asc" / "desc" ] )
    select     = path *( "," path )
    expand     = item *( "," item )
    item       = path [ "(" option *( ";" option ) ")" ]
    option     = "$filter=" expr / "$orderby=" orderby / "$select=" select
               / "$expand=" expand / "$top=" digits / "$skip=" digits / "$count=" boolean

Operator precedence, from OData 4.0 Part 2 section 5.1.1.9, highest first: ``not`` and ``-``;
``mul div mod``; ``add sub``; ``gt ge lt le``; ``eq ne``; ``and``; ``or``. Binary operators
associate to the left; a run of ``and`` (or of ``or``) becomes one ``BoolOp``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from .errors import QueryError
from .functions import ANY, BOOLEAN, FUNCTIONS, NULL, UNSUPPORTED_FUNCTIONS
from .geometry import is_digit
from .lexer import (
    COMMA,
    DATE,
    DATETIME,
    DURATION,
    EOF,
    EQUALS,
    GEO,
    LPAREN,
    MINUS,
    NAME,
    NUMBER,
    OPTION,
    PLUS,
    RPAREN,
    SEMI,
    SLASH,
    STRING,
    TIME,
    Lexer,
    Token,
)
from .limits import DEFAULT_LIMITS, Limits
from .nodes import (
    INT64_MAX,
    INT64_MIN,
    BinaryOp,
    BoolOp,
    ExpandItem,
    Expr,
    Function,
    Literal,
    OrderBy,
    Property,
    QueryOptions,
    Source,
    UnaryOp,
)
from .typecheck import DESCRIPTIONS, check, start_of

PRECEDENCE = {
    "or": 1,
    "and": 2,
    "eq": 3,
    "ne": 3,
    "gt": 4,
    "ge": 4,
    "lt": 4,
    "le": 4,
    "add": 5,
    "sub": 5,
    "mul": 6,
    "div": 6,
    "mod": 6,
}
UNARY_PRECEDENCE = 7
# Decimal exponents a 64-bit float can hold (about 4.9e-324 to 1.8e308); beyond them a number
# cannot reach the database intact, and huge exponents would make arithmetic on it explode.
MIN_EXPONENT = -324
MAX_EXPONENT = 308
# Characters of a DE-9IM intersection pattern (OGC 06-103r4, section 6.1.15.2).
DE9IM_CHARACTERS = frozenset("TF*012")
# Words that cannot start a property path: operators and OData 4.01 operators.
RESERVED = frozenset(PRECEDENCE) | {"not", "has", "in"}
_LITERAL_WORDS = ("true", "false", "null")

OPTIONS = ("$filter", "$expand", "$select", "$orderby", "$top", "$skip", "$count", "$resultFormat")
NESTED_OPTIONS = ("$filter", "$expand", "$select", "$orderby", "$top", "$skip", "$count")
RESULT_FORMATS = ("dataArray",)
_OTHER_ODATA_OPTIONS = (
    "$search",
    "$format",
    "$skiptoken",
    "$deltatoken",
    "$levels",
    "$compute",
    "$index",
    "$schemaversion",
    "$id",
)
# What may follow each option's value, for "expected ..." messages.
_CONTINUATIONS = {
    "$filter": ("an operator",),
    "$orderby": ("an operator", "','", "'asc'", "'desc'"),
    "$select": ("','", "'/'"),
    "$expand": ("','", "'/'", "'('"),
}
_NESTED_ENDS = ("';'", "')'")
_FIELDS = {
    "$filter": "filter",
    "$expand": "expand",
    "$select": "select",
    "$orderby": "orderby",
    "$top": "top",
    "$skip": "skip",
    "$count": "count",
    "$resultFormat": "result_format",
}


def _alternatives(items: Iterable[str]) -> str:
    items = tuple(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _shown(token: Token) -> str:
    if token.kind == EOF:
        return "the end"
    text = token.text if len(token.text) <= 30 else token.text[:27] + "..."
    if token.kind == STRING:
        return f"the string {text}"
    return f"'{text}'"


def _keyword_hint(token: Token) -> str:
    if token.kind == PLUS:
        return " ('+' is not an operator: write add)"
    if token.kind == MINUS:
        return " ('-' is not a binary operator: write sub)"
    if token.kind == EQUALS:
        return " (comparisons are written eq, ne, gt, ge, lt, le)"
    lowered = token.text.lower()
    keyword = lowered in RESERVED or lowered in _LITERAL_WORDS or lowered in ("asc", "desc")
    if token.kind == NAME and token.text != lowered and keyword:
        return f" (keywords are lower case: write {lowered})"
    return ""


def unknown_option_message(name: str, allowed: Iterable[str]) -> str:
    """The reason given for an option name that is not in ``allowed``."""
    allowed = tuple(allowed)
    if name == "$apply":
        return "$apply (data aggregation) is not supported by this server"
    for candidate in OPTIONS:
        if name.lower() == candidate.lower() and name != candidate:
            return (
                f"unknown query option {name}: option names are case-sensitive, write {candidate}"
            )
    if name in _OTHER_ODATA_OPTIONS:
        return f"{name} is an OData query option that SensorThings API 1.1 does not support"
    listed = ", ".join(allowed[:-1]) + " and " + allowed[-1]
    return f"unknown query option {name}: the supported options are {listed}"


class Parser:
    """Parses one option value; ``option`` names it in errors."""

    def __init__(self, text: str, option: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.text = text
        self.option = option
        self.limits = limits
        self.lexer = Lexer(text, self.fail)
        self.buffer: list[Token] = []
        self.previous: Token | None = None
        self.nesting = 0
        self.in_expand = 0

    # -- tokens and errors -------------------------------------------------------------

    def fail(self, message: str, position: int | None) -> QueryError:
        return QueryError(message, self.option, position, self.text)

    def peek(self, ahead: int = 0) -> Token:
        while len(self.buffer) <= ahead:
            if self.buffer and self.buffer[-1].kind == EOF:
                return self.buffer[-1]
            self.buffer.append(self.lexer.next_token())
        return self.buffer[ahead]

    def advance(self) -> Token:
        token = self.peek()
        if token.kind != EOF:
            self.buffer.pop(0)
        self.previous = token
        return token

    def _after(self) -> str:
        return f" after '{self.previous.text}'" if self.previous is not None else ""

    def unexpected(self, expected: str) -> QueryError:
        token = self.peek()
        return self.fail(
            f"expected {expected}, found {_shown(token)}{_keyword_hint(token)}", token.start
        )

    def expect_end(self, option: str) -> None:
        if self.peek().kind != EOF:
            ends = (*_CONTINUATIONS.get(option, ()), f"the end of {option}")
            raise self.unexpected(_alternatives(ends))

    def _limit_depth(self, node: Expr) -> Expr:
        if node.depth > self.limits.max_depth:
            raise self.fail(self._too_deep(), node.pos)
        return node

    def _too_deep(self) -> str:
        return f"the expression is nested too deeply (at most {self.limits.max_depth} levels)"

    # -- expressions -------------------------------------------------------------------

    def expression(self) -> Expr:
        return self._binary(1)

    def _binary(self, min_precedence: int) -> Expr:
        left = self._unary()
        while True:
            token = self.peek()
            op = token.text if token.kind == NAME and token.text in PRECEDENCE else None
            if op is None or PRECEDENCE[op] < min_precedence:
                return left
            precedence = PRECEDENCE[op]
            self.advance()
            if op in ("and", "or"):
                operands = [left, self._binary(precedence + 1)]
                while self.peek().kind == NAME and self.peek().text == op:
                    self.advance()
                    operands.append(self._binary(precedence + 1))
                left = self._limit_depth(BoolOp(op, operands, pos=token.start))
            else:
                right = self._binary(precedence + 1)
                left = self._limit_depth(BinaryOp(op, left, right, pos=token.start))

    def _unary(self) -> Expr:
        self.nesting += 1
        try:
            if self.nesting > self.limits.max_depth:
                raise self.fail(self._too_deep(), self.peek().start)
            token = self.peek()
            if token.kind == NAME and token.text == "not":
                self.advance()
                operand = self._unary()
                return self._limit_depth(UnaryOp("not", operand, pos=token.start))
            if token.kind in (MINUS, PLUS):
                self.advance()
                following = self.peek()
                adjacent = following.start == token.end
                if adjacent and following.kind == NUMBER:
                    self.advance()
                    return self._number(following, token.kind == MINUS, token.start)
                if adjacent and following.kind == DURATION and token.kind == MINUS:
                    self.advance()
                    try:
                        value = -following.value
                    except OverflowError:
                        raise self.fail("the duration is out of range", token.start) from None
                    return Literal("duration", value, pos=token.start)
                if token.kind == PLUS:
                    raise self.fail(
                        "'+' is not an operator: write add (a '+' sign may only stand "
                        "directly before a number)",
                        token.start,
                    )
                operand = self._unary()
                return self._limit_depth(UnaryOp("-", operand, pos=token.start))
            return self._primary()
        finally:
            self.nesting -= 1

    def _operand_error(self) -> QueryError:
        token = self.peek()
        message = f"expected an operand{self._after()}"
        if token.kind != EOF:
            message += f", found {_shown(token)}"
        return self.fail(message + _keyword_hint(token), token.start)

    def _primary(self) -> Expr:
        token = self.peek()
        kind = token.kind
        if kind == LPAREN:
            self.advance()
            inner = self._binary(1)
            if self.peek().kind != RPAREN:
                raise self.unexpected(
                    f"an operator or ')' to close the '(' at position {token.start + 1}"
                )
            self.advance()
            return inner
        if kind == STRING:
            self.advance()
            return Literal("string", token.value, pos=token.start)
        if kind == NUMBER:
            self.advance()
            return self._number(token, False, token.start)
        if kind in (DATETIME, DATE, TIME, DURATION):
            self.advance()
            return Literal(kind, token.value, pos=token.start)
        if kind == GEO:
            self.advance()
            literal_kind, geometry = token.value
            return Literal(literal_kind, geometry, pos=token.start)
        if kind == NAME:
            name = token.text
            if self.peek(1).kind == LPAREN:
                return self._call()
            if name in ("true", "false"):
                self.advance()
                return Literal("bool", name == "true", pos=token.start)
            if name == "null":
                self.advance()
                return Literal("null", None, pos=token.start)
            if name in RESERVED or name.lower() in _LITERAL_WORDS or name.lower() == "not":
                raise self._operand_error()
            path = self.path("a property name")
            if self.peek().kind == LPAREN:
                raise self.fail(
                    "'(' cannot follow a property path: key predicates, lambda operators "
                    "(any, all) and bound functions are not supported",
                    self.peek().start,
                )
            return path
        raise self._operand_error()

    def _number(self, token: Token, negative: bool, start: int) -> Literal:
        text = token.value
        if "." in text or "e" in text or "E" in text or len(text) > 19:
            try:
                value = Decimal(text)
            except InvalidOperation:  # an exponent beyond what Decimal can hold
                value = None
            if value is None or (value and not MIN_EXPONENT <= value.adjusted() <= MAX_EXPONENT):
                raise self.fail(
                    "the number is out of range (beyond the magnitude of a 64-bit float)", start
                )
            # copy_negate is exact; unary minus would round to the context's 28 digits.
            return Literal("decimal", value.copy_negate() if negative else value, pos=start)
        number = -int(text) if negative else int(text)
        if INT64_MIN <= number <= INT64_MAX:
            return Literal("int", number, pos=start)
        return Literal("decimal", Decimal(number), pos=start)

    def path(self, what: str) -> Property:
        """``name *( "/" name )``; ``what`` describes the expected first name."""
        segments: list[str] = []
        positions: list[int] = []
        while True:
            token = self.peek()
            if token.kind != NAME or token.text in _LITERAL_WORDS:
                if segments:
                    raise self.unexpected("a property name after '/'")
                raise self.unexpected(what + self._after())
            if "." in token.text:
                raise self.fail(
                    f"'{token.text}' is not a property name: paths separate names with '/', "
                    "and a function call needs parentheses",
                    token.start,
                )
            self.advance()
            segments.append(token.text)
            positions.append(token.start)
            slash = self.peek()
            if slash.kind != SLASH:
                break
            self.advance()
            following = self.peek()
            if slash.start != token.end or following.start != slash.end:
                raise self.fail("a path has no spaces around '/'", slash.start)
        return Property(tuple(segments), tuple(positions), pos=positions[0])

    def _call(self) -> Function:
        name_token = self.advance()
        name = name_token.text
        signature = FUNCTIONS.get(name)
        if signature is None:
            if name.lower() in FUNCTIONS:
                message = (
                    f"unknown function {name}(): function names are lower case, "
                    f"write {name.lower()}()"
                )
            elif name in UNSUPPORTED_FUNCTIONS:
                message = f"{name}() is not supported: {UNSUPPORTED_FUNCTIONS[name]}"
            else:
                message = f"unknown function {name}(); see the SensorThings 1.1 built-in functions"
            raise self.fail(message, name_token.start)
        self.advance()
        args: list[Expr] = []
        if self.peek().kind == RPAREN:
            self.advance()
        else:
            while True:
                args.append(self._binary(1))
                if self.peek().kind == COMMA:
                    self.advance()
                    continue
                if self.peek().kind == RPAREN:
                    self.advance()
                    break
                raise self.unexpected(f"an operator, ',' or ')' in the arguments of {name}()")
        if not signature.min_args <= len(args) <= signature.max_args:
            raise self.fail(
                f"{name}() takes {signature.arity_text()}, found {len(args)}", name_token.start
            )
        self._check_constant_arguments(name, args)
        return self._limit_depth(Function(name, tuple(args), pos=name_token.start))

    def _check_constant_arguments(self, name: str, args: list[Expr]) -> None:
        """Reject constant arguments that no data can make valid."""
        if name == "st_relate" and isinstance(args[2], Literal) and args[2].kind == "string":
            pattern = args[2].value
            if len(pattern) != 9 or any(ch not in DE9IM_CHARACTERS for ch in pattern.upper()):
                raise self.fail(
                    "the third argument of st_relate() must be a DE-9IM pattern: 9 characters "
                    "out of T, F, *, 0, 1, 2, e.g. 'T*F**F***'",
                    args[2].pos,
                )
        if name == "substring" and len(args) == 3:
            length = args[2]
            constant = isinstance(length, Literal) and length.kind in ("int", "decimal")
            if constant and length.value < 0:
                raise self.fail("the length given to substring() cannot be negative", length.pos)

    # -- option values -----------------------------------------------------------------

    def filter_value(self) -> Expr:
        expr = self.expression()
        found = check(expr, self.fail)
        if found not in (BOOLEAN, ANY, NULL):
            raise self.fail(
                "$filter needs a boolean expression such as a comparison, found "
                + DESCRIPTIONS[found],
                start_of(expr),
            )
        return expr

    def orderby_value(self) -> tuple[OrderBy, ...]:
        items = []
        while True:
            expr = self.expression()
            check(expr, self.fail)
            descending = False
            token = self.peek()
            if token.kind == NAME and token.text in ("asc", "desc"):
                self.advance()
                descending = token.text == "desc"
                ends = (SEMI, RPAREN) if self.in_expand else (EOF,)
                if self.peek().kind not in (COMMA, *ends):
                    closing = _NESTED_ENDS if self.in_expand else ("the end of $orderby",)
                    raise self.unexpected(_alternatives(("','", *closing)))
            items.append(OrderBy(expr, descending, pos=start_of(expr)))
            if self.peek().kind != COMMA:
                return tuple(items)
            self.advance()

    def select_value(self) -> tuple[Property, ...]:
        items = [self.path("a property name")]
        while self.peek().kind == COMMA:
            self.advance()
            items.append(self.path("a property name"))
        return tuple(items)

    def expand_value(self, depth: int = 0) -> tuple[ExpandItem, ...]:
        """``depth``: navigation steps already taken by the enclosing items."""
        items: list[ExpandItem] = []
        seen: set[tuple[str, ...]] = set()
        while True:
            path = self.path("a navigation property")
            for index, position in enumerate(path.positions):
                if depth + index + 1 > self.limits.max_expand_depth:
                    raise self.fail(
                        f"$expand is nested too deeply (at most "
                        f"{self.limits.max_expand_depth} navigation steps)",
                        position,
                    )
            if path.path in seen:
                raise self.fail(
                    f"'{'/'.join(path.path)}' is expanded twice: give its options in one item",
                    path.pos,
                )
            seen.add(path.path)
            options = QueryOptions()
            if self.peek().kind == LPAREN:
                options = self._nested_options(depth + len(path.path))
            items.append(ExpandItem(path.path, options, path.positions, pos=path.pos))
            if self.peek().kind != COMMA:
                return tuple(items)
            self.advance()

    def _nested_options(self, depth: int) -> QueryOptions:
        self.in_expand += 1
        try:
            return self._nested_option_list(depth)
        finally:
            self.in_expand -= 1

    def _nested_option_list(self, depth: int) -> QueryOptions:
        self.advance()
        values: dict[str, object] = {}
        while True:
            token = self.peek()
            if token.kind != OPTION:
                raise self.unexpected(f"a query option such as $select=...{self._after()}")
            name = token.text
            if name in values:
                raise self.fail(f"{name} is given twice in one $expand item", token.start)
            if name not in NESTED_OPTIONS:
                if name == "$resultFormat":
                    message = "$resultFormat is only allowed at the top level, not in $expand"
                else:
                    message = unknown_option_message(name, NESTED_OPTIONS)
                raise self.fail(message, token.start)
            self.advance()
            if self.peek().kind != EQUALS:
                raise self.unexpected(f"'=' after {name}")
            self.advance()
            if self.peek().kind in (SEMI, RPAREN, EOF):
                raise self.fail(f"{name} needs a value", self.peek().start)
            values[name] = self.value(name, depth)
            if self.peek().kind == SEMI:
                self.advance()
                continue
            if self.peek().kind == RPAREN:
                self.advance()
                break
            raise self.unexpected(_alternatives((*_CONTINUATIONS.get(name, ()), *_NESTED_ENDS)))
        source = Source(self.option, self.text)
        return options_from(values, {name: source for name in values})

    def value(self, name: str, depth: int = 0) -> object:
        """The value of option ``name`` starting at the current token."""
        if name == "$filter":
            return self.filter_value()
        if name == "$orderby":
            return self.orderby_value()
        if name == "$select":
            return self.select_value()
        if name == "$expand":
            return self.expand_value(depth)
        if name in ("$top", "$skip"):
            return self.non_negative_integer(name)
        if name == "$count":
            return self.boolean(name)
        return self.result_format()

    def non_negative_integer(self, name: str) -> int:
        token = self.peek()
        if token.kind != NUMBER or not all(is_digit(ch) for ch in token.text):
            raise self.fail(
                f"{name} must be a non-negative integer, found {_shown(token)}", token.start
            )
        if len(token.text) > 19 or int(token.text) > INT64_MAX:
            raise self.fail(f"{name} is too large", token.start)
        self.advance()
        return int(token.text)

    def boolean(self, name: str) -> bool:
        token = self.peek()
        if token.kind != NAME or token.text not in ("true", "false"):
            raise self.fail(
                f"{name} must be true or false, found {_shown(token)}{_keyword_hint(token)}",
                token.start,
            )
        self.advance()
        return token.text == "true"

    def result_format(self) -> str:
        token = self.peek()
        if token.kind != NAME or token.text not in RESULT_FORMATS:
            hint = ""
            if token.kind == NAME and token.text.lower() == "dataarray":
                hint = " (the name is case-sensitive)"
            raise self.fail(
                f"unsupported result format {_shown(token)}: the only one is dataArray{hint}",
                token.start,
            )
        self.advance()
        return token.text


def options_from(values: Mapping[str, object], sources: Mapping[str, Source]) -> QueryOptions:
    """A ``QueryOptions`` from parsed values keyed by option name."""
    fields = {_FIELDS[name]: value for name, value in values.items()}
    return QueryOptions(**fields, sources=sources)


def _check_length(text: str, option: str, limits: Limits) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{option}: the value must be a str, got {type(text).__name__}")
    if len(text) > limits.max_length:
        raise QueryError(
            f"the value is {len(text)} characters long; at most {limits.max_length} are allowed",
            option,
        )


def parse_option(name: str, text: str, limits: Limits = DEFAULT_LIMITS) -> object:
    """Parse the value of top-level option ``name`` (one of ``OPTIONS``): an ``Expr`` for
    $filter, a tuple of ``OrderBy``/``Property``/``ExpandItem`` for $orderby/$select/$expand,
    an int for $top/$skip, a bool for $count, a str for $resultFormat."""
    if name not in OPTIONS:
        raise QueryError(unknown_option_message(name, OPTIONS), name)
    _check_length(text, name, limits)
    parser = Parser(text, name, limits)
    if parser.peek().kind == EOF:
        raise QueryError("the value is empty", name)
    value = parser.value(name)
    parser.expect_end(name)
    return value


def parse_filter(text: str, *, limits: Limits = DEFAULT_LIMITS) -> Expr:
    return parse_option("$filter", text, limits)


def parse_orderby(text: str, *, limits: Limits = DEFAULT_LIMITS) -> tuple[OrderBy, ...]:
    return parse_option("$orderby", text, limits)


def parse_select(text: str, *, limits: Limits = DEFAULT_LIMITS) -> tuple[Property, ...]:
    return parse_option("$select", text, limits)


def parse_expand(text: str, *, limits: Limits = DEFAULT_LIMITS) -> tuple[ExpandItem, ...]:
    return parse_option("$expand", text, limits)


def parse_expression(
    text: str, option: str = "$filter", *, limits: Limits = DEFAULT_LIMITS
) -> Expr:
    """Any expression, type-checked but not required to be boolean (for tests and tools)."""
    _check_length(text, option, limits)
    parser = Parser(text, option, limits)
    if parser.peek().kind == EOF:
        raise QueryError("the value is empty", option)
    expr = parser.expression()
    check(expr, parser.fail)
    parser.expect_end("$filter")
    return expr


def _grouped(options) -> dict[str, list[str]]:
    if hasattr(options, "lists"):  # Django's QueryDict keeps every value of a repeated name.
        pairs = options.lists()
    elif isinstance(options, Mapping):
        pairs = options.items()
    else:
        pairs = options
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        values = [value] if isinstance(value, str) else list(value)
        for item in values:
            if not isinstance(item, str):
                raise TypeError(f"{name}: query option values must be str, got {item!r}")
        grouped.setdefault(name, []).extend(values)
    return grouped


def parse_query_options(options, *, limits: Limits = DEFAULT_LIMITS) -> QueryOptions:
    """Parse all query options of a request.

    ``options`` maps raw (URL-decoded) option names to values: a ``Mapping`` of ``str`` to
    ``str`` or to a list of ``str``, an iterable of ``(name, value)`` pairs, or a Django
    ``QueryDict`` (all values of a repeated name are seen). Names that do not start with
    ``$`` are not query options and are skipped. Raises ``QueryError`` for an unknown,
    unsupported or repeated option and for any invalid value.
    """
    values: dict[str, object] = {}
    sources: dict[str, Source] = {}
    for name, texts in _grouped(options).items():
        if not name.startswith("$"):
            continue
        if name not in OPTIONS:
            raise QueryError(unknown_option_message(name, OPTIONS), name)
        if len(texts) > 1:
            raise QueryError(f"is given {len(texts)} times; give each query option once", name)
        values[name] = parse_option(name, texts[0], limits)
        sources[name] = Source(name, texts[0])
    return options_from(values, sources)
