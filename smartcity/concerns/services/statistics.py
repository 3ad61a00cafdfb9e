"""Back-office statistics of a set of concerns: counts, processing times, target times.

Processing time runs from submission to closing. Percentiles use the nearest-rank method
(the smallest value with at least p % of values at or below it), so each is a real
concern's time. Duplicates are left out of times and shares: they were never worked.
"""

import math
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth

from smartcity.concerns import workflow


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of ``values`` (0 < p <= 100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Statistics:
    total: int
    by_category: list[tuple[str, int]]
    by_area: list[tuple[str, int]]  # "" for concerns outside any district
    by_month: list[tuple[str, int]]  # ("2026-05", count), in the city's time zone
    closed: int
    median_hours: float | None
    p90_hours: float | None
    target_met_share: float | None  # closed with a due time: closed in time
    first_assignment_share: float | None  # fixed: never forwarded to another department


def _counts(concerns, field: str) -> list[tuple[str, int]]:
    rows = concerns.values(field).annotate(n=Count("pk")).order_by("-n", field)
    return [(row[field] or "", row["n"]) for row in rows]


def statistics(concerns) -> Statistics:
    """Figures for ``concerns`` (a queryset the caller filtered: department, time, ...)."""
    months = (
        concerns.annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    worked = list(
        concerns.closed()
        .exclude(state=workflow.DUPLICATE)
        .values_list("state", "submitted_at", "closed_at", "due_at", "forward_count")
    )
    hours = [
        (closed - submitted).total_seconds() / 3600 for _s, submitted, closed, _d, _f in worked
    ]
    with_due = [(closed, due) for _s, _sub, closed, due, _f in worked if due is not None]
    fixed = [forwards for state, _sub, _c, _d, forwards in worked if state == workflow.FIXED]
    return Statistics(
        total=concerns.count(),
        by_category=_counts(concerns, "category__name"),
        by_area=_counts(concerns, "area__name"),
        by_month=[(f"{row['month']:%Y-%m}", row["n"]) for row in months],
        closed=concerns.closed().count(),
        median_hours=percentile(hours, 50),
        p90_hours=percentile(hours, 90),
        target_met_share=_share(sum(closed <= due for closed, due in with_due), len(with_due)),
        first_assignment_share=_share(sum(forwards == 0 for forwards in fixed), len(fixed)),
    )
