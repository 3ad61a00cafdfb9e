"""Who is acting right now: the request's user, or an actor named by a command or task."""

from contextlib import contextmanager
from contextvars import ContextVar

_request = ContextVar("audit_request", default=None)
_actor = ContextVar("audit_actor", default=None)


def current_actor():
    """The user on whose behalf the current write happens, or None for the system."""
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None


def current_request_path() -> str:
    request = _request.get()
    return request.path[:300] if request is not None else ""


@contextmanager
def acting_as(user):
    """Attribute the writes inside the block to ``user`` (for tasks and commands)."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def during_request(request):
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)
