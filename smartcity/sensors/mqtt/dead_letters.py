"""Staff use cases on the MQTT dead letters: list, read, delete (``docs/sensors-mqtt.md``).

**Platform admins only.** A dead letter is a raw message as it reached the broker, and it
belongs to no department: a message that could not be read names no Thing at all, and one
that was refused may name a private Thing (the hospital's meters) or another department's
stream. Its payload is the sensor's reading and whatever else the sender put in it (a
misconfigured logger may put its credentials there), and its reason tells which streams and
tokens exist. The per-department visibility of the SensorThings API cannot be applied to
what was never stored, so only those who see every department's data may read them.

Deletions are audited. Dead letters are not audit-registered (the consumer's own purge
after 30 days is no staff write, and a signal per deleted row would slow it down), so these
use cases write the entries: one per deleted letter, without its payload, and one for a
deletion of everything older than a number of days.
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcity.core.audit import registry as audit
from smartcity.core.audit.context import acting_as, current_request_path
from smartcity.core.audit.models import AuditEntry
from smartcity.core.permissions import is_platform_admin
from smartcity.sensors.mqtt.models import DeadLetter

# The payload stays out of the audit log: up to 64 kB of someone's message, kept no longer
# than the dead letter itself.
_NOT_AUDITED = ("payload",)


def may_manage(user) -> bool:
    return is_platform_admin(user)


def _require(user) -> None:
    if not may_manage(user):
        raise PermissionDenied(_("Only platform administrators may see MQTT dead letters."))


def dead_letters(user, *, reason: str = ""):
    """Dead letters, newest first; ``reason`` keeps those whose reason contains it
    (case-insensitive)."""
    _require(user)
    letters = DeadLetter.objects.order_by("-received_at", "-pk")
    return letters.filter(reason__icontains=reason) if reason else letters


def dead_letter(user, pk: int) -> DeadLetter | None:
    _require(user)
    return DeadLetter.objects.filter(pk=pk).first()


def delete(user, letter: DeadLetter) -> None:
    _require(user)
    before = audit.snapshot(letter, exclude=_NOT_AUDITED)
    with transaction.atomic(), acting_as(user):
        audit.record(AuditEntry.Action.DELETE, letter, before, None, actor=user)
        letter.delete()


def delete_older_than(user, days: int, *, now=None) -> int:
    """Delete every dead letter received more than ``days`` days ago (0: all of them);
    returns how many."""
    _require(user)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic(), acting_as(user):
        count, _detail = DeadLetter.objects.filter(received_at__lt=cutoff).delete()
        if count:
            # One entry for the whole deletion; audit.record wants a single object.
            AuditEntry.objects.create(
                actor=user,
                actor_label=user.email,
                action=AuditEntry.Action.DELETE,
                content_type=ContentType.objects.get_for_model(DeadLetter),
                object_id=f"received<{cutoff:%Y-%m-%dT%H:%M:%SZ}",
                object_repr=f"{count} MQTT dead letters received before {cutoff:%Y-%m-%d %H:%M}",
                before={"deleted": count, "received_before": cutoff.isoformat()},
                after=None,
                request_path=current_request_path(),
            )
    return count
