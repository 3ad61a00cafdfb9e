"""Reasons the pure modules give for refusing something: English text, translated later.

No Django import. A :class:`Reason` is an English template with ``%(name)s`` placeholders,
marked with :func:`gettext_noop` so that Django's ``makemessages`` extracts it, and its raw
parameters; the services render it in the reader's language. Parameters whose name ends in
``_state`` hold a workflow state code, which a renderer replaces by the state's label.
"""

from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation without translating it (a keyword makemessages knows)."""
    return message


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text % self.params if self.params else self.text
