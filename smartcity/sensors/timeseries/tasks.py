"""Background work of the time series: refreshing aggregates, retention.

The lead declares the periodic schedule (``apply_retention_task`` once a day is enough:
retention is in days). Arguments are JSON values because they travel through the queue.
"""

from django_tasks import task

from smartcity.sensors.timeseries import maintenance
from smartcity.sensors.timeseries.intervals import parse_instant


@task()
def refresh_aggregates_task(ranges: list[list]) -> dict:
    """Recompute, for each ``[datastream_id, start_iso, end_iso]``, the Datastream's buckets
    touching ``[start, end]`` and its dirty range. One task per write, however many
    Datastreams it touched (a gateway's request may carry hundreds)."""
    return {
        str(datastream_id): maintenance.sync_aggregates(
            datastream_id, parse_instant(start_iso), parse_instant(end_iso)
        ).as_dict()
        for datastream_id, start_iso, end_iso in ranges
    }


@task()
def rebuild_aggregates_task(datastream_id: int | None = None) -> dict:
    """Recompute every bucket of one Datastream, or of all of them."""
    results = maintenance.rebuild_aggregates(datastream_id)
    return {str(pk): result.as_dict() for pk, result in results.items()}


@task()
def apply_retention_task() -> dict:
    """Delete Observations older than their stream's ``retention_days``, in batches."""
    return maintenance.apply_retention().as_dict()
