"""What the back-office pages share: how a service's refusal reaches a form."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError, fields: dict[str, str] | None = None):
    """Put a service's ValidationError on the form: each message on the field its key names
    (``fields`` maps service keys to form fields), the rest above the form."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        name = fields.get(key, key)
        form.add_error(name if name in form.fields else None, messages)
