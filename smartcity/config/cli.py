"""The ``smartcity`` command line.

``smartcity serve`` and ``smartcity worker`` start the two long-running processes;
every other word is a Django management command, with hyphens allowed for
underscores (``smartcity import-districts`` runs ``import_districts``).
"""

import os
import sys


def _serve(args: list[str]) -> None:
    from gunicorn.app.wsgiapp import run

    bind = os.environ.get("SMARTCITY_BIND", "127.0.0.1:8000")
    sys.argv = [
        "gunicorn",
        "smartcity.config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        os.environ.get("WEB_CONCURRENCY", "2"),
        "--access-logfile",
        "-",
        *args,
    ]
    run()


def _worker(args: list[str]) -> None:
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from smartcity.core.schedule import start_scheduler_thread

    start_scheduler_thread()
    if settings.TASKS_BACKEND == "rq":
        # RQ must rebuild jobs with django-tasks' job class to run the task functions.
        command = ["rqworker", "--job-class", "django_tasks_rq.backend.Job", *(args or ["default"])]
    else:
        command = ["db_worker", *args]
    execute_from_command_line(["smartcity", *command])


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcity.config.settings")
    command = argv[1] if len(argv) > 1 else "help"
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        sys.exit(f"smartcity: configuration error: {error}")
    if command == "serve":
        _serve(argv[2:])
        return
    if command == "worker":
        _worker(argv[2:])
        return
    from django.core.management import execute_from_command_line

    if len(argv) > 1 and not command.startswith("-"):
        argv[1] = command.replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
