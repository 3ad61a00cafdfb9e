"""Secrets for machine access (personal API tokens, sensor tokens, Open311 keys).

Only a SHA-256 hash is stored: a token has 256 bits of entropy, so a fast hash is enough
and lets every request look its token up by index.
"""

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class HashedSecretQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def issue_secret(self, secret_prefix: str, **fields) -> tuple["HashedSecret", str]:
        """Create a credential with ``fields``; returns it with its secret, which is shown
        once and never stored."""
        raw = new_secret(secret_prefix)
        return self.create(prefix=raw[:10], key_hash=hash_secret(raw), **fields), raw


class HashedSecret(models.Model):
    """What every machine credential keeps (personal API tokens, sensor tokens, Open311
    keys): the first characters to recognise it by, the hash, and its use."""

    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = HashedSecretQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
