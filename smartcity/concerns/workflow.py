"""The workflow of a citizen concern: states, allowed transitions, required public notes.

No Django import. A :class:`Workflow` is a set of edges ``source -> target``, each saying
whether the change needs a public note (a status note the reporter and the public read).
Every category uses :data:`DEFAULT_EDGES` unless it stores its own edges, as JSON
(``[{"from": "open", "to": "fixed", "public_note": false}, ...]``), which
:meth:`Workflow.from_config` validates.

The default workflow, after FixMyStreet's and Mark-a-Spot's state sets::

    submitted -> open -> in_progress | planned -> fixed
    plus duplicate, not_responsible (handed to an external body), rejected, reopened

A note is required where the reporter would otherwise be left guessing: when a concern is
refused (rejected), handed to someone else (not responsible), put off (planned) or
reopened. Open311 knows only ``open`` and ``closed``: :func:`open311_status` maps.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from smartcity.concerns.reasons import Reason, gettext_noop

SUBMITTED = "submitted"
OPEN = "open"
IN_PROGRESS = "in_progress"
PLANNED = "planned"
FIXED = "fixed"
DUPLICATE = "duplicate"
NOT_RESPONSIBLE = "not_responsible"
REJECTED = "rejected"
REOPENED = "reopened"

STATES = (
    SUBMITTED,
    OPEN,
    IN_PROGRESS,
    PLANNED,
    FIXED,
    DUPLICATE,
    NOT_RESPONSIBLE,
    REJECTED,
    REOPENED,
)
INITIAL = SUBMITTED
CLOSED_STATES = frozenset({FIXED, DUPLICATE, NOT_RESPONSIBLE, REJECTED})
OPEN_STATES = frozenset(STATES) - CLOSED_STATES


def is_closed(state: str) -> bool:
    return state in CLOSED_STATES


def open311_status(state: str) -> str:
    """GeoReport v2 ``status``: "open" or "closed"."""
    return "closed" if state in CLOSED_STATES else "open"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    public_note: bool = False


def _edges(source: str, targets: str) -> list[Edge]:
    """Edges from ``source``; a target written ``name!`` needs a public note."""
    return [
        Edge(source, target.rstrip("!"), public_note=target.endswith("!"))
        for target in targets.split()
    ]


DEFAULT_EDGES: tuple[Edge, ...] = tuple(
    _edges(SUBMITTED, "open duplicate not_responsible! rejected!")
    + _edges(OPEN, "in_progress planned! fixed duplicate not_responsible! rejected!")
    + _edges(IN_PROGRESS, "planned! fixed not_responsible! rejected!")
    + _edges(PLANNED, "in_progress fixed not_responsible! rejected!")
    + _edges(REOPENED, "in_progress planned! fixed duplicate not_responsible! rejected!")
    + _edges(FIXED, "reopened!")
    + _edges(REJECTED, "reopened!")
    + _edges(NOT_RESPONSIBLE, "reopened!")
    + _edges(DUPLICATE, "reopened!")
)


class WorkflowConfigError(ValueError):
    """A stored workflow is not usable; ``reasons`` says everything that is wrong."""

    def __init__(self, reasons: list[Reason]):
        super().__init__("; ".join(str(reason) for reason in reasons))
        self.reasons = reasons


def _unknown_state(state) -> Reason:
    return Reason(
        "unknown_state",
        gettext_noop("%(state)s is not a state of the workflow."),
        {"state": str(state)},
    )


def _parse_edge(index: int, item) -> tuple[Edge | None, list[Reason]]:
    if not isinstance(item, dict) or not {"from", "to"} <= item.keys():
        return None, [
            Reason(
                "bad_edge",
                gettext_noop('Transition %(number)s needs "from" and "to".'),
                {"number": index + 1},
            )
        ]
    problems = [_unknown_state(item[key]) for key in ("from", "to") if item[key] not in STATES]
    note = item.get("public_note", False)
    if not isinstance(note, bool):
        problems.append(
            Reason(
                "bad_edge",
                gettext_noop('Transition %(number)s: "public_note" must be true or false.'),
                {"number": index + 1},
            )
        )
    if problems:
        return None, problems
    return Edge(item["from"], item["to"], note), []


class Workflow:
    """Allowed transitions between states and the ones that need a public note."""

    def __init__(self, edges: Iterable[Edge]):
        self.edges = tuple(edges)
        self._notes = {(edge.source, edge.target): edge.public_note for edge in self.edges}
        problems = self._problems()
        if problems:
            raise WorkflowConfigError(problems)

    @classmethod
    def default(cls) -> "Workflow":
        return cls(DEFAULT_EDGES)

    @classmethod
    def from_config(cls, config) -> "Workflow":
        """The workflow a category stores: empty means the default workflow."""
        if not config:
            return cls.default()
        if not isinstance(config, list):
            raise WorkflowConfigError(
                [
                    Reason(
                        "bad_config",
                        gettext_noop("The workflow must be a list of transitions."),
                    )
                ]
            )
        edges, problems = [], []
        for index, item in enumerate(config):
            edge, item_problems = _parse_edge(index, item)
            problems += item_problems
            if edge is not None:
                edges.append(edge)
        if problems:
            raise WorkflowConfigError(problems)
        return cls(edges)

    def to_config(self) -> list[dict]:
        return [
            {"from": edge.source, "to": edge.target, "public_note": edge.public_note}
            for edge in self.edges
        ]

    def _problems(self) -> list[Reason]:
        problems = []
        seen = set()
        for edge in self.edges:
            pair = (edge.source, edge.target)
            if edge.target == INITIAL:
                problems.append(
                    Reason(
                        "into_initial",
                        gettext_noop("No transition may lead back to %(target_state)s."),
                        {"target_state": INITIAL},
                    )
                )
            elif edge.source == edge.target:
                problems.append(
                    Reason(
                        "loop",
                        gettext_noop("%(source_state)s cannot change to itself."),
                        {"source_state": edge.source},
                    )
                )
            elif pair in seen:
                problems.append(
                    Reason(
                        "repeated",
                        gettext_noop(
                            "The transition %(source_state)s → %(target_state)s is listed twice."
                        ),
                        {"source_state": edge.source, "target_state": edge.target},
                    )
                )
            seen.add(pair)
        if problems:
            return problems
        # Every open state a concern can reach must lead on, or it would be stuck for good.
        for state in sorted(self.reachable() - CLOSED_STATES):
            if not self.targets(state):
                problems.append(
                    Reason(
                        "dead_end",
                        gettext_noop("A concern in state %(source_state)s could never be closed."),
                        {"source_state": state},
                    )
                )
        if not self.reachable() & CLOSED_STATES:
            problems.append(
                Reason("never_closed", gettext_noop("No state of the workflow closes a concern."))
            )
        return problems

    def reachable(self) -> set[str]:
        """States a new concern can reach, the initial one included."""
        found, frontier = {INITIAL}, [INITIAL]
        while frontier:
            for target in self.targets(frontier.pop()):
                if target not in found:
                    found.add(target)
                    frontier.append(target)
        return found

    def targets(self, state: str) -> list[str]:
        """The states ``state`` may change to, in the order the workflow lists them."""
        return [edge.target for edge in self.edges if edge.source == state]

    def needs_public_note(self, source: str, target: str) -> bool:
        return self._notes.get((source, target), False)

    def refusal(self, source: str, target: str, *, has_public_note: bool) -> Reason | None:
        """Why ``source -> target`` is not allowed, or None when it is."""
        for state in (source, target):
            if state not in STATES:
                return _unknown_state(state)
        if source == target:
            return Reason(
                "same_state",
                gettext_noop("The concern is %(target_state)s already."),
                {"target_state": target},
            )
        if (source, target) not in self._notes:
            return Reason(
                "not_allowed",
                gettext_noop("A concern that is %(source_state)s cannot become %(target_state)s."),
                {"source_state": source, "target_state": target},
            )
        if self._notes[(source, target)] and not has_public_note:
            return Reason(
                "note_required",
                gettext_noop(
                    "Changing a concern to %(target_state)s needs a public note for the reporter."
                ),
                {"target_state": target},
            )
        return None
