"""Use cases of citizen-concern management (Bürgeranliegen): the app's face for its web
pages, its Open311 API and other apps. See docs/concerns.md.

Every function checks object-level permissions (:mod:`smartcity.concerns.policies`), writes
as its actor (audit log) and records a history entry; ValidationError messages are in the
reader's language, keyed by the field they concern.
"""

from smartcity.concerns.services._common import CREATED, STATE_CHANGED, Contact
from smartcity.concerns.services.catalogue import (
    active_categories,
    attribute_field,
    category_by_code,
    response_templates,
    route,
    validate_attributes,
)
from smartcity.concerns.services.following import follow, follows_of, unfollow
from smartcity.concerns.services.moderation import (
    anonymise_closed,
    hide,
    publish,
    publish_due,
    withhold,
)
from smartcity.concerns.services.processing import (
    Transition,
    add_note,
    allowed_transitions,
    answer_fixed_question,
    ask_whether_fixed,
    assign,
    change_state,
    escalate_overdue,
    forward,
    forward_external,
    merge_duplicate,
    overdue_concerns,
    reopen,
    reopen_refusal,
)
from smartcity.concerns.services.queries import (
    ConcernDetail,
    concern_for,
    contact_of,
    department_inbox,
    detail,
    filter_concerns,
    history,
    public_summary,
    visible_concerns,
)
from smartcity.concerns.services.reporting import (
    Nearby,
    Submission,
    is_in_dresden,
    nearby_open_concerns,
    parse_point,
    submit_concern,
)
from smartcity.concerns.services.statistics import Statistics, statistics

__all__ = [
    "CREATED",
    "STATE_CHANGED",
    "ConcernDetail",
    "Contact",
    "Nearby",
    "Statistics",
    "Submission",
    "Transition",
    "active_categories",
    "add_note",
    "allowed_transitions",
    "anonymise_closed",
    "answer_fixed_question",
    "ask_whether_fixed",
    "assign",
    "attribute_field",
    "category_by_code",
    "change_state",
    "concern_for",
    "contact_of",
    "department_inbox",
    "detail",
    "escalate_overdue",
    "filter_concerns",
    "follow",
    "follows_of",
    "forward",
    "forward_external",
    "hide",
    "history",
    "is_in_dresden",
    "merge_duplicate",
    "nearby_open_concerns",
    "overdue_concerns",
    "parse_point",
    "public_summary",
    "publish",
    "publish_due",
    "reopen",
    "reopen_refusal",
    "response_templates",
    "route",
    "statistics",
    "submit_concern",
    "unfollow",
    "validate_attributes",
    "visible_concerns",
    "withhold",
]
