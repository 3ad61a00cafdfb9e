"""The citizens' pages besides reporting: the public map and list with its GeoJSON, a
concern's page (history, following, reopening, "Is it fixed?") and "my reports".

The map and list show published concerns only, the same for everyone (staff work in the
back office); a concern's page shows its public side to every reader.
"""

import hashlib
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcity.concerns import workflow
from smartcity.concerns.models import State
from smartcity.concerns.policies import is_reporter
from smartcity.concerns.services import (
    answer_fixed_question,
    detail,
    filter_concerns,
    follow,
    follows_of,
    public_summary,
    reopen,
    reopen_refusal,
    unfollow,
    visible_concerns,
)
from smartcity.concerns.web import citizen_markers
from smartcity.concerns.web.citizen_forms import ConcernFilterForm, FixedAnswerForm, ReopenForm
from smartcity.concerns.web.citizen_places import DISTRICT_KINDS
from smartcity.concerns.web.common import concern_or_404, redirect_back
from smartcity.core.geography import services as geography
from smartcity.core.permissions import is_authenticated

PAGE_SIZE = 20
# The map's markers are cached this long (server and browser): a newly published concern
# appears on the map within a minute; the list below it shows it at once.
MARKERS_CACHE_SECONDS = 60
# The list's total ("200,000 concerns", the number of pages) is counted at most this often
# per filter: counting every published concern costs more than the rest of the page. The
# rows themselves are read fresh on every request.
LIST_COUNT_CACHE_SECONDS = 60


def _public_concerns():
    """The public's view, the same for every reader: published concerns only."""
    return visible_concerns(None)


def _cache_key(name: str, params) -> str:
    """A cache key for an answer that depends only on these query parameters ((name,
    value) or (name, values) pairs)."""
    query = urlencode(sorted(params), doseq=True)
    return f"concerns:{name}:" + hashlib.sha256(query.encode()).hexdigest()


class _PublicListPaginator(Paginator):
    """Pages of the public list, whose total is the same for every reader and so is
    counted once per ``LIST_COUNT_CACHE_SECONDS`` and filter."""

    def __init__(self, concerns, query: dict):
        super().__init__(concerns, PAGE_SIZE)
        self.count_key = _cache_key("list-count", query.items())

    @cached_property
    def count(self) -> int:
        return cache.get_or_set(self.count_key, self.object_list.count, LIST_COUNT_CACHE_SECONDS)

    def page(self, number):
        """As ``Paginator.page``, but the rows are not cut to the counted total, which may
        be up to a minute old."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


def _form_errors(form) -> str:
    return " ".join(
        f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
        for name, errors in form.errors.items()
    )


def concern_list(request):
    """The public map and list with filters (category, district, state, period)."""
    form = ConcernFilterForm(request.GET)
    concerns, status, query, area = _public_concerns(), 200, {}, None
    if form.is_valid():
        filters = form.filters()
        concerns = filter_concerns(concerns, **filters)
        query, area = form.query(), filters["area"]
    else:
        status = 400
    page = _PublicListPaginator(concerns, query).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": urlencode(query),
        "markers_url": reverse("concerns:markers") + (f"?{urlencode(query)}" if query else ""),
        "area": area,
        "follows_area": is_authenticated(request.user)
        and area is not None
        and follows_of(request.user).filter(area=area).exists(),
        "states": _state_legend(),
        "areas_geojson": geography.areas_geojson(),
    }
    return render(request, "concerns/citizen/list.html", context, status=status)


def _state_legend() -> list[dict]:
    return [{"code": state, "label": State(state).label} for state in workflow.STATES]


def _positive_int(value, default: int, maximum: int | None = None) -> int | None:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        return None
    if number < 1 or (maximum is not None and number > maximum):
        return None
    return number


@require_GET
def markers(request):
    """GeoJSON of the published concerns matching the list's filters, newest first.

    ``page`` and ``page_size`` (at most 1,000) page through them; ``next`` links the next
    page. Same body for every reader, so cached by its query string.
    """
    key = _cache_key("markers", request.GET.lists())
    body = cache.get(key)
    if body is None:
        form = ConcernFilterForm(request.GET)
        page = _positive_int(request.GET.get("page"), 1)
        size = _positive_int(
            request.GET.get("page_size"),
            citizen_markers.DEFAULT_PAGE_SIZE,
            citizen_markers.MAX_PAGE_SIZE,
        )
        if not form.is_valid():
            return JsonResponse({"detail": _form_errors(form)}, status=400)
        if page is None or size is None:
            return JsonResponse(
                {
                    "detail": _(
                        "page and page_size must be whole numbers from 1, page_size at most "
                        "%(max)d."
                    )
                    % {"max": citizen_markers.MAX_PAGE_SIZE}
                },
                status=400,
            )
        concerns = filter_concerns(_public_concerns(), **form.filters())
        features, has_next = citizen_markers.marker_page(concerns, page, size)
        next_query = form.query() | {"page": page + 1, "page_size": size}
        body = json.dumps(
            {
                "type": "FeatureCollection",
                "features": features,
                "page": page,
                "page_size": size,
                "next": f"{reverse('concerns:markers')}?{urlencode(next_query)}"
                if has_next
                else None,
            },
            separators=(",", ":"),
        )
        cache.set(key, body, MARKERS_CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/geo+json")
    patch_cache_control(response, public=True, max_age=MARKERS_CACHE_SECONDS)
    return response


def _render_detail(request, concern, *, reopen_form=None, fixed_form=None, status=200):
    user = request.user
    info = detail(user, concern)
    reporter = is_reporter(user, concern)
    asked = (
        reporter
        and concern.state == workflow.FIXED
        and concern.fix_question_sent_at is not None
        and concern.fix_confirmed is None
    )
    original = None
    if concern.duplicate_of_id is not None:
        original = visible_concerns(user).filter(pk=concern.duplicate_of_id).first()
    context = {
        "concern": concern,
        # The public side for every reader: staff see the rest in the back office.
        "events": [(event, public_summary(event)) for event in info.events if event.is_public],
        "photos": concern.public_photos(),
        "is_following": info.is_following,
        "is_reporter": reporter,
        "original": original,
        "asked_whether_fixed": asked,
        "fixed_form": fixed_form or FixedAnswerForm(),
        "can_reopen": info.can_reopen and not asked,
        "reopen_form": reopen_form or ReopenForm(),
        "reopen_refusal": reopen_refusal(concern)
        if reporter and concern.is_closed and not info.can_reopen
        else None,
        "point": concern.public_location,
        "areas_geojson": geography.area_feature_collection([concern.area])
        if concern.area
        else geography.areas_geojson("city"),
    }
    return render(request, "concerns/citizen/detail.html", context, status=status)


def concern_detail(request, service_request_id):
    """A concern's page: what, where, its state and public history."""
    return _render_detail(request, concern_or_404(request.user, service_request_id))


@require_POST
def follow_concern(request, service_request_id):
    """Follow (or, with ``action=unfollow``, stop following) a concern."""
    concern = concern_or_404(request.user, service_request_id)
    if not is_authenticated(request.user):
        return redirect_to_login(concern.get_absolute_url())
    if request.POST.get("action") == "unfollow":
        unfollow(request.user, concern=concern)
        messages.success(request, _("You no longer follow this concern."))
    else:
        follow(request.user, concern=concern)
        messages.success(
            request, _("You follow this concern now. We tell you when something happens.")
        )
    return redirect_back(request, concern.get_absolute_url())


@require_POST
def follow_area(request):
    """Follow (or stop following) a district: told of each concern published there."""
    area = geography.area_by_slug(request.POST.get("district", ""))
    if area is None or area.kind not in DISTRICT_KINDS:
        raise Http404
    back = f"{reverse('concerns:list')}?{urlencode({'district': area.slug})}"
    if not is_authenticated(request.user):
        return redirect_to_login(back)
    if request.POST.get("action") == "unfollow":
        unfollow(request.user, area=area)
        messages.success(request, _("You no longer follow %(district)s.") % {"district": area.name})
    else:
        follow(request.user, area=area)
        messages.success(
            request,
            _("You follow %(district)s now. We tell you about each new concern there.")
            % {"district": area.name},
        )
    return redirect_back(request, back)


@require_POST
def reopen_concern(request, service_request_id):
    """The reporter reopens a fixed concern within the reopening window."""
    concern = concern_or_404(request.user, service_request_id)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            reopen(concern, request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The concern is open again. The department is told."))
            return redirect(concern.get_absolute_url())
    return _render_detail(request, concern, reopen_form=form, status=400)


@require_POST
def answer_fixed(request, service_request_id):
    """The reporter's answer to "Is it fixed?"; "no" reopens the concern."""
    concern = concern_or_404(request.user, service_request_id)
    form = FixedAnswerForm(request.POST)
    if form.is_valid():
        fixed = form.cleaned_data["fixed"] == "yes"
        try:
            answer_fixed_question(concern, request.user, fixed, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                _("Thank you for confirming.")
                if fixed
                else _("The concern is open again. The department is told."),
            )
            return redirect(concern.get_absolute_url())
    return _render_detail(request, concern, fixed_form=form, status=400)


@login_required
def my_concerns(request):
    """The concerns the user reported (published or not) and what they follow."""
    reported = visible_concerns(request.user).filter(reporter=request.user)
    page = Paginator(reported, PAGE_SIZE).get_page(request.GET.get("page"))
    follows = list(follows_of(request.user))
    context = {
        "page": page,
        "followed_concerns": [f.concern for f in follows if f.concern_id],
        "followed_areas": [f.area for f in follows if f.area_id],
    }
    return render(request, "concerns/citizen/mine.html", context)
