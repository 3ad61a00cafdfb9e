"""What the Open311 API lists: published concerns and their public history only.

Each list is one query: the latest public note (``status_notes``), the first photo
(``media_url``) and, for history entries, the state the concern was in after the entry
are subqueries, so a page of 1000 requests costs no more queries than a page of one.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, Subquery

from smartcity.concerns.models import Concern, ConcernEvent, ConcernPhoto
from smartcity.concerns.open311.params import Page, Window
from smartcity.concerns.services import visible_concerns

# The columns :func:`representation.service_request` reads: a page of 1,000 requests as
# whole model instances of four tables (the district's geometry included) cost several
# times the query itself. Reading a column left out here costs a query per request.
_REPRESENTED = (
    "service_request_id",
    "state",
    "description",
    "text_hidden",
    "address",
    "personal_data_hidden",
    "lat",
    "lon",
    "photos_hidden",
    "forwarded_to",
    "submitted_at",
    "updated_at",
    "due_at",
    "category__service_code",
    "category__name",
    "category__target_hours",
    "organisation__name",
)


def public_requests():
    """Published concerns (what anyone may see), with their latest public note and first
    photo."""
    latest_note = (
        ConcernEvent.objects.filter(concern=OuterRef("pk"), is_public=True)
        .exclude(text="")
        .order_by("-created_at", "-pk")
        .values("text")[:1]
    )
    first_photo = (
        ConcernPhoto.objects.filter(concern=OuterRef("pk"))
        .order_by("position")
        .values("image__file")[:1]
    )
    return (
        visible_concerns(None)
        .select_related(None)
        .select_related("category", "organisation")
        .only(*_REPRESENTED)
        .annotate(status_note=Subquery(latest_note), first_photo=Subquery(first_photo))
    )


@dataclass(frozen=True)
class RequestFilter:
    """The GET requests parameters other than ``service_request_id``."""

    service_codes: list[str]
    statuses: list[str]
    window: Window | None
    updated_after: datetime | None
    page: Page


def _page(items, page: Page) -> tuple[list, bool]:
    """The page's rows and whether another page follows (one row more is fetched)."""
    rows = list(items[page.offset : page.offset + page.size + 1])
    return rows[: page.size], len(rows) > page.size


def find_requests(query: RequestFilter) -> tuple[list[Concern], bool]:
    """Published concerns matching ``query``, newest first, or oldest change first when
    ``updated_after`` is given (so that a client can sync page by page)."""
    concerns = public_requests()
    if query.service_codes:
        concerns = concerns.filter(category__service_code__in=query.service_codes)
    statuses = set(query.statuses)
    if statuses == {"open"}:
        concerns = concerns.open()
    elif statuses == {"closed"}:
        concerns = concerns.closed()
    if query.window is not None:
        concerns = concerns.filter(
            submitted_at__gte=query.window.start, submitted_at__lte=query.window.end
        )
    if query.updated_after is not None:
        concerns = concerns.filter(updated_at__gt=query.updated_after).order_by("updated_at", "pk")
    else:
        concerns = concerns.order_by("-submitted_at", "-pk")
    return _page(concerns, query.page)


def find_requests_by_id(ids: list[str]) -> list[Concern]:
    """The published ones among the concerns named, newest first."""
    concerns = public_requests().filter(service_request_id__in=[i.upper() for i in ids])
    return list(concerns.order_by("-submitted_at", "-pk"))


def find_request(service_request_id: str) -> Concern | None:
    return public_requests().filter(service_request_id=service_request_id.upper()).first()


@dataclass(frozen=True)
class UpdateFilter:
    ids: list[str]
    window: Window | None
    updated_after: datetime | None
    page: Page


def find_updates(query: UpdateFilter) -> tuple[list[ConcernEvent], bool]:
    """Public history entries of published concerns, oldest first, each with
    ``state_then``: the concern's state right after the entry."""
    earlier_or_same = Q(created_at__lt=OuterRef("created_at")) | Q(
        created_at=OuterRef("created_at"), pk__lte=OuterRef("pk")
    )
    state_then = (
        ConcernEvent.objects.filter(earlier_or_same, concern=OuterRef("concern"))
        .exclude(to_state="")
        .order_by("-created_at", "-pk")
        .values("to_state")[:1]
    )
    events = (
        ConcernEvent.objects.filter(is_public=True, concern__in=visible_concerns(None).values("pk"))
        .select_related("concern")
        .annotate(state_then=Subquery(state_then))
        .order_by("created_at", "pk")
    )
    if query.ids:
        events = events.filter(concern__service_request_id__in=[i.upper() for i in query.ids])
    if query.window is not None:
        events = events.filter(created_at__gte=query.window.start, created_at__lte=query.window.end)
    if query.updated_after is not None:
        events = events.filter(created_at__gt=query.updated_after)
    return _page(events, query.page)
