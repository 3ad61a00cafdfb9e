from datetime import UTC, datetime, timedelta

import pytest
from django_tasks import task

from smartcity.core import schedule
from smartcity.core.models import ScheduledRun

calls = []


@task()
def tick():
    calls.append("tick")


@pytest.fixture
def job():
    calls.clear()
    job = schedule.periodic("test.tick", timedelta(minutes=5), tick)
    yield job
    schedule._jobs.pop("test.tick")


@pytest.mark.django_db
def test_each_slot_runs_once_however_many_workers_ask(job):
    now = datetime(2026, 11, 26, 10, 2, tzinfo=UTC)
    assert "test.tick" in schedule.run_due(now)
    assert "test.tick" not in schedule.run_due(now + timedelta(minutes=2))  # same slot
    assert calls == ["tick"]
    assert "test.tick" in schedule.run_due(now + timedelta(minutes=3))  # next slot, 10:05
    assert calls == ["tick", "tick"]
    assert list(ScheduledRun.objects.filter(job="test.tick").values_list("slot", flat=True)) == [
        datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 10, 5, tzinfo=UTC),
    ]


@pytest.mark.django_db
def test_old_claims_are_pruned(job):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    schedule.run_due(start)
    schedule.run_due(start + timedelta(days=8))
    assert ScheduledRun.objects.filter(job="test.tick").count() == 1


def test_jobs_cannot_run_too_often():
    with pytest.raises(ValueError, match="at most every 10 seconds"):
        schedule.periodic("test.fast", timedelta(seconds=1), tick)
