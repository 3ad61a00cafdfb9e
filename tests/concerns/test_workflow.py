"""The workflow module on its own: states, default transitions, required notes, configs."""

import itertools

import pytest

from smartcity.concerns import workflow
from smartcity.concerns.workflow import Workflow, WorkflowConfigError


def refusal(source, target, note=False):
    reason = Workflow.default().refusal(source, target, has_public_note=note)
    return None if reason is None else (reason.code, str(reason))


def test_the_main_path_needs_no_notes():
    path = ["submitted", "open", "in_progress", "fixed"]
    for source, target in itertools.pairwise(path):
        assert refusal(source, target) is None


@pytest.mark.parametrize("target", ["rejected", "not_responsible", "planned"])
def test_refusing_handing_over_and_postponing_need_a_public_note(target):
    assert refusal("open", target) == (
        "note_required",
        f"Changing a concern to {target} needs a public note for the reporter.",
    )
    assert refusal("open", target, note=True) is None


def test_closed_concerns_only_reopen_and_reopening_needs_a_reason():
    for state in workflow.CLOSED_STATES:
        assert Workflow.default().targets(state) == ["reopened"]
        assert refusal(state, "reopened")[0] == "note_required"
    assert refusal("fixed", "in_progress") == (
        "not_allowed",
        "A concern that is fixed cannot become in_progress.",
    )


def test_refusals_name_the_problem():
    assert refusal("open", "open") == ("same_state", "The concern is open already.")
    assert refusal("open", "archived") == (
        "unknown_state",
        "archived is not a state of the workflow.",
    )
    assert refusal("in_progress", "submitted")[0] == "not_allowed"


def test_every_state_is_reachable_and_every_open_state_leads_on():
    flow = Workflow.default()
    assert flow.reachable() == set(workflow.STATES)
    for state in workflow.OPEN_STATES:
        assert flow.targets(state), state


def test_open311_knows_open_and_closed():
    assert {s: workflow.open311_status(s) for s in workflow.STATES} == {
        "submitted": "open",
        "open": "open",
        "in_progress": "open",
        "planned": "open",
        "fixed": "closed",
        "duplicate": "closed",
        "not_responsible": "closed",
        "rejected": "closed",
        "reopened": "open",
    }


def test_an_empty_config_is_the_default_and_configs_round_trip():
    assert Workflow.from_config([]).edges == workflow.DEFAULT_EDGES
    simple = [
        {"from": "submitted", "to": "open", "public_note": False},
        {"from": "open", "to": "fixed", "public_note": True},
    ]
    flow = Workflow.from_config(simple)
    assert flow.to_config() == simple
    assert flow.needs_public_note("open", "fixed")
    assert flow.refusal("submitted", "in_progress", has_public_note=True).code == "not_allowed"


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"from": "open"}, "The workflow must be a list of transitions."),
        ([{"from": "open"}], 'Transition 1 needs "from" and "to".'),
        ([{"from": "open", "to": "done"}], "done is not a state of the workflow."),
        (
            [{"from": "submitted", "to": "fixed", "public_note": "yes"}],
            'Transition 1: "public_note" must be true or false.',
        ),
        (
            [{"from": "submitted", "to": "fixed"}, {"from": "fixed", "to": "submitted"}],
            "No transition may lead back to submitted.",
        ),
        (
            [{"from": "submitted", "to": "fixed"}, {"from": "fixed", "to": "fixed"}],
            "fixed cannot change to itself.",
        ),
        (
            [{"from": "submitted", "to": "fixed"}, {"from": "submitted", "to": "fixed"}],
            "The transition submitted → fixed is listed twice.",
        ),
        (
            [{"from": "submitted", "to": "open"}, {"from": "submitted", "to": "fixed"}],
            "A concern in state open could never be closed.",
        ),
        (
            [
                {"from": "submitted", "to": "open"},
                {"from": "open", "to": "planned"},
                {"from": "planned", "to": "open"},
            ],
            "No state of the workflow closes a concern.",
        ),
    ],
)
def test_unusable_configs_are_refused_with_reasons(config, problem):
    with pytest.raises(WorkflowConfigError) as error:
        Workflow.from_config(config)
    assert problem in [str(reason) for reason in error.value.reasons]
