"""Catalogue, concerns and history in GeoReport v2 terms (field names of the standard).

Only what the public sees goes out: the description, address, exact place and photos as
moderation left them, departments instead of staff, never contact data. Times are ISO
8601 with the offset of Dresden's time (Europe/Berlin). Empty values are ``null`` in JSON
and empty elements in XML.

Status: Open311 knows ``open`` and ``closed``. Closed are fixed, duplicate, not
responsible (handed to an external body) and rejected; submitted, open, in progress,
planned and reopened are open (:func:`smartcity.concerns.workflow.open311_status`).
"""

from datetime import UTC, datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcity.concerns import workflow
from smartcity.concerns.attributes import LIST_TYPES
from smartcity.concerns.models import Category, Concern, ConcernEvent
from smartcity.concerns.open311.formats import CONTENT_TYPES, JSON, XML
from smartcity.concerns.services import public_summary

# Every request goes through review before it is public, so a new request is answered
# with a token, not an id (GeoReport v2 service type "batch").
SERVICE_TYPE = "batch"


def w3c(moment) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment, timezone.get_default_timezone()).isoformat(timespec="seconds")


def service(category: Category) -> dict:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": bool(category.attributes.all()),
        "type": SERVICE_TYPE,
        "keywords": category.keywords or None,
        "group": category.group or None,
    }


def service_definition(category: Category) -> dict:
    attributes = []
    # The standard wants distinct positive orders; the stored order may repeat or be 0.
    for order, attribute in enumerate(category.attributes.all(), start=1):
        item = {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description or None,
            "order": order,
            "description": attribute.description,
        }
        if attribute.datatype in LIST_TYPES:
            item["values"] = [{"key": key, "name": name} for key, name in attribute.spec().values]
        attributes.append(item)
    return {"service_code": category.service_code, "attributes": attributes}


def agency_responsible(concern: Concern) -> str | None:
    if concern.state == workflow.NOT_RESPONSIBLE and concern.forwarded_to:
        return concern.forwarded_to
    return concern.organisation.name if concern.organisation_id else None


def service_notice(concern: Concern) -> str | None:
    """What is expected to happen next, in the reader's language."""
    if concern.state == workflow.NOT_RESPONSIBLE and concern.forwarded_to:
        return _("The city is not responsible; the concern was handed over to %(body)s.") % {
            "body": concern.forwarded_to
        }
    if not concern.is_closed and concern.category.target_hours:
        return _(
            "The responsible department aims to deal with concerns of this kind "
            "within %(hours)d hours."
        ) % {"hours": concern.category.target_hours}
    return None


def media_url(request, concern: Concern) -> str | None:
    """The first published photo (``first_photo`` from the list query), as a full URL."""
    if concern.photos_hidden or not concern.first_photo:
        return None
    return request.build_absolute_uri(default_storage.url(concern.first_photo))


def service_request(request, concern: Concern) -> dict:
    """One concern from :func:`smartcity.concerns.open311.queries.public_requests`."""
    lat, lon = concern.public_location
    return {
        "service_request_id": concern.service_request_id,
        "status": concern.open311_status,
        "status_notes": concern.status_note or None,
        "service_name": concern.category.name,
        "service_code": concern.category.service_code,
        "description": concern.public_description or None,
        "agency_responsible": agency_responsible(concern),
        "service_notice": service_notice(concern),
        "requested_datetime": w3c(concern.submitted_at),
        "updated_datetime": w3c(concern.updated_at),
        "expected_datetime": w3c(concern.due_at),
        "address": concern.public_address or None,
        "lat": lat,
        "long": lon,
        "media_url": media_url(request, concern),
    }


def _describe(event: ConcernEvent) -> str:
    """The entry as the concern's page shows it: what happened, then its public note."""
    summary = public_summary(event)
    return f"{summary}\n\n{event.text}" if event.text else summary


def request_update(event: ConcernEvent) -> dict:
    """One public history entry (status-update extension, after FixMyStreet's
    ``servicerequestupdates``); ``status`` is the concern's status right after it."""
    return {
        "update_id": str(event.pk),
        "service_request_id": event.concern.service_request_id,
        "status": workflow.open311_status(event.state_then or workflow.SUBMITTED),
        "updated_datetime": w3c(event.created_at),
        "description": _describe(event),
        "media_url": None,
    }


SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API last changed; move it on with every change clients should notice.
CHANGESET = datetime(2026, 11, 26, tzinfo=UTC)


def discovery(base_url: str) -> dict:
    """The service discovery document, with this endpoint's extensions."""
    extensions = [
        {
            "name": "paging",
            "description": _(
                "GET requests and servicerequestupdates: page (from 1) and page_size "
                '(1 to 1000, default 1000). A Link header with rel="next" names the next '
                "page while there is one."
            ),
        },
        {
            "name": "updated_after",
            "description": _(
                "GET requests and servicerequestupdates: only what changed after this "
                "date and time (W3C, with time zone), oldest change first. Without "
                "start_date and end_date no 90-day window applies then."
            ),
        },
        {
            "name": "media_upload",
            "description": _(
                "POST requests as multipart/form-data: up to 3 photos (JPEG, PNG or "
                "WebP) in files named media. Their metadata (GPS included) is removed. "
                "media_url is not accepted."
            ),
        },
        {
            "name": "servicerequestupdates",
            "description": _(
                "GET servicerequestupdates.json or .xml: the public history of published "
                "requests (update_id, service_request_id, status, updated_datetime, "
                "description), oldest first; filters service_request_id, start_date and "
                "end_date (at most 90 days, by default the last 90 days), updated_after "
                "and paging."
            ),
            "url": f"{base_url}servicerequestupdates.json",
        },
    ]
    return {
        "changeset": w3c(CHANGESET),
        "contact": _("Questions about this API: %(email)s")
        % {"email": settings.DEFAULT_FROM_EMAIL},
        "key_service": _(
            "Reading needs no key. Partner apps that create requests get an API key from "
            "the platform administrators (%(email)s)."
        )
        % {"email": settings.DEFAULT_FROM_EMAIL},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url.rstrip("/"),
                "changeset": w3c(CHANGESET),
                "type": "production" if settings.PRODUCTION else "test",
                "formats": [CONTENT_TYPES[XML].split(";")[0], CONTENT_TYPES[JSON].split(";")[0]],
                "extensions": extensions,
            }
        ],
    }
