"""The back office's use cases beyond a single concern: narrowing the inbox, target-time
status, bulk actions with a report of what was refused and why, people to assign, and
concern counts per district for the heat map."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcity.concerns.models import Concern
from smartcity.concerns.services import moderation, processing
from smartcity.concerns.services.queries import department_inbox
from smartcity.core.accounts.models import Membership
from smartcity.core.permissions import is_platform_admin, organisation_ids

# A concern is "due soon" in its last day: one working day's warning before it is overdue.
DUE_SOON = timedelta(hours=24)

ON_TIME = "on_time"
DUE_SOON_STATUS = "due_soon"
OVERDUE = "overdue"
NO_TARGET = "no_target"
CLOSED = "closed"


def target_status(concern: Concern, now=None) -> str:
    """Where the concern stands against its target time: on time, due soon, overdue; closed
    concerns and those without a due time have no such status."""
    if concern.is_closed:
        return CLOSED
    if concern.due_at is None:
        return NO_TARGET
    now = now or timezone.now()
    if concern.due_at < now:
        return OVERDUE
    if concern.due_at - now <= DUE_SOON:
        return DUE_SOON_STATUS
    return ON_TIME


def narrow_inbox(concerns, *, assignee=None, unassigned=False, overdue=False, text="", now=None):
    """Narrow an inbox beyond :func:`filter_concerns`: the concerns of one ``assignee`` or of
    nobody (``unassigned``), the overdue ones, and those whose number, description or
    address contain ``text``."""
    if assignee is not None:
        concerns = concerns.filter(assignee=assignee)
    elif unassigned:
        concerns = concerns.filter(assignee__isnull=True)
    if overdue:
        concerns = concerns.overdue(now)
    text = " ".join(str(text or "").split())
    if text:
        concerns = concerns.filter(
            Q(service_request_id__icontains=text)
            | Q(description__icontains=text)
            | Q(address__icontains=text)
        )
    return concerns


def assignable_staff(user):
    """Memberships of the people ``user`` may assign concerns to: the members of their
    departments (of all organisations for platform admins), by department and name."""
    memberships = Membership.objects.select_related("user", "organisation").filter(
        user__is_active=True
    )
    if not is_platform_admin(user):
        memberships = memberships.filter(organisation_id__in=organisation_ids(user))
    return memberships.order_by("organisation__name", "user__display_name", "user__email")


def district_counts(concerns) -> dict[str, int]:
    """How many of ``concerns`` lie in each district (area slug -> count)."""
    rows = concerns.filter(area__isnull=False).values("area__slug").annotate(n=Count("pk"))
    return {row["area__slug"]: row["n"] for row in rows.order_by()}


@dataclass
class BulkOutcome:
    """What a bulk action did: the concern numbers done, and each refused one with why."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You are not allowed to do this.")


def _bulk(actor, numbers: Iterable[str], action: Callable[[Concern], object]) -> BulkOutcome:
    """Apply ``action`` to each selected concern of the actor's inbox on its own: one refusal
    does not undo or stop the others."""
    wanted = list(dict.fromkeys(str(n).strip().upper() for n in numbers if str(n).strip()))
    found = {
        concern.service_request_id: concern
        for concern in department_inbox(actor).filter(service_request_id__in=wanted)
    }
    outcome = BulkOutcome()
    for number in wanted:
        concern = found.get(number)
        if concern is None:
            outcome.refused.append((number, _("This concern is not in your inbox.")))
            continue
        try:
            action(concern)
        except (ValidationError, PermissionDenied) as error:
            outcome.refused.append((number, _reason(error)))
        else:
            outcome.done.append(number)
    return outcome


def bulk_assign(numbers: Iterable[str], assignee, actor) -> BulkOutcome:
    """Assign each concern to ``assignee`` within its department; refused where the person
    does not work for the concern's department."""

    def assign(concern):
        if concern.organisation is None:
            raise ValidationError(_("The concern has no responsible department yet."))
        processing.assign(concern, concern.organisation, assignee, actor)

    return _bulk(actor, numbers, assign)


def bulk_change_state(numbers: Iterable[str], state: str, actor, public_note: str = ""):
    """Move each concern to ``state`` where its category's workflow allows it."""
    return _bulk(
        actor, numbers, lambda concern: processing.change_state(concern, state, actor, public_note)
    )


def bulk_publish(numbers: Iterable[str], actor) -> BulkOutcome:
    """Publish each concern after review; withheld ones are refused (an objection stands
    until someone publishes that concern on its own page)."""

    def publish(concern):
        if concern.is_published:
            raise ValidationError(_("It is public already."))
        if concern.publication_withheld:
            raise ValidationError(
                _("Publication was withheld; publish it on its own page if that is settled.")
            )
        moderation.publish(concern, actor)

    return _bulk(actor, numbers, publish)
