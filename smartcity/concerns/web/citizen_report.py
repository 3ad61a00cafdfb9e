"""Reporting a concern (public, no login needed): choose the category, then one form with
the place, the description, the category's questions, photos and optional contact data.

Works without JavaScript (the place as coordinates or a district); with it, the place is
picked on a map, checked at once, and open reports of the same category nearby are offered
before anything is saved. A form key makes a double submit return the first concern.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from smartcity.concerns.models import Concern
from smartcity.concerns.services import (
    Nearby,
    active_categories,
    category_by_code,
    is_in_dresden,
    nearby_open_concerns,
    parse_point,
    submit_concern,
)
from smartcity.concerns.web.citizen_forms import ReportForm
from smartcity.concerns.web.citizen_places import search_places
from smartcity.core.geography import services as geography
from smartcity.core.permissions import can, is_authenticated

# Reports per address and hour (validation errors count too): far more than a citizen
# files, far fewer than a script flooding the form.
REPORT_RATE = "20/h"
# Concerns filed in this browser session: their confirmation page may be shown even to an
# anonymous reporter, who cannot open the unpublished concern itself.
FILED_SESSION_KEY = "concerns_filed"
FILED_REMEMBERED = 20


def _search_text(category) -> str:
    parts = (category.name, category.group, category.keywords, category.description)
    return " ".join(" ".join(parts).casefold().split())


def _groups(categories, query: str) -> list[dict]:
    words = query.casefold().split()
    groups: dict[str, list] = {}
    for category in categories:
        text = _search_text(category)
        if all(word in text for word in words):
            groups.setdefault(category.group, []).append((category, text))
    return [{"name": name, "categories": items} for name, items in groups.items()]


def report_start(request):
    """Step 1: the categories by group; ``q`` narrows them by name, group and keywords."""
    query = " ".join(request.GET.get("q", "").split())
    groups = _groups(active_categories(), query)
    return render(
        request,
        "concerns/citizen/report_category.html",
        {"groups": groups, "query": query, "found": sum(len(g["categories"]) for g in groups)},
    )


def _category(service_code: str, *, inactive_too: bool = False):
    category = category_by_code(service_code, active_only=not inactive_too)
    if category is None:
        raise Http404
    return category


def _nearby(category, lat, lon, user) -> list[Nearby]:
    point = parse_point(lat, lon)
    if point is None or not is_in_dresden(*point):
        return []
    return nearby_open_concerns(category, *point, user=user)


def _remember(request, concern: Concern) -> None:
    filed = [sid for sid in request.session.get(FILED_SESSION_KEY, []) if sid]
    if concern.service_request_id not in filed:
        filed = [*filed, concern.service_request_id][-FILED_REMEMBERED:]
    request.session[FILED_SESSION_KEY] = filed


@ratelimit(key="ip", rate=REPORT_RATE, method="POST", block=True)
def report_form(request, service_code):
    """Steps 2 and 3: place, description, questions, photos, contact; then save."""
    # A category closed while the citizen was writing still takes the POST, to refuse it
    # with everything typed kept on the page.
    category = _category(service_code, inactive_too=request.method == "POST")
    if request.method != "POST":
        return _render_form(request, ReportForm(category))
    form = ReportForm(category, request.POST, request.FILES)
    suggestions = []
    valid = form.is_valid()
    if not category.is_active:
        form.add_error(
            None,
            _(
                "This category no longer takes reports. Please choose another category; "
                "what you typed is still here to copy."
            ),
        )
    elif valid:
        arguments = form.submission()
        if not (request.POST.get("duplicates_seen") or form.approximate_place):
            suggestions = _nearby(category, arguments["lat"], arguments["lon"], request.user)
        if not suggestions:
            reporter = request.user if is_authenticated(request.user) else None
            try:
                submission = submit_concern(**arguments, reporter=reporter)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                _remember(request, submission.concern)
                return redirect("concerns:submitted", submission.concern.service_request_id)
    return _render_form(
        request,
        form,
        suggestions=suggestions,
        duplicates_seen=bool(request.POST.get("duplicates_seen")),
        # Browsers forget chosen files when a page is sent back (without JavaScript).
        photos_dropped=bool(request.FILES),
        status=400 if form.has_errors else 200,
    )


def _render_form(
    request, form, *, suggestions=(), duplicates_seen=False, photos_dropped=False, status=200
):
    context = {
        "form": form,
        "category": form.category,
        "suggestions": suggestions,
        "duplicates_seen": duplicates_seen,
        "photos_dropped": photos_dropped,
        "areas_geojson": geography.areas_geojson(),
    }
    return render(request, "concerns/citizen/report_form.html", context, status=status)


@require_GET
def place_check(request, service_code):
    """The part of the form under the map, refreshed when the pin moves: which district
    the place lies in (or that it lies outside Dresden) and open reports nearby."""
    category = _category(service_code)
    point = parse_point(request.GET.get("lat"), request.GET.get("lon"))
    area = inside = None
    suggestions = []
    if point is not None:
        lat, lon = point
        inside = is_in_dresden(lat, lon)
        if inside:
            area = geography.area_at(lon, lat)
            suggestions = nearby_open_concerns(category, lat, lon, user=request.user)
    context = {
        "point": point,
        "inside": inside,
        "area": area,
        "suggestions": suggestions,
    }
    return render(request, "concerns/citizen/_place_check.html", context)


@require_GET
def places(request):
    """Place search for the report map (see citizen_places for what it searches)."""
    return JsonResponse({"places": search_places(request.GET.get("q", ""))})


def submitted(request, service_request_id):
    """The confirmation after filing, for the browser session that filed the concern."""
    service_request_id = service_request_id.upper()
    if service_request_id not in request.session.get(FILED_SESSION_KEY, []):
        raise Http404
    # Not through visible_concerns: an anonymous reporter may not open the unpublished
    # concern, but the session that filed it may see its number and where it went.
    concern = (
        Concern.objects.select_related("category", "area", "organisation")
        .filter(service_request_id=service_request_id)
        .first()
    )
    if concern is None:  # erased since
        raise Http404
    context = {
        "concern": concern,
        "publish_delay_hours": settings.CONCERNS_PUBLISH_DELAY_HOURS,
        "can_open": can(request.user, "view", concern),
    }
    return render(request, "concerns/citizen/submitted.html", context)
