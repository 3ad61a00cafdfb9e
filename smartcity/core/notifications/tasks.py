"""Background delivery of notifications: one task per e-mail and per browser.

A task takes the id of a queued :class:`Delivery`, sends it once and records the outcome on
that row (sent, failed with the error, or gone for a push subscription the push service no
longer knows). A delivery that is no longer queued is left alone, so a task that runs twice
sends nothing twice.
"""

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from smartcity.core.notifications import webpush
from smartcity.core.notifications.models import Delivery, PushSubscription
from smartcity.core.notifications.topics import EMAIL, WEBPUSH, get_topic
from smartcity.core.notifications.vapid import vapid_keys, vapid_subject

logger = logging.getLogger(__name__)

# RFC 8030 section 5.2: how long a push service keeps a message for a device that is offline.
PUSH_TTL_S = 24 * 3600
PUSH_TIMEOUT_S = 15.0


def _queued(delivery_id: int, channel: str) -> Delivery | None:
    delivery = (
        Delivery.objects.select_related("notification__recipient", "subscription")
        .filter(pk=delivery_id, channel=channel)
        .first()
    )
    if delivery is None:
        # The notification went with its recipient's account before the worker got to it.
        logger.info("%s delivery %s no longer exists", channel, delivery_id)
        return None
    if delivery.status != Delivery.Status.QUEUED:
        return None
    return delivery


def _finish(delivery: Delivery, status: str, error: str = "") -> str:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, error=error, attempted_at=timezone.now()
    )
    return status


def absolute_url(path_or_url: str) -> str:
    if path_or_url.startswith("/"):
        return settings.SITE_URL.rstrip("/") + path_or_url
    return path_or_url


def render_email(notification) -> EmailMessage:
    """The e-mail for one notification, in its recipient's language."""
    recipient = notification.recipient
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            topic_label = str(get_topic(notification.topic).label)
        except ValueError:
            topic_label = notification.topic
        context = {
            "notification": notification,
            "topic_label": topic_label,
            "link": absolute_url(notification.url) if notification.url else "",
            "inbox_link": absolute_url(reverse("notifications:inbox")),
            "settings_link": absolute_url(reverse("notifications:settings")),
        }
        subject = render_to_string("notifications/email/subject.txt", context)
        body = render_to_string("notifications/email/body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Content-Language": language,
            # RFC 3834: tells mail servers and vacation responders not to answer it.
            "Auto-Submitted": "auto-generated",
        },
    )


@task()
def send_email_notification(delivery_id: int) -> str:
    delivery = _queued(delivery_id, EMAIL)
    if delivery is None:
        return "skipped"
    try:
        render_email(delivery.notification).send(fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        logger.warning("e-mail delivery %s failed: %s", delivery.pk, exc)
        return _finish(delivery, Delivery.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
    return _finish(delivery, Delivery.Status.SENT)


def push_payload(notification) -> bytes:
    """The JSON the service worker shows; opening it marks the message read."""
    return webpush.fit_payload(
        {
            "title": notification.title,
            "body": notification.body,
            "url": reverse("notifications:open", args=[notification.pk]),
            "tag": f"notification-{notification.pk}",
            "topic": notification.topic,
            "lang": notification.recipient.language or settings.LANGUAGE_CODE,
        }
    )


def deliver_push(subscription: PushSubscription, data: bytes) -> webpush.PushResult:
    """Send prepared payload bytes to one browser with the platform's VAPID key."""
    keys = vapid_keys()
    return webpush.send(
        subscription.as_webpush_info(),
        data,
        vapid=webpush.load_vapid(keys.private_key),
        subject=vapid_subject(),
        ttl_s=PUSH_TTL_S,
        timeout_s=PUSH_TIMEOUT_S,
    )


@task()
def send_web_push(delivery_id: int) -> str:
    delivery = _queued(delivery_id, WEBPUSH)
    if delivery is None:
        return "skipped"
    subscription = delivery.subscription
    if subscription is None:
        return _finish(delivery, Delivery.Status.GONE, "The browser was unsubscribed.")
    try:
        result = deliver_push(subscription, push_payload(delivery.notification))
    except (ValueError, ImproperlyConfigured) as exc:
        logger.error("web push delivery %s not sent: %s", delivery.pk, exc)
        return _finish(delivery, Delivery.Status.FAILED, str(exc)[:2000])
    if result.status == "sent":
        PushSubscription.objects.filter(pk=subscription.pk).update(
            last_success_at=timezone.now(), failure_count=0
        )
        return _finish(delivery, Delivery.Status.SENT)
    if result.status == "gone":
        # RFC 8030 section 7.3: the subscription has expired or was withdrawn for good.
        subscription.delete()
        return _finish(delivery, Delivery.Status.GONE, result.error)
    PushSubscription.objects.filter(pk=subscription.pk).update(failure_count=F("failure_count") + 1)
    logger.warning("web push delivery %s failed: %s", delivery.pk, result.error)
    return _finish(delivery, Delivery.Status.FAILED, result.error)
