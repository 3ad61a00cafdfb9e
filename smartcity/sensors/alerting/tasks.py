"""Background evaluation of alert rules (django-tasks).

Ingest enqueues one small ``evaluate_datastream`` per request and Datastream with an
active rule after its commit; the worker runs ``evaluate_staleness_task`` every minute.
"""

from django.utils.dateparse import parse_datetime
from django_tasks import task

from smartcity.sensors.alerting import services


def _counts(outcome: services.Outcome) -> dict:
    return {"opened": len(outcome.opened), "closed": len(outcome.closed)}


@task()
def evaluate_datastream(datastream_id: int, since_iso: str | None = None) -> dict:
    """Evaluate the stream's rules on the Observations they have not seen yet.

    ``since_iso`` is the earliest phenomenon time the request wrote (ISO 8601); rules that
    have seen nothing yet start there. Returns how many alerts opened and closed.
    """
    since = None
    if since_iso:
        since = parse_datetime(since_iso)
        if since is None or since.tzinfo is None:
            raise ValueError(f"since_iso must be an ISO 8601 time with an offset: {since_iso!r}")
    return _counts(services.evaluate_stored_observations(datastream_id, since))


@task()
def evaluate_staleness_task() -> dict:
    """The clock for staleness and rolling-sum rules; returns alerts opened and closed."""
    return _counts(services.evaluate_staleness())
