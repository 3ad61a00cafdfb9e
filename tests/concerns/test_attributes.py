"""Answers to a category's extra questions, checked with the Open311 data types."""

import pytest

from smartcity.concerns.attributes import AttributeSpec, parse_value_list, validate_answers

SPECS = [
    AttributeSpec("mast", "string"),
    AttributeSpec("tiefe_cm", "number", required=True),
    AttributeSpec("seit", "datetime"),
    AttributeSpec("details", "text"),
    AttributeSpec("groesse", "singlevaluelist", values=(("klein", "klein"), ("gross", "groß"))),
    AttributeSpec(
        "inhalt",
        "multivaluelist",
        values=(("reifen", "Reifen"), ("elektro", "Elektro"), ("schutt", "Bauschutt")),
    ),
    AttributeSpec("hinweis", "string", variable=False),
]


def check(answers):
    values, problems = validate_answers(SPECS, answers)
    return values, {code: str(reason) for code, reason in problems.items()}


def test_answers_are_stored_in_their_types():
    values, problems = check(
        {
            "mast": "  12-0345 ",
            "tiefe_cm": "7,5",
            "seit": "2026-05-04T08:30:00+02:00",
            "details": "tief",
            "groesse": ["gross"],
            "inhalt": ["schutt", "reifen", "schutt"],
        }
    )
    assert problems == {}
    assert values == {
        "mast": "12-0345",
        "tiefe_cm": 7.5,
        "seit": "2026-05-04T08:30:00+02:00",
        "details": "tief",
        "groesse": "gross",
        "inhalt": ["reifen", "schutt"],
    }
    assert check({"tiefe_cm": 12})[0] == {"tiefe_cm": 12}


def test_every_problem_is_reported_at_once():
    _values, problems = check(
        {
            "tiefe_cm": "tief",
            "seit": "2026-05-04 08:30",
            "groesse": "riesig",
            "inhalt": ["reifen", "sofa"],
            "hinweis": "x",
            "farbe": "rot",
            "mast": "x" * 301,
        }
    )
    assert problems == {
        "tiefe_cm": "Give a number.",
        "seit": "Give a date and time with its offset, such as 2026-05-04T08:30:00+02:00.",
        "groesse": "riesig is not one of the choices.",
        "inhalt": "sofa is not one of the choices.",
        "hinweis": "This category does not ask for hinweis.",
        "farbe": "This category does not ask for farbe.",
        "mast": "Give at most 300 characters.",
    }


@pytest.mark.parametrize("empty", [None, "", "  ", [], [""]])
def test_a_missing_required_answer_is_refused_and_empty_optional_ones_are_left_out(empty):
    values, problems = check({"tiefe_cm": empty, "mast": empty})
    assert values == {}
    assert problems == {"tiefe_cm": "This answer is required."}


@pytest.mark.parametrize("bad", [True, "nan", "inf", ["1", "2"]])
def test_numbers_must_be_one_finite_number(bad):
    assert "tiefe_cm" in check({"tiefe_cm": bad})[1]


@pytest.mark.parametrize(
    ("datatype", "values", "problem"),
    [
        ("string", [{"key": "a", "name": "A"}], "only list attributes have values"),
        ("singlevaluelist", [], "a list attribute needs a list of values"),
        ("singlevaluelist", [{"key": "a"}], 'each value must be {"key": ..., "name": ...}'),
        ("multivaluelist", [{"key": "", "name": "A"}], "each key must be text"),
        ("multivaluelist", [{"key": "a", "name": " "}], "the value 'a' needs a name"),
        (
            "singlevaluelist",
            [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}],
            "the keys of the values must differ",
        ),
        ("colour", [], "unknown data type 'colour'"),
    ],
)
def test_value_lists_are_checked(datatype, values, problem):
    with pytest.raises(ValueError, match=problem.replace("(", r"\(")):
        parse_value_list(datatype, values)
