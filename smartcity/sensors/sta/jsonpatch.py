"""JSON Pointer (RFC 6901) and JSON Patch (RFC 6902) on plain JSON values.

SensorThings 1.1 lets clients update an entity with ``application/json-patch+json``
(OGC 18-088, section 10.3.2). This module has no Django import: it applies a list of
operations to a copy of a JSON document and either returns the new document or raises
:class:`JSONPatchError` naming the failing operation; the input is never changed, so a
failing ``test`` leaves nothing half-applied.
"""

import copy

OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")


class JSONPatchError(ValueError):
    """A malformed operation, a bad pointer, a missing target or a failed ``test``."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.index = index


def parse_pointer(pointer) -> list[str]:
    """Split an RFC 6901 pointer into reference tokens ("" is the whole document)."""
    if not isinstance(pointer, str):
        raise JSONPatchError("a JSON pointer must be a string")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise JSONPatchError(f"JSON pointer {pointer!r} must start with '/'")
    tokens = []
    for raw in pointer[1:].split("/"):
        # RFC 6901 section 4: "~1" first, then "~0", so "~01" becomes "~1", not "/".
        position = raw.find("~")
        while position != -1:
            if raw[position + 1 : position + 2] not in ("0", "1"):
                raise JSONPatchError(f"JSON pointer {pointer!r}: '~' must be followed by 0 or 1")
            position = raw.find("~", position + 2)
        tokens.append(raw.replace("~1", "/").replace("~0", "~"))
    return tokens


def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def json_equal(a, b) -> bool:
    """Equality as RFC 6902 section 4.6 defines it for ``test``.

    Unlike Python's ``==``, ``true`` is not equal to ``1``; numbers compare by value
    (``1`` equals ``1.0``), objects regardless of member order, arrays element by element.
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return False


# RFC 6901 section 4: "-" names the position after the last element (for "add").
_END = "-"


def _array_index(token: str, array: list, *, allow_end: bool) -> int:
    if allow_end and token == _END:
        return len(array)
    # RFC 6901 section 4: "0" or digits without a leading zero; no sign, no spaces.
    if not token.isdigit() or not token.isascii() or (len(token) > 1 and token[0] == "0"):
        raise JSONPatchError(f"{token!r} is not an array index")
    index = int(token)
    limit = len(array) if allow_end else len(array) - 1
    if index > limit:
        raise JSONPatchError(f"array index {index} is out of range (length {len(array)})")
    return index


def _parent(document, tokens: list[str], pointer: str):
    """The container holding the pointer's last token."""
    node = document
    for depth, token in enumerate(tokens[:-1]):
        if isinstance(node, dict):
            if token not in node:
                where = "/" + "/".join(escape_token(t) for t in tokens[: depth + 1])
                raise JSONPatchError(f"path {pointer!r}: {where!r} does not exist")
            node = node[token]
        elif isinstance(node, list):
            node = node[_array_index(token, node, allow_end=False)]
        else:
            raise JSONPatchError(f"path {pointer!r}: cannot descend into a {_kind(node)}")
    return node


def _kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null" if value is None else type(value).__name__


def resolve(document, pointer: str):
    """The value the pointer addresses; JSONPatchError if there is none."""
    tokens = parse_pointer(pointer)
    if not tokens:
        return document
    parent = _parent(document, tokens, pointer)
    token = tokens[-1]
    if isinstance(parent, dict):
        if token not in parent:
            raise JSONPatchError(f"path {pointer!r} does not exist")
        return parent[token]
    if isinstance(parent, list):
        return parent[_array_index(token, parent, allow_end=False)]
    raise JSONPatchError(f"path {pointer!r}: a {_kind(parent)} has no members")


def _add(document, pointer: str, value):
    tokens = parse_pointer(pointer)
    if not tokens:
        return value
    parent = _parent(document, tokens, pointer)
    token = tokens[-1]
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_array_index(token, parent, allow_end=True), value)
    else:
        raise JSONPatchError(f"path {pointer!r}: cannot add a member to a {_kind(parent)}")
    return document


def _remove(document, pointer: str):
    tokens = parse_pointer(pointer)
    if not tokens:
        raise JSONPatchError("the whole document cannot be removed")
    parent = _parent(document, tokens, pointer)
    token = tokens[-1]
    if isinstance(parent, dict):
        if token not in parent:
            raise JSONPatchError(f"path {pointer!r} does not exist")
        return parent.pop(token)
    if isinstance(parent, list):
        return parent.pop(_array_index(token, parent, allow_end=False))
    raise JSONPatchError(f"path {pointer!r}: a {_kind(parent)} has no members")


def _member(operation: dict, name: str):
    if name not in operation:
        raise JSONPatchError(f"operation {operation.get('op')!r} needs a {name!r} member")
    return operation[name]


def _apply_one(document, operation):
    if not isinstance(operation, dict):
        raise JSONPatchError("an operation must be a JSON object")
    op = _member(operation, "op")
    if op not in OPERATIONS:
        raise JSONPatchError(f"unknown operation {op!r}; expected one of {', '.join(OPERATIONS)}")
    path = _member(operation, "path")
    if op == "add":
        return _add(document, path, copy.deepcopy(_member(operation, "value")))
    if op == "remove":
        _remove(document, path)
        return document
    if op == "replace":
        value = copy.deepcopy(_member(operation, "value"))
        resolve(document, path)  # the target must exist (RFC 6902 section 4.3)
        if not parse_pointer(path):
            return value
        _remove(document, path)
        return _add(document, path, value)
    if op == "test":
        expected = _member(operation, "value")
        if not json_equal(resolve(document, path), expected):
            raise JSONPatchError(f"test failed: the value at {path!r} is not {expected!r}")
        return document
    source = _member(operation, "from")
    value = copy.deepcopy(resolve(document, source))
    if op == "move":
        from_tokens, to_tokens = parse_pointer(source), parse_pointer(path)
        if from_tokens == to_tokens:
            return document
        if to_tokens[: len(from_tokens)] == from_tokens:
            raise JSONPatchError(f"cannot move {source!r} into its own child {path!r}")
        _remove(document, source)
    return _add(document, path, value)


def apply_patch(document, operations):
    """Apply RFC 6902 operations to a deep copy of ``document`` and return it."""
    if not isinstance(operations, list):
        raise JSONPatchError("a JSON Patch document must be an array of operations")
    result = copy.deepcopy(document)
    for index, operation in enumerate(operations):
        try:
            result = _apply_one(result, operation)
        except JSONPatchError as error:
            raise JSONPatchError(error.message, index) from None
    return result
