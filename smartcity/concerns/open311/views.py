"""Open311 GeoReport v2 endpoints at ``/open311/v2/`` (docs/concerns.md, "Open311 API").

Each endpoint answers in the format its path ends with, ``.json`` or ``.xml``, errors
included (the standard's list of ``{code, description}``). Descriptions are in the
reader's language like every API reason on the platform: German unless the client asks
for English (``Accept-Language: en``). Reading is open to everyone and lists published
concerns only; creating needs a partner app's ``api_key`` and is rate limited per key
and per client address.
"""

from functools import wraps

from django.conf import settings
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from smartcity.concerns import services
from smartcity.concerns.open311 import keys, queries, representation, submission
from smartcity.concerns.open311.formats import (
    JSON,
    XML,
    Open311Error,
    Problem,
    error_response,
    render,
)
from smartcity.concerns.open311.params import LIMIT, Params, bad, not_found

# The request list is the same for every reader (published concerns only), and a page of
# 1,000 requests costs tens of milliseconds to build: answers (200 to GET and HEAD) are
# cached per URL and language this long, so a change shows in the list within a minute.
# Clients and proxies may keep them as long (Cache-Control: public, max-age).
LIST_CACHE_SECONDS = 60


def _not_allowed(fmt, allowed: str):
    problem = Problem(405, _("This resource allows %(methods)s only.") % {"methods": allowed})
    response = error_response(fmt, [problem])
    response["Allow"] = allowed
    return response


def endpoint(*methods):
    """Answer errors in the path's format; check the method and ``jurisdiction_id``."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view):
        @csrf_exempt  # no cookie authority here: writing needs the api_key
        @wraps(view)
        def wrapper(request, fmt, **kwargs):
            if request.method not in allowed:
                return _not_allowed(fmt, ", ".join(sorted(allowed)))
            query = request.POST if request.method == "POST" else request.GET
            try:
                Params(query).check_jurisdiction()
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error.problems)

        return wrapper

    return decorate


def _base_url(request) -> str:
    services_url = reverse("open311:services", kwargs={"fmt": XML})
    return request.build_absolute_uri(services_url).removesuffix("services.xml")


@endpoint("GET")
def discovery(request, fmt):
    return render(fmt, "discovery", representation.discovery(_base_url(request)))


@endpoint("GET")
def service_list(request, fmt):
    categories = services.active_categories()
    return render(fmt, "services", [representation.service(c) for c in categories])


@endpoint("GET")
def service_definition(request, fmt, service_code):
    category = services.category_by_code(service_code)
    if category is None:
        raise Open311Error(
            [not_found(_("service_code %(code)s was not found.") % {"code": service_code[:100]})]
        )
    return render(fmt, "service_definition", representation.service_definition(category))


def _next_page_link(request, page) -> dict:
    query = request.GET.copy()
    query["page"] = page.number + 1
    return {"Link": f'<{request.build_absolute_uri("?" + query.urlencode())}>; rel="next"'}


def _ids(params: Params) -> list[str]:
    ids = params.items("service_request_id")
    if len(ids) > LIMIT:
        params.problems.append(
            bad(_("Ask for at most %(max)d service_request_id at once.") % {"max": LIMIT})
        )
    return ids


def _service_codes(params: Params) -> list[str]:
    codes = params.items("service_code")
    for code in codes:
        if services.category_by_code(code, active_only=False) is None:
            params.problems.append(
                bad(_("service_code %(code)s was not found.") % {"code": code[:100]})
            )
    return codes


def _list_requests(request, fmt):
    params = Params(request.GET)
    ids = _ids(params)
    if ids:  # the standard: a list of ids overrides every other parameter
        params.check()
        concerns, more = queries.find_requests_by_id(ids), False
    else:
        updated_after = params.moment("updated_after")
        query = queries.RequestFilter(
            service_codes=_service_codes(params),
            statuses=params.statuses(),
            window=params.window(open_ended=updated_after is not None),
            updated_after=updated_after,
            page=params.page(),
        )
        params.check()
        concerns, more = queries.find_requests(query)
    data = [representation.service_request(request, concern) for concern in concerns]
    headers = _next_page_link(request, query.page) if more else None
    response = render(fmt, "service_requests", data, headers=headers)
    patch_cache_control(response, public=True)
    return response


def _limited(request, name: str, key, rate: str) -> bool:
    return is_ratelimited(
        request, group=f"open311.post.{name}", key=key, rate=rate, method="POST", increment=True
    )


def _too_many(fmt):
    return error_response(
        fmt,
        [Problem(429, _("Too many new requests in a short time; please try again later."))],
    )


def _create_request(request, fmt):
    if _limited(request, "address", "ip", settings.OPEN311_POST_RATE_PER_ADDRESS):
        return _too_many(fmt)
    secret = request.POST.get("api_key") or request.GET.get("api_key", "")
    key = keys.key_for(secret)
    if key is None:
        description = (
            _("api_key is not valid: it is unknown or was revoked.")
            if secret
            else _("api_key is missing: creating requests needs a partner app's key.")
        )
        raise Open311Error([Problem(403, description)])
    if _limited(
        request, "key", lambda group, request: str(key.pk), settings.OPEN311_POST_RATE_PER_KEY
    ):
        return _too_many(fmt)
    token = submission.create_request(request.POST, request.FILES, key)
    notices = [
        _(
            "Thank you. The concern is published after review; "
            "the token then names its service_request_id."
        ),
        representation.service_notice(token.concern),
    ]
    data = [{"token": token.token, "service_notice": " ".join(n for n in notices if n)}]
    return render(fmt, "service_requests", data)


@cache_page(LIST_CACHE_SECONDS)
@endpoint("GET", "POST")
def request_list(request, fmt):
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@endpoint("GET")
def request_detail(request, fmt, service_request_id):
    concern = queries.find_request(service_request_id)
    if concern is None:
        raise Open311Error(
            [
                not_found(
                    _("service_request_id %(id)s was not found.") % {"id": service_request_id[:100]}
                )
            ]
        )
    return render(fmt, "service_requests", [representation.service_request(request, concern)])


@endpoint("GET")
def token_detail(request, fmt, token):
    found = submission.token(token)
    if found is None:
        raise Open311Error(
            [not_found(_("token %(token)s was not found.") % {"token": token[:100]})]
        )
    concern = found.concern
    # The id becomes known once the concern is published (it may never be).
    data = {
        "service_request_id": concern.service_request_id if concern.is_published else None,
        "token": found.token,
    }
    return render(fmt, "service_requests", [data])


@endpoint("GET")
def update_list(request, fmt):
    params = Params(request.GET)
    ids = _ids(params)
    updated_after = params.moment("updated_after")
    query = queries.UpdateFilter(
        ids=ids,
        window=params.window(open_ended=bool(ids) or updated_after is not None),
        updated_after=updated_after,
        page=params.page(),
    )
    params.check()
    events, more = queries.find_updates(query)
    data = [representation.request_update(event) for event in events]
    headers = _next_page_link(request, query.page) if more else None
    return render(fmt, "service_request_updates", data, headers=headers)


@csrf_exempt
def unknown(request, path):
    """Any other path below /open311/v2/: 404 in the standard's form."""
    fmt = JSON if path.endswith(".json") else XML
    return error_response(
        fmt,
        [
            not_found(
                _(
                    "There is no such resource. The resources are discovery, services, "
                    "services/{service_code}, requests, requests/{service_request_id}, "
                    "tokens/{token} and servicerequestupdates, each ending in .json or .xml."
                )
            )
        ],
    )
