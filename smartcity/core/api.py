"""The platform's JSON API (django-ninja, OpenAPI 3 at /api/openapi.json, docs at /api/docs).

Authentication: the browser session (with CSRF for writes) or a personal API token sent as
``Authorization: Bearer sc_…``. Every error body has the same shape: ``{"detail": ...}``,
a string, or for invalid input a list of ``{"loc", "msg", "type"}`` items.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from smartcity.core.accounts.api import router as accounts_router
from smartcity.core.datasets_api import router as datasets_router
from smartcity.core.geography.api import router as geography_router
from smartcity.core.notifications.api import router as notifications_router

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                            "msg": {"type": "string"},
                            "type": {"type": "string"},
                        },
                    },
                },
            ]
        }
    },
}
_ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `detail` says what and where.",
    "401": "Authentication required.",
    "403": "Not allowed for this user.",
    "404": "No such object.",
}


class PlatformAPI(NinjaAPI):
    """Documents the platform's common error responses on every operation."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                # ninja keys responses by int; normalise so declared codes are not duplicated.
                operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
                codes = ["400"]
                if operation.get("security"):
                    codes += ["401", "403"]
                if "{" in path:
                    codes.append("404")
                for code in codes:
                    operation["responses"].setdefault(
                        code,
                        {
                            "description": _ERROR_DESCRIPTIONS[code],
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    )
        return schema


api = PlatformAPI(
    title="Smart City Dresden API",
    version="1.0",
    description=(
        "JSON API of the Smart City Dresden platform. Log in through the web or send a "
        "personal API token (My account → API tokens) as `Authorization: Bearer <token>`."
    ),
    urls_namespace="api",
)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    reason = str(exc) or _("You are not allowed to do this.")
    return api.create_response(request, {"detail": reason}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    body = {"detail": _("Authentication required: log in or send an API token.")}
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="smartcity"'
    return response


@api.exception_handler(ValidationError)
def invalid(request, exc):
    items = [
        {
            "loc": list(error.get("loc", [])),
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": items}, status=400)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("/accounts/", accounts_router)
api.add_router("/districts/", geography_router)
api.add_router("/notifications/", notifications_router)
api.add_router("/datasets/", datasets_router)
