"""Who may read and write sensor data.

Reading is public for every Thing that is not private; private Things (the hospital's
meters) are visible to members of their organisation and platform admins. Writing needs a
SensorToken (``Authorization: Bearer TOKEN`` or HTTP Basic with the token as password,
what FROST clients and most data loggers send) or a logged-in member of the Thing's
organisation.
"""

import base64
import binascii

from django.db.models import Q
from django.utils import timezone

from smartcity.core.permissions import (
    is_member_of,
    is_platform_admin,
    is_staff_member,
    organisation_ids,
)
from smartcity.core.tokens import hash_secret
from smartcity.sensors.models import SensorToken, Thing

TOKEN_PREFIX = "st_"  # noqa: S105 - a public prefix, not a secret


def issue_token(name: str, *, organisation=None, thing=None, created_by=None):
    """Create a token; returns (token, secret). The secret is shown once, never stored."""
    return SensorToken.objects.issue_secret(
        TOKEN_PREFIX, name=name, organisation=organisation, thing=thing, created_by=created_by
    )


def revoke_token(token: SensorToken) -> None:
    token.revoke()


def _secret_from_header(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip() or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        _user, _, password = decoded.partition(":")
        return password or None
    return None


def token_from_request(request) -> SensorToken | None:
    """The active SensorToken the request carries, or None."""
    secret = _secret_from_header(request.META.get("HTTP_AUTHORIZATION", ""))
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = SensorToken.objects.active().filter(key_hash=hash_secret(secret)).first()
    if token is not None:
        SensorToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def visible_things_filter(user) -> Q:
    """A filter on Thing: what ``user`` (maybe anonymous) may read."""
    if is_platform_admin(user):
        return Q()
    members_of = organisation_ids(user)
    return Q(is_private=False) | Q(organisation_id__in=members_of)


def may_read(user, thing: Thing) -> bool:
    return Thing.objects.filter(visible_things_filter(user), pk=thing.pk).exists()


def may_write(user, token: SensorToken | None, thing: Thing | None) -> bool:
    """Token holders within their scope, members of the Thing's organisation, platform admins."""
    if token is not None:
        return token.may_write(thing)
    if is_platform_admin(user):
        return True
    if thing is None:
        return is_staff_member(user)
    return is_member_of(user, thing.organisation_id)
