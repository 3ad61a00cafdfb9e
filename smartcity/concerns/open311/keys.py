"""Open311 API keys: issued to partner apps by platform admins, revoked by them.

A key is needed to create service requests only; reading is open to everyone. Issuing
and revoking by a platform admin land in the audit log (the model is registered there).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcity.concerns.open311.models import ApiKey
from smartcity.core.audit.context import acting_as
from smartcity.core.permissions import is_platform_admin
from smartcity.core.tokens import hash_secret

KEY_PREFIX = "o311_"


def _require_platform_admin(user) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied(_("Only platform administrators manage Open311 API keys."))


def issue_key(name: str, *, created_by=None) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown once and never stored. ``created_by``
    None means the command line; otherwise it must be a platform admin."""
    if created_by is not None:
        _require_platform_admin(created_by)
    name = " ".join(str(name or "").split())
    limit = ApiKey._meta.get_field("name").max_length
    if not name or len(name) > limit:
        raise ValidationError(
            {"name": _("Name the partner app in 1 to %(max)d characters.") % {"max": limit}}
        )
    with acting_as(created_by):
        return ApiKey.objects.issue_secret(KEY_PREFIX, name=name, created_by=created_by)


def revoke_key(user, key: ApiKey) -> ApiKey:
    """Revoke ``key``; requests sent with it are refused from now on."""
    _require_platform_admin(user)
    if key.revoked_at is not None:
        raise ValidationError(_("This key is revoked already."))
    with acting_as(user):
        key.revoke()
    return key


def manageable_keys(user):
    """Every key, newest first, for platform admins."""
    _require_platform_admin(user)
    return ApiKey.objects.select_related("created_by")


def key_for(secret: str) -> ApiKey | None:
    """The active key with this secret, or None; notes when it was last used."""
    secret = str(secret or "").strip()
    if not secret.startswith(KEY_PREFIX):
        return None
    key = ApiKey.objects.active().filter(key_hash=hash_secret(secret)).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
