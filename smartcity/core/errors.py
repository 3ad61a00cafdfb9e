"""Localised error pages for the web, JSON error bodies for the API.

Requests under /api/ and /sta/ (machine clients) get ``{"detail": ...}`` bodies; people
get a page in their language. In production no stack trace reaches anyone.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MACHINE_PREFIXES = ("/api/", "/sta/")

_TITLES = {
    400: lambda: _("Bad request"),
    403: lambda: _("Access denied"),
    404: lambda: _("Page not found"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Server error"),
}
_EXPLANATIONS = {
    400: lambda: _("The request could not be understood. Please check your input."),
    403: lambda: _("You are not allowed to open this page."),
    404: lambda: _("The address you opened does not exist (any more)."),
    429: lambda: _("You sent too many requests in a short time. Please wait a moment."),
    500: lambda: _("Something went wrong on our side. The error has been recorded."),
}


def error_response(request, status: int, reason: str | None = None):
    explanation = reason or _EXPLANATIONS[status]()
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"detail": explanation}, status=status)
    context = {"status": status, "title": _TITLES[status](), "explanation": explanation}
    return render(request, "core/error.html", context, status=status)


def _reason(exception) -> str | None:
    message = str(exception) if exception is not None else ""
    return (
        message if message and not message.startswith(("<", "{")) and len(message) < 300 else None
    )


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403, _reason(exception))


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    return error_response(request, 500)


def rate_limited(request, exception=None):
    return error_response(request, 429)
