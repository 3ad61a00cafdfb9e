"""The SensorThings API over HTTP: one view for every request below ``/sta/v1.1/``.

The view works out who calls (a sensor token, ``Authorization: Bearer`` or HTTP Basic with
the token as password, or the session user), checks CSRF for session writes, and hands the
request as a :class:`~.calls.Call` to the :class:`~.service.Service` (``sta/service.py``),
whose :class:`~.calls.Result` it answers with CORS headers. Who may write what is
``sta/authority.py``.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from smartcity.core.permissions import is_authenticated
from smartcity.sensors import access
from smartcity.sensors.sta.authority import CHALLENGE, Caller
from smartcity.sensors.sta.calls import Call, Result, error
from smartcity.sensors.sta.read_requests import service_limits
from smartcity.sensors.sta.service import Service

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _respond(request, result: Result) -> HttpResponse:
    body = result.body()
    response = HttpResponse(b"" if request.method == "HEAD" else body, status=result.status)
    if request.method == "HEAD":
        response["Content-Length"] = str(len(body))
    if result.data is None and result.raw is None:
        del response["Content-Type"]
    else:
        response["Content-Type"] = result.content_type
    for name, value in result.headers.items():
        response[name] = value
    # Open data: any web page may read the API. No credentials are allowed cross-origin
    # (no Access-Control-Allow-Credentials), so a session cannot be used from elsewhere.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Location"
    if request.method == "OPTIONS":
        response["Access-Control-Allow-Methods"] = result.headers.get("Allow", "GET")
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Max-Age"] = "86400"
    return response


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, answering in the API's JSON instead of an HTML page."""

    def _reject(self, request, reason):
        return _respond(
            request,
            error(
                403,
                _(
                    "CSRF check failed (%(reason)s). Signed-in writes need the X-CSRFToken "
                    "header; machines should send a sensor token instead."
                )
                % {"reason": reason},
            ),
        )


def _caller(request) -> tuple[Caller, Result | None]:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    token = access.token_from_request(request) if header else None
    if header and token is None:
        return Caller(request.user), error(
            401,
            _("The Authorization header carries no valid sensor token (unknown or revoked)."),
            {"WWW-Authenticate": CHALLENGE},
        )
    return Caller(request.user, token), None


@csrf_exempt
def resource(request, resource: str = ""):
    """Every request below /sta/v1.1/.

    CSRF is checked here rather than by the middleware: token requests (machines) need
    none, while a signed-in browser session must send the X-CSRFToken header to write.
    """
    caller, problem = _caller(request)
    if problem is not None:
        return _respond(request, problem)
    if request.method in UNSAFE and caller.token is None and is_authenticated(caller.user):
        rejected = _CsrfCheck(lambda request: None).process_view(request, None, (), {})
        if rejected is not None:
            return rejected
    try:
        body = request.body
    except RequestDataTooBig:
        return _respond(
            request,
            error(
                413,
                _("the request body is larger than %(size)d bytes")
                % {"size": service_limits()["maxBodyBytes"]},
            ),
        )
    root_path = reverse("sta:root")
    service = Service(caller, base_url=request.build_absolute_uri(root_path), root_path=root_path)
    call = Call(
        method=request.method,
        resource=resource,
        query=request.GET,
        request_path=request.path,
        content_type=request.META.get("CONTENT_TYPE", ""),
        body=body,
    )
    return _respond(request, service.handle(call))
