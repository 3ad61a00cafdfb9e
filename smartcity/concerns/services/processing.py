"""Working a concern: state changes, notes, assignment, forwarding, merging, reopening,
target times and escalation. Every write is attributed to its actor (audit log) and lands
in the concern's history; public changes reach the reporter and the followers."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from smartcity.concerns import workflow
from smartcity.concerns.models import Concern, ConcernEvent, Follow, State
from smartcity.concerns.policies import is_reporter
from smartcity.concerns.services import notifying
from smartcity.concerns.services._common import (
    STATE_CHANGED,
    announce,
    clean_note,
    lock,
    reason_text,
    record,
    setting,
)
from smartcity.core.audit.context import acting_as
from smartcity.core.permissions import can, is_member_of, require

Kind = ConcernEvent.Kind
FORWARDED_TO_MAX_LENGTH = Concern._meta.get_field("forwarded_to").max_length


@dataclass(frozen=True)
class Transition:
    """A state the concern may change to next, for the staff's action menu."""

    state: str
    label: str
    needs_public_note: bool


def allowed_transitions(concern: Concern) -> list[Transition]:
    """The next states the category's workflow allows. ``duplicate`` is reached through
    :func:`merge_duplicate` and ``not_responsible`` through :func:`forward_external`."""
    flow = concern.category.get_workflow()
    return [
        Transition(target, State(target).label, flow.needs_public_note(concern.state, target))
        for target in flow.targets(concern.state)
    ]


def _state_title(concern: Concern):
    return format_lazy(
        gettext_lazy("Concern {id} is now {state}"),
        id=concern.service_request_id,
        state=State(concern.state).label,
    )


def _move(concern: Concern, target: str, actor, note: str, *, data=None, message="") -> None:
    """Change the locked ``concern`` to ``target`` as the workflow allows, and tell people."""
    refusal = concern.category.get_workflow().refusal(
        concern.state, target, has_public_note=bool(note)
    )
    if refusal is not None:
        raise ValidationError({"state": reason_text(refusal)})
    source, now = concern.state, timezone.now()
    concern.state = target
    if workflow.is_closed(target):
        concern.closed_at = now
    elif workflow.is_closed(source):
        # Reopened: the clock starts again, and the earlier closing's traces go.
        concern.closed_at = concern.escalated_at = None
        concern.fix_question_sent_at = concern.fix_confirmed = None
        concern.duplicate_of = None
        concern.due_at = concern.category.due_from(now)
    concern.save()
    record(
        concern,
        Kind.STATE_CHANGE,
        actor,
        from_state=source,
        to_state=target,
        text=note,
        is_public=True,
        data=data or {},
        created_at=now,
    )
    announce(STATE_CHANGED, concern, from_state=source)
    notifying.tell_reporter_and_followers(
        concern, _state_title(concern), note or str(message), actor=actor
    )


def change_state(concern: Concern, to_state: str, actor, public_note: str | None = None):
    """Move the concern on (responsible staff); returns it updated.

    ValidationError (key ``state`` or ``note``) says why the workflow refuses, e.g. that
    the change needs a public note.
    """
    require(actor, "change", concern)
    if to_state == workflow.DUPLICATE:
        raise ValidationError({"state": _("Merge a duplicate into the concern it repeats.")})
    if to_state == workflow.NOT_RESPONSIBLE:
        raise ValidationError({"state": _("Name the body responsible to hand a concern over.")})
    note = clean_note(public_note, required=False)
    with transaction.atomic(), acting_as(actor):
        concern = lock(concern)
        _move(concern, to_state, actor, note)
    return concern


def add_note(concern: Concern, text: str, actor, public: bool):
    """A public answer (the reporter and followers are told) or an internal note."""
    require(actor, "change", concern)
    text = clean_note(text, required=True)
    with transaction.atomic(), acting_as(actor):
        concern = lock(concern)
        event = record(
            concern,
            Kind.PUBLIC_NOTE if public else Kind.INTERNAL_NOTE,
            actor,
            text=text,
            is_public=public,
        )
        if public:
            concern.save(update_fields=["updated_at"])  # Open311 updated_datetime
            title = format_lazy(
                gettext_lazy("New answer on concern {id}"), id=concern.service_request_id
            )
            notifying.tell_reporter_and_followers(concern, title, text, actor=actor)
    return event


def assign(concern: Concern, organisation, user, actor, note: str = ""):
    """Give the concern to ``organisation`` and, optionally, to its member ``user``.

    A new organisation is a forwarding: public in the history (naming only the
    departments) and counted for the statistics. ``note`` is an internal note.
    """
    require(actor, "change", concern)
    if organisation is None:
        raise ValidationError({"organisation": _("Please choose a department.")})
    if user is not None and not is_member_of(user, organisation.pk):
        raise ValidationError(
            {
                "assignee": _("%(user)s does not work for %(organisation)s.")
                % {"user": user, "organisation": organisation}
            }
        )
    note = clean_note(note, required=False)
    with transaction.atomic(), acting_as(actor):
        concern = lock(concern)
        previous = concern.organisation
        if note:
            record(concern, Kind.INTERNAL_NOTE, actor, text=note)
        if previous != organisation:
            # Recorded while the old department still owns it: it is the one acting.
            record(
                concern,
                Kind.FORWARDING,
                actor,
                is_public=True,
                data={
                    "from": previous.name if previous else "",
                    "to": organisation.name,
                },
            )
            if previous is not None:  # a first routing by hand is no forwarding
                concern.forward_count += 1
            concern.organisation = organisation
        if user != concern.assignee:
            concern.assignee = user
            if user is not None and concern.first_assigned_at is None:
                concern.first_assigned_at = timezone.now()
            record(
                concern,
                Kind.ASSIGNMENT,
                actor,
                data={"assignee": user.pk if user else None, "name": str(user or "")},
            )
        concern.save()
        if previous != organisation:
            title = format_lazy(
                gettext_lazy("Concern {id} was forwarded to {organisation}"),
                id=concern.service_request_id,
                organisation=organisation.name,
            )
            notifying.tell_reporter_and_followers(concern, title, actor=actor)
    return concern


def forward(concern: Concern, organisation, actor, note: str = ""):
    """Hand the concern to another department (nobody assigned there yet)."""
    return assign(concern, organisation, None, actor, note)


def forward_external(concern: Concern, body: str, actor, public_note: str):
    """The city is not responsible: name the body that is (state ``not_responsible``)."""
    require(actor, "change", concern)
    body = " ".join(str(body or "").split())
    if not body or len(body) > FORWARDED_TO_MAX_LENGTH:
        raise ValidationError(
            {
                "forwarded_to": _("Name the responsible body in at most %(max)d characters.")
                % {"max": FORWARDED_TO_MAX_LENGTH}
            }
        )
    note = clean_note(public_note, required=False)
    with transaction.atomic(), acting_as(actor):
        concern = lock(concern)
        concern.forwarded_to = body
        _move(concern, workflow.NOT_RESPONSIBLE, actor, note, data={"forwarded_to": body})
    return concern


def merge_duplicate(concern: Concern, into: Concern, actor, public_note: str = ""):
    """Close ``concern`` as a duplicate of ``into``; its reporter and followers follow the
    original from now on."""
    require(actor, "change", concern)
    require(actor, "view", into)
    note = clean_note(public_note, required=False)
    with transaction.atomic(), acting_as(actor):
        concern = lock(concern)
        original = lock(into)
        while original.duplicate_of_id is not None:
            original = lock(original.duplicate_of)
        if original.pk == concern.pk:
            raise ValidationError({"duplicate_of": _("A concern cannot repeat itself.")})
        concern.duplicate_of = original
        message = _("It repeats concern %(id)s, which you now follow.") % {
            "id": original.service_request_id
        }
        _move(
            concern,
            workflow.DUPLICATE,
            actor,
            note,
            data={"duplicate_of": original.service_request_id},
            message=message,
        )
        users = set(Follow.objects.filter(concern=concern).values_list("user_id", flat=True))
        if concern.reporter_id is not None:
            users.add(concern.reporter_id)
        Follow.objects.bulk_create(
            [Follow(user_id=user_id, concern=original) for user_id in sorted(users)],
            ignore_conflicts=True,
        )
        record(
            original,
            Kind.MERGE,
            actor,
            is_public=True,
            data={"merged": concern.service_request_id},
        )
    return concern


def reopen_refusal(concern: Concern, now=None) -> str | None:
    """Why the reporter may not reopen the concern now, or None."""
    if concern.state != workflow.FIXED:
        return _("Only a fixed concern can be reopened.")
    days = setting("CONCERNS_REOPEN_DAYS")
    if concern.closed_at is None or concern.closed_at < (now or timezone.now()) - timedelta(
        days=days
    ):
        return _("A concern can be reopened up to %(days)d days after it was fixed.") % {
            "days": days
        }
    return None


def reopen(concern: Concern, user, reason: str):
    """The reporter says the problem is back (within ``CONCERNS_REOPEN_DAYS`` of fixing);
    responsible staff may reopen any closed concern the workflow lets them."""
    reason = clean_note(reason, required=True, field="reason")
    if can(user, "change", concern):
        return change_state(concern, workflow.REOPENED, user, reason)
    if not is_reporter(user, concern):
        raise PermissionDenied(_("Only the reporter can reopen a concern."))
    with transaction.atomic(), acting_as(user):
        concern = lock(concern)
        refusal = reopen_refusal(concern)
        if refusal is not None:
            raise ValidationError({"reason": refusal})
        _move(concern, workflow.REOPENED, user, reason)
        title = format_lazy(
            gettext_lazy("Concern {id} was reopened by its reporter"),
            id=concern.service_request_id,
        )
        notifying.tell_department(concern, title, reason)
    return concern


def answer_fixed_question(concern: Concern, user, fixed: bool, reason: str = ""):
    """The reporter's answer to "Is it fixed?"; "no" reopens the concern with ``reason``."""
    if not is_reporter(user, concern):
        raise PermissionDenied(_("Only the reporter can answer this question."))
    if fixed and concern.state != workflow.FIXED:
        raise ValidationError({"fixed": _("The concern is not marked as fixed.")})
    if not fixed:
        concern = reopen(concern, user, reason)
    with transaction.atomic(), acting_as(user):
        concern = lock(concern)
        concern.fix_confirmed = bool(fixed)
        concern.save(update_fields=["fix_confirmed", "updated_at"])
        record(concern, Kind.FEEDBACK, user, is_public=True, data={"fixed": bool(fixed)})
    return concern


def ask_whether_fixed(now=None) -> int:
    """Ask reporters "Is it fixed?" ``CONCERNS_FIXED_QUESTION_DAYS`` after fixing, while
    they can still reopen; returns how many were asked."""
    now = now or timezone.now()
    due = Concern.objects.filter(
        state=workflow.FIXED,
        reporter__isnull=False,
        fix_question_sent_at__isnull=True,
        closed_at__lte=now - timedelta(days=setting("CONCERNS_FIXED_QUESTION_DAYS")),
        closed_at__gt=now - timedelta(days=setting("CONCERNS_REOPEN_DAYS")),
    ).select_related("reporter")
    asked = 0
    for concern in due:
        with transaction.atomic():
            notifying.tell_reporter(
                concern,
                format_lazy(
                    gettext_lazy("Is it fixed? Concern {id}"), id=concern.service_request_id
                ),
                gettext_lazy(
                    "The city marked your concern as fixed. If the problem is still there, "
                    "you can reopen it on the concern's page."
                ),
            )
            Concern.objects.filter(pk=concern.pk).update(fix_question_sent_at=now)
        asked += 1
    return asked


def overdue_concerns(now=None, organisation=None):
    """Open concerns past their due time, longest overdue first."""
    concerns = Concern.objects.overdue(now).select_related("category", "organisation")
    if organisation is not None:
        concerns = concerns.filter(organisation=organisation)
    return concerns.order_by("due_at", "pk")


def escalate_overdue(now=None) -> int:
    """Tell each department's admins once about their concerns that became overdue;
    returns how many concerns were escalated."""
    now = now or timezone.now()
    by_organisation = defaultdict(list)
    for concern in overdue_concerns(now).filter(
        escalated_at__isnull=True, organisation__isnull=False
    ):
        by_organisation[concern.organisation].append(concern)
    for organisation, concerns in by_organisation.items():
        title = format_lazy(
            ngettext_lazy(
                "{count} concern of {organisation} is overdue",
                "{count} concerns of {organisation} are overdue",
                len(concerns),
            ),
            count=len(concerns),
            organisation=organisation.name,
        )
        body = "\n".join(
            f"{c.service_request_id} · {c.category.name} · "
            f"{timezone.localtime(c.due_at):%Y-%m-%d %H:%M}"
            for c in concerns
        )
        with transaction.atomic():
            told = notifying.tell_department_admins(organisation, title, body)
            Concern.objects.filter(pk__in=[c.pk for c in concerns]).update(escalated_at=now)
            ConcernEvent.objects.bulk_create(
                ConcernEvent(
                    concern=c, kind=Kind.ESCALATION, data={"admins_told": told}, created_at=now
                )
                for c in concerns
            )
    return sum(len(concerns) for concerns in by_organisation.values())
