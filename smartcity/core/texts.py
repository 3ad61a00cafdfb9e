"""Messages that pure modules give (no Django import here): an English template with
``%(name)s`` placeholders, marked with :func:`gettext_noop` so that Django's
``makemessages`` extracts it, and its raw parameters, so that an app can render it in the
reader's language with local number and date formats (``gettext(text) % params``).
"""


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation without translating it (a keyword makemessages knows)."""
    return message


class EnglishText:
    """For dataclasses with ``text`` and ``params``: ``str()`` renders the English text."""

    def shown(self, name: str, value) -> str:
        """A parameter as the English text shows it."""
        return str(value)

    def __str__(self) -> str:
        if not self.params:
            return self.text
        return self.text % {name: self.shown(name, value) for name, value in self.params.items()}
