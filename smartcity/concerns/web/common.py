"""What the citizens' pages and the back office share: finding a concern the reader may
see, going back to the page that asked, a period of submission days, and putting a
service's refusal on a form."""

from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartcity.concerns.models import Concern
from smartcity.concerns.services import concern_for


def concern_or_404(user, service_request_id) -> Concern:
    """The concern ``user`` may see; 404 otherwise (not even its existence is revealed)."""
    try:
        return concern_for(user, service_request_id)
    except Concern.DoesNotExist:
        raise Http404(_("There is no concern with this number that you may see.")) from None


def redirect_back(request, default):
    """Back to the page that asked (POST ``next``) if it is one of ours, else ``default``
    (a path or URL name)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def day_field(label) -> forms.DateField:
    """An optional day, picked with the browser's date input (which needs ISO dates)."""
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def check_period(form) -> None:
    """Refuse a ``since``/``until`` period whose end lies before its start."""
    since, until = form.cleaned_data.get("since"), form.cleaned_data.get("until")
    if since and until and since > until:
        form.add_error("until", gettext_lazy("The end of the period lies before its start."))


def period_filters(since, until) -> dict:
    """``filter_concerns``' ``since`` and ``until`` for whole days in Dresden's time: from
    the start of ``since`` to the end of ``until``; None where a day is not given."""

    def start_of(day) -> datetime:
        return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())

    return {
        "since": start_of(since) if since else None,
        "until": start_of(until + timedelta(days=1)) if until else None,
    }


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
