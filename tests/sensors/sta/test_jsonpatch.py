"""JSON Pointer and JSON Patch against the examples of RFC 6901 and RFC 6902 (appendix A)."""

import pytest

from smartcity.sensors.sta.jsonpatch import (
    JSONPatchError,
    apply_patch,
    json_equal,
    parse_pointer,
    resolve,
)

# RFC 6901 section 5.
RFC6901 = {
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    'k"l': 6,
    " ": 7,
    "m~n": 8,
}


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("", RFC6901),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ('/k"l', 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ],
)
def test_rfc6901_pointers(pointer, value):
    assert resolve(RFC6901, pointer) == value


def test_pointer_unescapes_tilde_one_before_tilde_zero():
    assert parse_pointer("/~01") == ["~1"]


@pytest.mark.parametrize("pointer", ["foo", "/~2", "/a~", 5])
def test_bad_pointers(pointer):
    with pytest.raises(JSONPatchError):
        parse_pointer(pointer)


# RFC 6902 appendix A: (document, patch, expected result).
EXAMPLES = [
    ({"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}], {"baz": "qux", "foo": "bar"}),
    (
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ({"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ({"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}], {"foo": ["bar", "baz"]}),
    (
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    (
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
    ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    ({"foo": 1}, [{"op": "copy", "from": "/foo", "path": "/bar"}], {"foo": 1, "bar": 1}),
    ({"foo": 1}, [{"op": "replace", "path": "", "value": [1]}], [1]),
]


@pytest.mark.parametrize(("document", "patch", "expected"), EXAMPLES)
def test_rfc6902_examples(document, patch, expected):
    original = repr(document)
    assert apply_patch(document, patch) == expected
    assert repr(document) == original  # the input is never changed


@pytest.mark.parametrize(
    ("document", "patch", "message"),
    [
        ({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], "test failed"),
        ({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], "does not exist"),
        ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}], "test failed"),
        ({"foo": [1]}, [{"op": "add", "path": "/foo/5", "value": 2}], "out of range"),
        ({"foo": [1]}, [{"op": "add", "path": "/foo/01", "value": 2}], "not an array index"),
        ({"foo": {}}, [{"op": "move", "from": "/foo", "path": "/foo/bar"}], "own child"),
        ({"foo": 1}, [{"op": "replace", "path": "/bar", "value": 2}], "does not exist"),
        ({"foo": 1}, [{"op": "add", "path": "/bar"}], "needs a 'value'"),
        ({"foo": 1}, [{"op": "copy", "path": "/bar"}], "needs a 'from'"),
        ({"foo": 1}, [{"path": "/bar"}], "needs a 'op'"),
        ({"foo": 1}, [{"op": "remove", "path": ""}], "cannot be removed"),
        ({"foo": 1}, [{"op": "add", "path": "/foo/x", "value": 1}], "cannot add a member"),
    ],
)
def test_rfc6902_errors(document, patch, message):
    with pytest.raises(JSONPatchError) as caught:
        apply_patch(document, [{"op": "test", "path": "", "value": document}, *patch])
    assert message in caught.value.message
    assert caught.value.index == 1


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1.0, True),
        (True, 1, False),
        (None, False, False),
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, True),
        ([1, 2], [2, 1], False),
        ("1", 1, False),
    ],
)
def test_json_equality(a, b, equal):
    assert json_equal(a, b) is equal
