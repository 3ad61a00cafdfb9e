"""Periodic jobs, declared once in code and triggered by the worker.

    from smartcity.core.schedule import periodic
    periodic("sensors.staleness", timedelta(minutes=1), evaluate_staleness_task)

Every ``smartcity worker`` runs a small scheduler thread that calls :func:`run_due` every
few seconds. A job's run for one time slot is claimed with a unique row
(``ScheduledRun``), so however many workers run, each slot is enqueued exactly once, and a
slot missed while no worker ran is not made up (the next slot runs).
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)
KEEP_RUNS = timedelta(days=7)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    task: object  # a django-tasks Task taking no arguments


_jobs: dict[str, Job] = {}


def periodic(name: str, every: timedelta, task) -> Job:
    if every < timedelta(seconds=10):
        raise ValueError("periodic jobs run at most every 10 seconds")
    job = Job(name, every, task)
    _jobs[name] = job
    return job


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def slot_start(job: Job, now: datetime) -> datetime:
    """The start of the time slot ``now`` falls in (slots are aligned to 2000-01-01 UTC)."""
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    return epoch + ((now - epoch) // job.every) * job.every


def run_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot has not run yet; returns their names."""
    from smartcity.core.models import ScheduledRun

    now = now or timezone.now()
    started = []
    for job in jobs():
        slot = slot_start(job, now)
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, slot=slot)
                job.task.enqueue()
        except IntegrityError:
            continue  # another worker claimed this slot
        started.append(job.name)
    if started:
        ScheduledRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()
    return started


def start_scheduler_thread(interval_s: float = 5.0) -> threading.Thread:
    """Run :func:`run_due` in a daemon thread of the worker process."""

    def loop():
        stop = threading.Event()
        while not stop.wait(interval_s):
            try:
                for name in run_due():
                    logger.info("scheduled job %s enqueued", name)
            except Exception:  # the scheduler must outlive a database hiccup
                logger.exception("scheduler run failed")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="smartcity-scheduler", daemon=True)
    thread.start()
    return thread
