"""The sensor backbone's face for other apps: readings without HTTP.

Other apps (flood twin, traffic, sports park, energy) read sensor data only through these
functions (ARCHITECTURE section 2) and react to alerts through the event bus
(``sensors.alert.opened`` / ``.acknowledged`` / ``.closed``).

``latest(datastream_ids)``
    ``{id: Reading(time, value)}``, the newest numeric value of each Datastream.
``window(datastream_id, start, end, *, limit=1000)``
    The raw values of a time range.
``aggregate(datastream_id, start, end, *, interval="hour", functions=...)``
    Min, max, mean, count and sum per interval, served from the hourly and daily buckets.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from smartcity.core.accounts.models import Organisation
from smartcity.core.audit import registry as audit
from smartcity.core.audit.context import acting_as
from smartcity.core.audit.models import AuditEntry
from smartcity.core.permissions import is_platform_admin, organisation_ids
from smartcity.sensors import access
from smartcity.sensors.access import visible_things_filter
from smartcity.sensors.models import Datastream, SensorToken, Thing
from smartcity.sensors.timeseries.services import aggregate, latest, window

__all__ = [
    "aggregate",
    "issue_token",
    "latest",
    "manageable_organisations",
    "manageable_things",
    "manageable_tokens",
    "readable_datastreams",
    "revoke_token",
    "update_thing",
    "window",
]

# Staff use cases: Things and sensor tokens. Neither model is audit-registered (the
# SensorThings API records its writes itself), so these write their audit entries.


def manageable_organisations(user):
    """Organisations whose sensors ``user`` manages: their own; all for platform admins."""
    if is_platform_admin(user):
        return Organisation.objects.order_by("name")
    return Organisation.objects.filter(pk__in=organisation_ids(user)).order_by("name")


def manageable_things(user):
    """Things ``user`` may edit and issue tokens for: their organisations' (all for admins)."""
    things = Thing.objects.select_related("organisation").order_by("name", "pk")
    if is_platform_admin(user):
        return things
    return things.filter(organisation_id__in=organisation_ids(user))


def manageable_tokens(user):
    """Sensor tokens ``user`` may see and revoke; platform-wide ones only for admins."""
    tokens = SensorToken.objects.select_related("organisation", "thing", "created_by")
    if is_platform_admin(user):
        return tokens
    mine = organisation_ids(user)
    return tokens.filter(Q(organisation_id__in=mine) | Q(thing__organisation_id__in=mine))


def readable_datastreams(user):
    return (
        Datastream.objects.filter(thing__in=Thing.objects.filter(visible_things_filter(user)))
        .select_related("thing", "observed_property")
        .order_by("thing__name", "name", "pk")
    )


def update_thing(user, thing: Thing) -> Thing:
    """Save the staff's changes to ``thing`` (already applied to the instance), audited."""
    if not manageable_things(user).filter(pk=thing.pk).exists():
        raise PermissionDenied(_("You may not change this thing."))
    before = audit.snapshot(Thing.objects.get(pk=thing.pk), exclude=("updated_at",))
    with transaction.atomic(), acting_as(user):
        thing.save()
        after = audit.snapshot(thing, exclude=("updated_at",))
        if after != before:
            audit.record(AuditEntry.Action.UPDATE, thing, before, after, actor=user)
    return thing


def issue_token(user, name: str, *, organisation=None, thing=None) -> tuple[SensorToken, str]:
    """Issue a sensor token for ``user`` (scope already checked by the form); audited."""
    with transaction.atomic(), acting_as(user):
        token, secret = access.issue_token(
            name, organisation=organisation, thing=thing, created_by=user
        )
        after = audit.snapshot(token, exclude=("key_hash",))
        audit.record(AuditEntry.Action.CREATE, token, None, after, actor=user)
    return token, secret


def revoke_token(user, token: SensorToken) -> None:
    """Revoke ``token`` for ``user``; it stops working at once."""
    if not manageable_tokens(user).filter(pk=token.pk).exists():
        raise PermissionDenied(_("You may not revoke this token."))
    if token.revoked_at is not None:
        raise ValidationError(_("This token is revoked already."))
    before = audit.snapshot(token, exclude=("key_hash",))
    with transaction.atomic(), acting_as(user):
        access.revoke_token(token)
        audit.record(
            AuditEntry.Action.UPDATE,
            token,
            before,
            audit.snapshot(token, exclude=("key_hash",)),
            actor=user,
        )
