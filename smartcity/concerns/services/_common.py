"""Helpers the concern use cases share: locking, history entries, notes, reasons, settings."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from smartcity.concerns.models import NOTE_MAX_LENGTH, Concern, ConcernEvent, State
from smartcity.concerns.reasons import Reason
from smartcity.core import events
from smartcity.core.permissions import is_member_of

CREATED = "concerns.concern.created"
STATE_CHANGED = "concerns.concern.state_changed"


@dataclass(frozen=True)
class Contact:
    """How the department may reach the reporter; never public."""

    name: str = ""
    email: str = ""
    phone: str = ""


def setting(name: str) -> int:
    return getattr(settings, name)


def reason_text(reason: Reason) -> str:
    """A pure module's reason in the reader's language, states by their labels."""
    params = {
        name: State(value).label if name.endswith("_state") and value in State.values else value
        for name, value in reason.params.items()
    }
    return _(reason.text) % params if params else _(reason.text)


def lock(concern: Concern) -> Concern:
    """The concern, fresh from the database and locked until the transaction ends."""
    return (
        Concern.objects.select_for_update(of=("self",))
        .select_related("category", "organisation")
        .get(pk=concern.pk)
    )


def clean_note(text, *, required: bool, field: str = "note") -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field: _("Please write a note.")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {field: _("A note may be at most %(max)d characters long.") % {"max": NOTE_MAX_LENGTH}}
        )
    return text


def record(concern: Concern, kind: str, actor, **fields) -> ConcernEvent:
    """Add a history entry; it names the responsible department when its staff acted."""
    acting_for = concern.organisation if is_member_of(actor, concern.organisation_id) else None
    return ConcernEvent.objects.create(
        concern=concern, kind=kind, actor=actor, organisation=acting_for, **fields
    )


def announce(event_type: str, concern: Concern, **extra) -> None:
    """Tell other apps through the event bus; no personal data travels."""
    events.publish(
        event_type,
        {
            "concern_id": concern.pk,
            "service_request_id": concern.service_request_id,
            "service_code": concern.category.service_code,
            "state": concern.state,
            "organisation_id": concern.organisation_id,
            "area_id": concern.area_id,
        }
        | extra,
    )
