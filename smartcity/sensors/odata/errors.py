"""The one exception the query language raises: ``QueryError``.

Its ``str()`` is meant for an API body (``{"detail": str(error)}``): the option, the reason,
the position counted from 1, the option text (shortened around the position when long) and a
caret line under the offending character::

    $filter: expected an operand after 'and' at position 17: "name eq 'x' and "
                                                                             ^
"""

from __future__ import annotations

# Characters of context shown on each side of the position in long option values.
_WINDOW = 40
_ELLIPSIS = "..."


class QueryError(ValueError):
    """A query option that cannot be accepted.

    ``message`` is the reason in English, ``option`` the query option it concerns (``"$filter"``;
    a nested option inside ``$expand`` reports ``"$expand"``, whose text it is part of),
    ``position`` the 0-based character offset into ``text`` (``None`` when the whole option is
    at fault) and ``text`` the raw option value the position refers to.
    """

    def __init__(
        self,
        message: str,
        option: str | None = None,
        position: int | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.option = option
        self.position = position
        self.text = text

    def __str__(self) -> str:
        head = f"{self.option}: {self.message}" if self.option else self.message
        if self.position is None or self.text is None:
            return head
        position = max(0, min(self.position, len(self.text)))
        start = max(0, position - _WINDOW)
        end = min(len(self.text), position + _WINDOW)
        before = _ELLIPSIS if start > 0 else ""
        after = _ELLIPSIS if end < len(self.text) else ""
        # Tabs and line breaks would break the caret's alignment, so they show as spaces.
        shown = "".join(" " if ch in "\t\r\n\v\f" else ch for ch in self.text[start:end])
        first = f'{head} at position {position + 1}: "{before}{shown}{after}"'
        column = len(head) + len(f" at position {position + 1}: ") + 1 + len(before)
        return f"{first}\n{' ' * (column + position - start)}^"

    @property
    def detail(self) -> str:
        """The text for an HTTP 400 body's ``detail`` field."""
        return str(self)

    def __reduce__(self):
        return (type(self), (self.message, self.option, self.position, self.text))
