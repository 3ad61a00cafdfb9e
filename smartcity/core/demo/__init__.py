"""Demo data for Dresden. Everything created here is marked as sample or demo data.

Each part is a function that is safe to run again: it creates what is missing and
updates what is there, keyed on natural keys (slugs, e-mail addresses). Later apps add
their own part with ``register``.
"""

from collections.abc import Callable

_parts: list[tuple[str, Callable[[], str]]] = []


def register(name: str, loader: Callable[[], str]) -> None:
    """``loader`` returns a one-line summary of what it loaded."""
    if name not in {n for n, _ in _parts}:
        _parts.append((name, loader))


def load_all() -> list[tuple[str, str]]:
    return [(name, loader()) for name, loader in _parts]
