"""Open311 API keys of partner apps and the tokens their new requests are answered with.

Imported at the bottom of ``smartcity.concerns.models``, so the models belong to the
``concerns`` app and its migrations.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smartcity.core.tokens import HashedSecret


class ApiKey(HashedSecret):
    """A partner app's key for creating service requests (GeoReport v2 ``api_key``).

    Only a SHA-256 hash of the secret is stored (see ``smartcity.core.tokens``); the
    secret is shown once, when the key is issued.
    """

    name = models.CharField(
        _("name"), max_length=120, help_text=_("The partner app the key is for.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at", "-pk"]


class RequestToken(models.Model):
    """The answer to an Open311 POST: concerns are public only after review, so the
    partner app gets a token, which ``tokens/{token}`` resolves to the
    ``service_request_id`` once the concern is published."""

    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    concern = models.OneToOneField(
        "concerns.Concern",
        verbose_name=_("concern"),
        on_delete=models.CASCADE,
        related_name="open311_token",
    )
    # Which partner app sent the concern; kept when the key is revoked.
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("API key"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="request_tokens",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request token")
        verbose_name_plural = _("Open311 request tokens")

    def __str__(self):
        return self.token
