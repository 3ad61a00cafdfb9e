"""What each person may see: lists, one concern with its history, contact data."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from smartcity.concerns import workflow
from smartcity.concerns.models import Concern, ConcernEvent, ConcernPhoto, Follow, ResponseTemplate
from smartcity.concerns.policies import is_reporter, is_responsible_staff
from smartcity.concerns.services import processing
from smartcity.concerns.services._common import Contact
from smartcity.concerns.services.catalogue import response_templates
from smartcity.core.permissions import can, is_authenticated, is_platform_admin, organisation_ids


def visible_concerns(user):
    """Concerns ``user`` may open: published ones, their own, their departments'."""
    concerns = Concern.objects.select_related("category", "area", "organisation")
    if is_platform_admin(user):
        return concerns
    visible = Q(published_at__isnull=False)
    if is_authenticated(user):
        visible |= Q(reporter=user) | Q(organisation_id__in=organisation_ids(user))
    return concerns.filter(visible)


def department_inbox(user, organisation=None):
    """The concerns of ``user``'s organisations (all for platform admins), most urgent first.

    ``organisation`` narrows to one of them. Concerns without a responsible organisation (no
    routing rule matched) appear only in the platform admins' inbox.
    """
    concerns = Concern.objects.select_related("category", "area", "organisation", "assignee")
    if not is_platform_admin(user):
        concerns = concerns.filter(organisation_id__in=organisation_ids(user))
    if organisation is not None:
        concerns = concerns.filter(organisation=organisation)
    return concerns.order_by("due_at", "submitted_at", "pk")


def filter_concerns(
    concerns,
    *,
    category=None,
    area=None,
    states=None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
):
    """Narrow a list: category (object or service code), district, workflow states, Open311
    ``status`` ("open" or "closed") and submission time (``since`` inclusive, ``until``
    exclusive). Unknown states or statuses raise ValueError."""
    if category is not None:
        concerns = concerns.filter(
            category__service_code=getattr(category, "service_code", category)
        )
    if area is not None:
        concerns = concerns.filter(area=area)
    if states:
        unknown = set(states) - set(workflow.STATES)
        if unknown:
            raise ValueError(f"unknown state(s): {', '.join(sorted(unknown))}")
        concerns = concerns.filter(state__in=states)
    if status == "open":
        concerns = concerns.open()
    elif status == "closed":
        concerns = concerns.closed()
    elif status is not None:
        raise ValueError(f"status must be open or closed, not {status!r}")
    if since is not None:
        concerns = concerns.filter(submitted_at__gte=since)
    if until is not None:
        concerns = concerns.filter(submitted_at__lt=until)
    return concerns


def concern_for(user, service_request_id: str) -> Concern:
    """The concern ``user`` may see; Concern.DoesNotExist otherwise (not even its existence
    is revealed)."""
    return visible_concerns(user).get(service_request_id=str(service_request_id).strip().upper())


def history(user, concern: Concern) -> list[ConcernEvent]:
    """The events ``user`` may read, oldest first: internal ones for the responsible staff."""
    events = concern.events.select_related("organisation", "actor")
    if not is_responsible_staff(user, concern):
        events = events.filter(is_public=True)
    return list(events)


def public_summary(event: ConcernEvent) -> str:
    """What a public history entry says happened, in the reader's language; the same on
    the concern's page and in Open311's status updates (its note comes apart)."""
    Kind, data = ConcernEvent.Kind, event.data
    if event.kind == Kind.STATE_CHANGE:
        if event.to_state == workflow.SUBMITTED:
            return _("Reported")
        summary = _("State: %(state)s") % {"state": event.get_to_state_display()}
        if data.get("forwarded_to"):
            summary += " – " + _("handed over to %(body)s") % {"body": data["forwarded_to"]}
        if data.get("duplicate_of"):
            summary += " – " + _("repeats concern %(id)s") % {"id": data["duplicate_of"]}
        return summary
    if event.kind == Kind.PUBLIC_NOTE:
        return _("Answer from the city")
    if event.kind == Kind.FORWARDING:
        return _("Forwarded to %(department)s") % {"department": data.get("to", "")}
    if event.kind == Kind.MERGE:
        return _("Concern %(id)s was merged into this one") % {"id": data.get("merged", "")}
    if event.kind == Kind.FEEDBACK:
        if data.get("fixed"):
            return _("The reporter confirmed that it is fixed")
        return _("The reporter says that it is not fixed")
    return str(event.get_kind_display())


def contact_of(user, concern: Concern) -> Contact | None:
    """The reporter's contact data for the responsible staff and platform admins, else None."""
    if not is_responsible_staff(user, concern):
        return None
    return Contact(concern.contact_name, concern.contact_email, concern.contact_phone)


@dataclass(frozen=True)
class ConcernDetail:
    """Everything a page about one concern shows to one person."""

    concern: Concern
    events: list[ConcernEvent]
    photos: list[ConcernPhoto]
    contact: Contact | None
    sees_internal: bool  # internal notes, contact data, hidden text and photos
    can_change: bool
    transitions: list[processing.Transition]
    templates: list[ResponseTemplate]
    is_following: bool
    can_reopen: bool


def detail(user, concern: Concern) -> ConcernDetail:
    """The concern as ``user`` may see it; Concern.DoesNotExist where they may not."""
    if not can(user, "view", concern):
        raise Concern.DoesNotExist
    staff = is_responsible_staff(user, concern)
    changes = can(user, "change", concern)
    return ConcernDetail(
        concern=concern,
        events=history(user, concern),
        photos=list(concern.photos.select_related("image")) if staff else concern.public_photos(),
        contact=contact_of(user, concern),
        sees_internal=staff,
        can_change=changes,
        transitions=processing.allowed_transitions(concern) if changes else [],
        templates=list(response_templates(concern.category)) if changes else [],
        is_following=is_authenticated(user)
        and Follow.objects.filter(user=user, concern=concern).exists(),
        can_reopen=is_reporter(user, concern) and processing.reopen_refusal(concern) is None,
    )
