"""System checks for the Web Push set-up: keys and subject that are given must be valid.

Keys that are not given are no error: Web Push is optional, and without keys the settings
page says so and the key endpoint answers 503.
"""

import re

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

# RFC 8292 section 2.1: the "sub" claim is a mailto: or https: URI to contact the sender.
_SUBJECT = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$")


@register()
def vapid_settings(app_configs, **kwargs):
    from smartcity.core.notifications.vapid import checked, vapid_subject
    from smartcity.core.notifications.webpush import VapidKeyPair

    problems = []
    if not _SUBJECT.match(vapid_subject()):
        problems.append(
            Error(
                "VAPID_SUBJECT must be a mailto: or https: URI (RFC 8292).",
                id="notifications.E001",
            )
        )
    if settings.VAPID_PRIVATE_KEY or settings.VAPID_PUBLIC_KEY:
        try:
            if not settings.VAPID_PRIVATE_KEY:
                raise ImproperlyConfigured("VAPID_PUBLIC_KEY is set but VAPID_PRIVATE_KEY is not")
            checked(
                VapidKeyPair(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY),
                "VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY",
            )
        except ImproperlyConfigured as exc:
            problems.append(Error(str(exc), id="notifications.E002"))
    return problems
