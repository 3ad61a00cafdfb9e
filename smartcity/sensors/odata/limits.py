"""Safety limits that keep a hostile query from exhausting the parser or the database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds checked while parsing; each breach is a ``QueryError`` naming the limit.

    ``max_depth`` bounds how deeply an expression nests (parentheses, function arguments,
    operators inside operators) so that the parser, the printer and the translator never
    approach Python's recursion limit. ``max_length`` bounds the characters of one option
    value. ``max_expand_depth`` bounds the navigation steps along one ``$expand`` chain,
    counting every path segment (``Datastreams/Observations`` is two) and every nested level.
    """

    max_depth: int = 50
    max_length: int = 16 * 1024
    max_expand_depth: int = 5


DEFAULT_LIMITS = Limits()
