"""``$count=true`` on collections of any size: exact up to a limit, estimated beyond.

Counting 10 million Observations exactly takes seconds (PostgreSQL reads the whole table
or index; SQLite joins every row to its Thing to apply visibility). FROST-Server's answer is
an estimate above a threshold (its ``countMode``); so is ours (``STA_COUNT_EXACT_LIMIT``):

1. count at most ``limit + 1`` matching rows; up to ``limit`` the count is exact;
2. beyond it, estimate: on PostgreSQL the planner's row estimate for the very query
   (``EXPLAIN``, from the statistics ``ANALYZE`` keeps); on SQLite the matching rows in
   100 key ranges of 100 keys spread over the table, scaled to the whole key range
   (:func:`_sampled_estimate`; keys freed by deletions count as gaps, as they are). An
   estimate is never below ``limit + 1``.

``STA_COUNT_EXACT_LIMIT = 0`` makes every count exact. docs/sensors-read.md gives the
errors measured (benchmarks/sensors_city_scale.py).
"""

import json

from django.conf import settings
from django.db import connections
from django.db.models import Max, Min

# Key ranges sampled on SQLite and the keys in each: 100 × 100 rows read in all (many short
# ranges follow the mix of streams and values better than a few long ones).
SAMPLE_RANGES = 100
SAMPLE_WIDTH = 100


def count(queryset) -> int:
    """The number of rows of ``queryset``: exact up to the limit, an estimate above."""
    queryset = queryset.order_by()
    limit = settings.STA_COUNT_EXACT_LIMIT
    if not limit:
        return queryset.count()
    bounded = queryset[: limit + 1].count()
    if bounded <= limit:
        return bounded
    if connections[queryset.db].vendor == "postgresql":
        estimate = _planner_estimate(queryset)
    else:
        estimate = _sampled_estimate(queryset)
    return max(estimate, limit + 1)


def _planner_estimate(queryset) -> int:
    plan = json.loads(queryset.values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def _sampled_estimate(queryset) -> int:
    """The matching rows in key ranges spread evenly over the table's keys (a stratified
    sample: recent and old rows both count), scaled from the keys sampled to all keys.
    Counting the table itself would read every row's key: 90 ms for 10 million."""
    table = queryset.model._default_manager.using(queryset.db)
    # Two queries: SQLite reads MIN and MAX off the index only when each is asked alone.
    low = table.aggregate(low=Min("pk"))["low"]
    high = table.aggregate(high=Max("pk"))["high"]
    if low is None:
        return 0
    step = max((high - low + 1) // SAMPLE_RANGES, SAMPLE_WIDTH)
    keys_sampled = matched = 0
    for start in range(low, high + 1, step):
        end = min(start + SAMPLE_WIDTH, high + 1)
        keys_sampled += end - start
        matched += queryset.filter(pk__gte=start, pk__lt=end).count()
    return round(matched * (high - low + 1) / keys_sampled)
