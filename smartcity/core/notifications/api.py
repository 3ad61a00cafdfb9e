"""JSON API of the notification service, mounted at /api/notifications/.

The in-app inbox for apps and scripts, and the endpoints the browser uses to enable Web Push:
the VAPID public key (RFC 8292 applicationServerKey) and PushSubscription.toJSON() bodies.
"""

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from smartcity.core.api_auth import authenticated
from smartcity.core.notifications import services
from smartcity.core.notifications.models import ENDPOINT_MAX_LENGTH
from smartcity.core.notifications.vapid import vapid_keys

router = Router(tags=["notifications"], auth=authenticated)

MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000
MAX_IDS = 1000
# Ids are database keys: beyond a signed 64-bit integer no row can match, and SQLite refuses.
MessageId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class NotificationsValidationIssue(Schema):
    loc: list[str | int]
    msg: str
    type: str


class NotificationsError(Schema):
    detail: str | list[NotificationsValidationIssue]


class NotificationOut(Schema):
    id: int
    topic: str
    title: str
    body: str
    url: str = Field(description="Path on this site or http(s) URL; empty when there is none.")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int = Field(description="Messages matching the query, on all pages.")
    unread: int = Field(description="Unread messages of the user in total.")
    page: int
    page_size: int


class MarkReadIn(Schema):
    ids: list[MessageId] = Field(default_factory=list, max_length=MAX_IDS)
    all: bool = Field(False, description="Mark every message read; ids are then ignored.")


class MarkReadOut(Schema):
    marked: int = Field(description="Messages that were unread and are read now.")
    unread: int


class UnreadCountOut(Schema):
    unread: int


class VapidKeyOut(Schema):
    public_key: str = Field(
        description="The applicationServerKey for PushManager.subscribe(): an uncompressed "
        "P-256 point, base64url without padding."
    )


class PushSubscriptionKeys(Schema):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class PushSubscriptionIn(Schema):
    """What PushSubscription.toJSON() returns in the browser."""

    endpoint: str = Field(max_length=ENDPOINT_MAX_LENGTH)
    expirationTime: float | None = None  # the Push API's own spelling
    keys: PushSubscriptionKeys


class PushSubscriptionOut(Schema):
    endpoint: str
    created_at: datetime
    last_success_at: datetime | None


class PushEndpointIn(Schema):
    endpoint: str = Field(max_length=ENDPOINT_MAX_LENGTH)


ERRORS = {400: NotificationsError, 401: NotificationsError}


@router.get(
    "/",
    response={200: NotificationPage, **ERRORS},
    summary="The user's messages, newest first",
    url_name="notifications_list",
)
def list_notifications(
    request,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
    unread_only: bool = Query(False),
):
    messages = services.inbox(request.auth, unread_only=unread_only)
    offset = (page - 1) * page_size
    return {
        "items": list(messages[offset : offset + page_size]),
        "count": messages.count(),
        "unread": services.unread_count(request.auth),
        "page": page,
        "page_size": page_size,
    }


@router.get("/unread-count", response={200: UnreadCountOut, **ERRORS}, summary="Unread messages")
def unread_count(request):
    return {"unread": services.unread_count(request.auth)}


@router.post(
    "/read",
    response={200: MarkReadOut, **ERRORS},
    summary="Mark messages read",
    url_name="notifications_read",
)
def mark_read(request, data: MarkReadIn):
    if not data.all and not data.ids:
        return Status(400, {"detail": _('Give the message "ids" to mark read, or "all": true.')})
    marked = services.mark_read(request.auth, services.ALL if data.all else data.ids)
    return {"marked": marked, "unread": services.unread_count(request.auth)}


@router.get(
    "/vapid-public-key",
    auth=None,
    response={200: VapidKeyOut, 503: NotificationsError},
    summary="The VAPID public key browsers subscribe with",
    url_name="notifications_vapid_public_key",
)
def vapid_public_key(request):
    try:
        return {"public_key": vapid_keys().public_key}
    except ImproperlyConfigured:
        return Status(503, {"detail": _("Push notifications are not set up on this server.")})


@router.post(
    "/push-subscriptions",
    response={201: PushSubscriptionOut, **ERRORS},
    summary="Enable Web Push for a browser (body: PushSubscription.toJSON())",
    url_name="notifications_push_subscriptions",
)
def subscribe(request, data: PushSubscriptionIn):
    try:
        subscription = services.subscribe_push(
            request.auth,
            {"endpoint": data.endpoint, "keys": data.keys.dict()},
            request.headers.get("User-Agent", ""),
        )
    except ValueError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(201, subscription)


@router.delete(
    "/push-subscriptions",
    response={204: None, 404: NotificationsError, **ERRORS},
    summary="Disable Web Push for a browser, by its endpoint",
)
def unsubscribe(request, data: PushEndpointIn):
    if not services.unsubscribe_push(request.auth, data.endpoint):
        return Status(404, {"detail": _("You have no push subscription with this endpoint.")})
    return Status(204, None)
