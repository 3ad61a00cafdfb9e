"""The platform's event bus: apps announce what happened, other apps react.

An app publishes ``publish("sensors.alert.opened", {...})``; another subscribes in its
``AppConfig.ready()`` with ``subscribe("sensors.alert.opened", handler)``. Each handler
runs as its own background task after the publisher's transaction commits, so a slow or
failing subscriber never delays or breaks the publisher, and a rolled-back change
announces nothing. Payloads must be JSON-serialisable (they travel through the queue).
"""

from collections.abc import Callable
from importlib import import_module

from django.db import transaction
from django_tasks import task

Handler = Callable[[str, dict], None]

_subscribers: dict[str, list[str]] = {}


def _dotted(handler: Handler) -> str:
    return f"{handler.__module__}:{handler.__qualname__}"


def subscribe(event_type: str, handler: Handler) -> None:
    """Call ``handler(event_type, payload)`` for every event of this type (idempotent)."""
    if "<" in handler.__qualname__:
        raise ValueError("event handlers must be module-level functions (they run in the worker)")
    handlers = _subscribers.setdefault(event_type, [])
    if _dotted(handler) not in handlers:
        handlers.append(_dotted(handler))


def subscribers(event_type: str) -> list[str]:
    return list(_subscribers.get(event_type, ()))


def publish(event_type: str, payload: dict) -> None:
    """Queue one task per subscriber, after the current transaction commits."""
    for dotted in subscribers(event_type):
        transaction.on_commit(
            lambda dotted=dotted: deliver_event.enqueue(dotted, event_type, payload)
        )


@task()
def deliver_event(handler: str, event_type: str, payload: dict) -> None:
    module, _, name = handler.partition(":")
    target = import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    target(event_type, payload)
