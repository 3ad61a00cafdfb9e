"""Staff pages of the MQTT dead letters: the list (newest first, paged, filtered by reason),
one letter with its whole payload, and deleting one or all older than a number of days.

Platform admins only (:mod:`.dead_letters` says why); everyone else gets 403, anonymous
users the login. Payloads are shown as text, escaped by the templates like any other
value: a dead letter is whatever someone published, markup included.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from smartcity.core.decorators import platform_admin_required
from smartcity.sensors.mqtt import dead_letters
from smartcity.sensors.mqtt.forms import DeadLetterFilterForm, DeadLetterPurgeForm
from smartcity.sensors.mqtt.ingest import DEAD_LETTER_DAYS, MAX_DEAD_PAYLOAD

PER_PAGE = 50
# Characters of a payload shown in the list; the letter's own page shows all of it.
PREVIEW_CHARS = 200


def _list_page(request, purge_form, status=200):
    filter_form = DeadLetterFilterForm(request.GET)
    reason = filter_form.cleaned_data["reason"] if filter_form.is_valid() else ""
    letters = dead_letters.dead_letters(request.user, reason=reason)
    page = Paginator(letters, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filter_form": filter_form,
        "purge_form": purge_form,
        "page": page,
        "reason": reason,
        "preview_chars": PREVIEW_CHARS,
        "kept_days": DEAD_LETTER_DAYS,
    }
    if filter_form.errors:
        status = 400
    return render(request, "sensors/dead_letters.html", context, status=status)


@platform_admin_required
def dead_letter_list(request):
    return _list_page(request, DeadLetterPurgeForm())


def _letter(request, pk):
    letter = dead_letters.dead_letter(request.user, pk)
    if letter is None:
        raise Http404(_("This dead letter does not exist (any more)."))
    return letter


@platform_admin_required
def dead_letter_detail(request, pk):
    letter = _letter(request, pk)
    context = {"letter": letter, "truncated": letter.payload_size > MAX_DEAD_PAYLOAD}
    return render(request, "sensors/dead_letter.html", context)


@require_POST
@platform_admin_required
def dead_letter_delete(request, pk):
    letter = _letter(request, pk)
    dead_letters.delete(request.user, letter)
    messages.success(
        request, _("The dead letter on “%(topic)s” was deleted.") % {"topic": letter.topic}
    )
    return redirect("sensors:dead-letters")


@require_POST
@platform_admin_required
def dead_letter_purge(request):
    form = DeadLetterPurgeForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    count = form.save(request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d dead letter was deleted.", "%(count)d dead letters were deleted.", count
        )
        % {"count": count},
    )
    return redirect("sensors:dead-letters")
