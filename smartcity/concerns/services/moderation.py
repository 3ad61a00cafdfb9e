"""Moderation and retention: publishing after review or after a delay without objection,
hiding text, photos or the address, and erasing contact data after closing (DSGVO)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from smartcity.concerns import workflow
from smartcity.concerns.models import Concern, ConcernEvent
from smartcity.concerns.services import notifying
from smartcity.concerns.services._common import clean_note, lock, record, setting
from smartcity.core.audit import registry as audit
from smartcity.core.audit.context import acting_as
from smartcity.core.audit.models import AuditEntry
from smartcity.core.permissions import require

Kind = ConcernEvent.Kind
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
HIDING_FLAGS = {
    "text": "text_hidden",
    "photos": "photos_hidden",
    "personal_data": "personal_data_hidden",
}


def _publish(concern: Concern, actor, now) -> None:
    concern.published_at = now
    concern.publication_withheld = False
    concern.save(update_fields=["published_at", "publication_withheld", "updated_at"])
    record(
        concern,
        Kind.MODERATION,
        actor,
        data={"action": "published" if actor else "published_after_delay"},
    )
    notifying.tell_area_followers(concern)


def publish(concern: Concern, actor):
    """Make the concern public after review (responsible staff)."""
    require(actor, "change", concern)
    with transaction.atomic(), acting_as(actor):
        concern = lock(concern)
        if not concern.is_published:
            _publish(concern, actor, timezone.now())
    return concern


def withhold(concern: Concern, actor, reason: str):
    """Object to publication: the concern leaves the public and is never published
    automatically; ``reason`` is an internal note."""
    require(actor, "change", concern)
    reason = clean_note(reason, required=True, field="reason")
    with transaction.atomic(), acting_as(actor):
        concern = lock(concern)
        concern.published_at = None
        concern.publication_withheld = True
        concern.save()
        record(concern, Kind.MODERATION, actor, text=reason, data={"action": "withheld"})
    return concern


def hide(concern: Concern, actor, *, text=None, photos=None, personal_data=None):
    """Hide (True) or show again (False) the description, the photos or the address and
    exact location from the public; None leaves a flag as it is."""
    require(actor, "change", concern)
    wanted = {"text": text, "photos": photos, "personal_data": personal_data}
    with transaction.atomic(), acting_as(actor):
        concern = lock(concern)
        changed = {}
        for name, value in wanted.items():
            field = HIDING_FLAGS[name]
            if value is not None and getattr(concern, field) != bool(value):
                setattr(concern, field, bool(value))
                changed[field] = bool(value)
        if changed:
            concern.save()
            record(concern, Kind.MODERATION, actor, data={"action": "hidden"} | changed)
    return concern


def publish_due(now=None) -> int:
    """Publish concerns waiting ``CONCERNS_PUBLISH_DELAY_HOURS`` without objection (0: only
    after review). Withheld and rejected concerns are not published; returns how many were."""
    hours = setting("CONCERNS_PUBLISH_DELAY_HOURS")
    if hours <= 0:
        return 0
    now = now or timezone.now()
    waiting = (
        Concern.objects.filter(
            published_at__isnull=True,
            publication_withheld=False,
            submitted_at__lte=now - timedelta(hours=hours),
        )
        .exclude(state=workflow.REJECTED)
        .select_related("category", "area")
    )
    published = 0
    for concern in waiting:
        with transaction.atomic():
            _publish(concern, None, now)
        published += 1
    return published


def erase_contact(concern: Concern, why: str, now=None) -> None:
    """Wipe the contact data and record it: in the history and, as a system write, in the
    audit log (which shows that the values changed, never the values)."""
    now = now or timezone.now()
    before = {field: audit.MASKED for field in CONTACT_FIELDS if getattr(concern, field)}
    for field in CONTACT_FIELDS:
        setattr(concern, field, "")
    concern.idempotency_key = ""
    concern.anonymised_at = now
    concern.save(update_fields=[*CONTACT_FIELDS, "idempotency_key", "anonymised_at"])
    if not before:
        return
    record(concern, Kind.ANONYMISATION, None, data={"why": why}, created_at=now)
    audit.record(
        AuditEntry.Action.UPDATE,
        concern,
        before,
        dict.fromkeys(before, audit.MASKED_CHANGED),
        actor_label="system",
    )


def anonymise_closed(now=None) -> int:
    """Erase contact data ``CONCERNS_ANONYMISE_AFTER_DAYS`` after closing; returns how many
    concerns were anonymised."""
    now = now or timezone.now()
    due = Concern.objects.filter(
        state__in=workflow.CLOSED_STATES,
        closed_at__lte=now - timedelta(days=setting("CONCERNS_ANONYMISE_AFTER_DAYS")),
        anonymised_at__isnull=True,
    )
    count = 0
    for concern in due:
        with transaction.atomic():
            erase_contact(concern, "retention", now)
        count += 1
    return count
