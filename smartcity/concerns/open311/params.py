"""Reading GeoReport v2 query parameters, collecting every problem before answering.

The standard's rules: an optional parameter that is empty counts as not sent; lists are
comma-delimited (repeating the parameter works too); date-times are W3C (ISO 8601) with a
time zone; a ``start_date``/``end_date`` range spans at most 90 days and, when neither is
sent, is the last 90 days; at most 1000 results by default.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from smartcity.concerns.open311.formats import Open311Error, Problem

JURISDICTION = "dresden.de"
MAX_SPAN = timedelta(days=90)
LIMIT = 1000


@dataclass(frozen=True)
class Window:
    """Times from ``start`` to ``end``, both included."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def bad(description: str) -> Problem:
    return Problem(400, description)


def not_found(description: str) -> Problem:
    return Problem(404, description)


def parse_w3c(value: str) -> datetime | None:
    """An aware datetime from ``2026-05-04T08:30:00+02:00``, ``…Z`` or a date (midnight in
    Dresden); None for anything else, including a time without zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None and len(value) == len("2026-05-04"):
        return timezone.make_aware(moment, timezone.get_default_timezone())
    return moment if moment.tzinfo is not None else None


class Params:
    """The parameters of one request; the readers note problems, :meth:`check` raises."""

    def __init__(self, query):
        self.query = query
        self.problems: list[Problem] = []

    def text(self, name: str) -> str:
        return str(self.query.get(name, "")).strip()

    def items(self, name: str) -> list[str]:
        """A comma-delimited (or repeated) parameter's values, empty ones left out."""
        return [
            item.strip()
            for value in self.query.getlist(name)
            for item in str(value).split(",")
            if item.strip()
        ]

    def moment(self, name: str) -> datetime | None:
        value = self.text(name)
        if not value:
            return None
        moment = parse_w3c(value)
        if moment is None:
            self.problems.append(
                bad(
                    _(
                        "%(name)s must be a date and time with time zone, "
                        "such as 2026-05-04T08:30:00+02:00 or 2026-05-04T06:30:00Z."
                    )
                    % {"name": name}
                )
            )
        return moment

    def window(self, *, open_ended: bool = False) -> Window | None:
        """The ``start_date``/``end_date`` range; the last 90 days when neither is sent,
        or no range at all when ``open_ended`` (another filter bounds the result)."""
        start, end = self.moment("start_date"), self.moment("end_date")
        if start and end:
            if end < start:
                self.problems.append(bad(_("end_date lies before start_date.")))
            elif end - start > MAX_SPAN:
                self.problems.append(bad(_("start_date and end_date may span at most 90 days.")))
            return Window(start, end)
        if start:
            return Window(start, start + MAX_SPAN)
        if end:
            return Window(end - MAX_SPAN, end)
        if open_ended or self.text("start_date") or self.text("end_date"):
            return None
        now = timezone.now()
        return Window(now - MAX_SPAN, now)

    def statuses(self) -> list[str]:
        statuses = self.items("status")
        unknown = sorted(set(statuses) - {"open", "closed"})
        if unknown:
            self.problems.append(
                bad(_("status must be open or closed, not %(value)s.") % {"value": unknown[0]})
            )
        return statuses

    def _number(self, name: str, default: int, largest: int) -> int:
        value = self.text(name)
        if not value:
            return default
        if not value.isdigit() or not 1 <= int(value) <= largest:
            self.problems.append(
                bad(
                    _("%(name)s must be a whole number from 1 to %(max)d.")
                    % {"name": name, "max": largest}
                )
            )
            return default
        return int(value)

    def page(self) -> Page:
        """Paging extension: ``page`` (from 1) and ``page_size`` (at most 1000)."""
        return Page(self._number("page", 1, 10**6), self._number("page_size", LIMIT, LIMIT))

    def check_jurisdiction(self) -> None:
        """``jurisdiction_id`` is optional; another jurisdiction than Dresden is not here."""
        jurisdiction = self.text("jurisdiction_id")
        if jurisdiction and jurisdiction.lower() != JURISDICTION:
            raise Open311Error(
                [
                    not_found(
                        _("jurisdiction_id %(value)s was not found; this endpoint serves %(ours)s.")
                        % {"value": jurisdiction[:100], "ours": JURISDICTION}
                    )
                ]
            )

    def check(self) -> None:
        if self.problems:
            raise Open311Error(self.problems)
