"""The department inbox: filters, target-time status, a map view, bulk actions, and the
CSV export of the same selection."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from smartcity.concerns.services import backoffice
from smartcity.concerns.web.common import redirect_back
from smartcity.concerns.web.office_forms import BulkForm, InboxFilterForm
from smartcity.core.decorators import staff_required
from smartcity.core.geography.services import areas_geojson

PER_PAGE = 50
# Markers drawn in the map view; beyond this the map would be unreadable and slow.
MAP_LIMIT = 2000
# Refusals listed one by one after a bulk action; the rest are counted.
REFUSALS_LISTED = 20


def target_labels() -> dict[str, str]:
    return {
        backoffice.ON_TIME: _("on time"),
        backoffice.DUE_SOON_STATUS: _("due soon"),
        backoffice.OVERDUE: _("overdue"),
        backoffice.NO_TARGET: _("no target time"),
        backoffice.CLOSED: _("closed"),
    }


@dataclass(frozen=True)
class Row:
    concern: Concern
    target: str
    target_label: str


def rows_of(concerns, now=None) -> list[Row]:
    now = now or timezone.now()
    labels = target_labels()
    rows = []
    for concern in concerns:
        target = backoffice.target_status(concern, now)
        rows.append(Row(concern, target, labels[target]))
    return rows


def selection(request):
    """(filter form, the user's filtered inbox); invalid filters are left out and reported."""
    form = InboxFilterForm(request.GET, user=request.user)
    form.is_valid()
    concerns = form.narrow(services.department_inbox(request.user))
    return form, concerns


def _map_geojson(rows: list[Row]) -> dict:
    features = []
    for row in rows:
        concern = row.concern
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [concern.lon, concern.lat]},
                "properties": {
                    "number": concern.service_request_id,
                    "category": concern.category.name,
                    "state": concern.get_state_display(),
                    "target": row.target,
                    "targetLabel": row.target_label,
                    "url": reverse("concerns:office-detail", args=[concern.service_request_id]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@require_GET
@staff_required
def inbox(request):
    form, concerns = selection(request)
    page = Paginator(concerns, PER_PAGE).get_page(request.GET.get("page"))
    map_view = request.GET.get("view") == "map"
    context = {
        "form": form,
        "page": page,
        "rows": rows_of(page.object_list),
        "map_view": map_view,
        "bulk_form": BulkForm(None, user=request.user),
        "target_labels": target_labels(),
    }
    if map_view:
        located = rows_of(concerns[:MAP_LIMIT])
        context["map_geojson"] = _map_geojson(located)
        context["areas_geojson"] = areas_geojson()
        context["map_truncated"] = page.paginator.count > MAP_LIMIT
        context["map_limit"] = MAP_LIMIT
    template = (
        "concerns/office/_inbox_results.html" if request.htmx else "concerns/office/inbox.html"
    )
    return render(request, template, context, status=400 if form.errors else 200)


def _done_message(action: str, count: int) -> str:
    if action == BulkForm.ASSIGN:
        return ngettext(
            "%(count)d concern assigned: %(numbers)s",
            "%(count)d concerns assigned: %(numbers)s",
            count,
        )
    if action == BulkForm.STATE:
        return ngettext(
            "%(count)d concern changed: %(numbers)s",
            "%(count)d concerns changed: %(numbers)s",
            count,
        )
    return ngettext(
        "%(count)d concern published: %(numbers)s",
        "%(count)d concerns published: %(numbers)s",
        count,
    )


def _report(request, action: str, outcome: backoffice.BulkOutcome) -> None:
    """One message for what was done, one for each refusal with its reason."""
    if outcome.done:
        count = len(outcome.done)
        messages.success(
            request,
            _done_message(action, count) % {"count": count, "numbers": ", ".join(outcome.done)},
        )
    if outcome.refused:
        messages.error(
            request,
            ngettext(
                "%(count)d concern was refused:",
                "%(count)d concerns were refused:",
                len(outcome.refused),
            )
            % {"count": len(outcome.refused)},
        )
        for number, reason in outcome.refused[:REFUSALS_LISTED]:
            messages.error(request, f"{number}: {reason}")
        rest = len(outcome.refused) - REFUSALS_LISTED
        if rest > 0:
            messages.error(
                request,
                ngettext("… and %(count)d more.", "… and %(count)d more.", rest) % {"count": rest},
            )


@require_POST
@staff_required
def bulk(request):
    """Apply one action to the selected concerns, each on its own; report what was done and
    what was refused, and why."""
    form = BulkForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect_back(request, "concerns:inbox")
    data, user = form.cleaned_data, request.user
    action, numbers = data["action"], data["concerns"]
    if action == BulkForm.ASSIGN:
        outcome = backoffice.bulk_assign(numbers, data["assignee"].user, user)
    elif action == BulkForm.STATE:
        outcome = backoffice.bulk_change_state(numbers, data["state"], user, data["note"])
    else:
        outcome = backoffice.bulk_publish(numbers, user)
    _report(request, action, outcome)
    return redirect_back(request, "concerns:inbox")
