"""Readiness checks for /healthz: the database and the task queue."""

import time

from django.conf import settings
from django.db import connection
from django.utils import timezone


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return {"status": "error", "error": type(error).__name__, "vendor": connection.vendor}
    return {
        "status": "ok",
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def check_task_queue() -> dict:
    backend = settings.TASKS_BACKEND
    try:
        if backend == "database":
            from django_tasks_db.models import DBTaskResult

            ready = DBTaskResult.objects.ready()
            oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
            return {
                "status": "ok",
                "backend": backend,
                "waiting": ready.count(),
                "oldest_waiting_s": round((timezone.now() - oldest).total_seconds(), 1)
                if oldest
                else None,
            }
        if backend == "rq":
            import django_rq

            queue = django_rq.get_queue("default")
            return {"status": "ok", "backend": backend, "waiting": queue.count}
        return {"status": "ok", "backend": backend, "waiting": 0}
    except Exception as error:
        return {"status": "error", "backend": backend, "error": type(error).__name__}


def health() -> tuple[bool, dict]:
    checks = {"database": check_database(), "tasks": check_task_queue()}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return healthy, {"status": "ok" if healthy else "error", "checks": checks}
