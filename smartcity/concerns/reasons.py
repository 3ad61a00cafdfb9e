"""Reasons the pure modules give for refusing something: English text, translated later.

No Django import. A :class:`Reason` is a ``smartcity.core.texts`` message with a code;
the services render it in the reader's language. Parameters whose name ends in
``_state`` hold a workflow state code, which a renderer replaces by the state's label.
"""

from dataclasses import dataclass, field

from smartcity.core.texts import EnglishText, gettext_noop

__all__ = ["Reason", "gettext_noop"]


@dataclass(frozen=True)
class Reason(EnglishText):
    code: str
    text: str
    params: dict = field(default_factory=dict)
