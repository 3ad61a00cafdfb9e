"""Demo data of the sensor backbone: the simulated Dresden network with two days of values."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from smartcity.sensors.simulator import feed
from smartcity.sensors.simulator import stations as simulator

HISTORY = timedelta(hours=48)
STEP = timedelta(minutes=15)


def load() -> str:
    now = timezone.now().replace(second=0, microsecond=0)
    now -= timedelta(minutes=now.minute % 15)
    entities = feed.ensure_stations(simulator.network())
    base_url = settings.SITE_URL.rstrip("/") + "/sta/v1.1"
    feed.backfill(entities, now - HISTORY, now, STEP, base_url=base_url)
    # The same line on every run, so that re-running the demo reads as "nothing changed".
    return f"{len(entities)} simulated stations with 48 h of values every 15 min (demo data)"
