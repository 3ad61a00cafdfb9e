"""Notification use cases: the interface every app uses to reach its users.

``notify(user, topic, title, body, url)`` stores the message in the user's in-app inbox and
queues one background task per further channel the user has on for that topic: an e-mail,
and a Web Push message to each browser the user enabled. Titles and bodies given as lazy
translations (``gettext_lazy``, ``format_lazy``) are stored in each recipient's language.
"""

import json
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db import DatabaseBackend

from smartcity.core.notifications import tasks, webpush
from smartcity.core.notifications.models import (
    TITLE_MAX_LENGTH,
    URL_MAX_LENGTH,
    ChannelPreference,
    Delivery,
    Notification,
    PushSubscription,
)
from smartcity.core.notifications.topics import (
    CHANNELS,
    EMAIL,
    INAPP,
    OPTIONAL_CHANNELS,
    WEBPUSH,
    Topic,
    all_topics,
    check_channels,
    get_topic,
    register_topic,
)
from smartcity.core.permissions import is_city_staff

__all__ = [
    "ALL",
    "CHANNELS",
    "EMAIL",
    "INAPP",
    "MAX_SUBSCRIPTIONS_PER_USER",
    "WEBPUSH",
    "all_topics",
    "inbox",
    "mark_read",
    "notify",
    "notify_many",
    "preferences",
    "register_topic",
    "remove_subscription",
    "set_preference",
    "subscribe_push",
    "topics_for",
    "unread_count",
    "unsubscribe_push",
]

ALL = "all"
MAX_SUBSCRIPTIONS_PER_USER = 20


def _check_url(url: str) -> str:
    """A site path or an http(s) URL; anything else (javascript:, //host) could mislead."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > URL_MAX_LENGTH:
        raise ValueError(_("The link is longer than %(max)d characters.") % {"max": URL_MAX_LENGTH})
    if url.startswith("/") and not url.startswith("//"):
        return url
    if url.startswith(("https://", "http://")):
        return url
    raise ValueError(_("The link must be a path on this site (/…) or an http(s):// URL."))


def _title(value) -> str:
    text = " ".join(str(value).split())
    if not text:
        raise ValueError(_("A notification needs a title."))
    if len(text) > TITLE_MAX_LENGTH:
        text = text[: TITLE_MAX_LENGTH - 1].rstrip() + "…"
    return text


def _choice(topic: Topic, channel: str, explicit: bool | None, has_subscription: bool) -> bool:
    if channel == INAPP:
        return True
    if explicit is not None:
        return explicit
    if channel == WEBPUSH:
        return WEBPUSH in topic.default_channels and has_subscription
    return channel in topic.default_channels


def _enqueue(task, delivery_id: int) -> None:
    # The database queue writes its job in the caller's transaction and the inline backend runs
    # at once; a queue outside the database (Redis) must wait for the commit, or a worker could
    # look for a delivery row that is not there yet.
    if isinstance(task.get_backend(), ImmediateBackend | DatabaseBackend):
        task.enqueue(delivery_id)
    else:
        transaction.on_commit(lambda: task.enqueue(delivery_id))


def notify(user, topic: str, title, body, url: str = "", *, channels=None) -> Notification:
    """Send one message to one user; see :func:`notify_many`."""
    return notify_many([user], topic, title, body, url, channels=channels)[0]


def notify_many(users, topic: str, title, body, url: str = "", *, channels=None):
    """Send the same message to several users; returns their notifications in order.

    ``topic`` must be registered (:func:`register_topic`). ``url`` is a path on this site or an
    http(s) URL. ``channels`` narrows the channels used (it never overrides a user's choice);
    the in-app message is always stored. Inactive accounts get only the in-app message.
    Titles longer than 200 characters are shortened with an ellipsis.
    """
    topic_obj = get_topic(topic)
    wanted = check_channels(CHANNELS if channels is None else channels)
    url = _check_url(url)
    if not str(title).strip():
        raise ValueError(_("A notification needs a title."))
    recipients = list({user.pk: user for user in users}.values())
    if not recipients:
        return []
    ids = [user.pk for user in recipients]
    explicit = {
        (user_id, channel): enabled
        for user_id, channel, enabled in ChannelPreference.objects.filter(
            user_id__in=ids, topic=topic
        ).values_list("user_id", "channel", "enabled")
    }
    subscriptions = defaultdict(list)
    if WEBPUSH in wanted:
        for subscription in PushSubscription.objects.filter(user_id__in=ids):
            subscriptions[subscription.user_id].append(subscription)

    with transaction.atomic():
        notifications = []
        for user in recipients:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                notifications.append(
                    Notification(
                        recipient=user,
                        topic=topic,
                        title=_title(title),
                        body=str(body or ""),
                        url=url,
                    )
                )
        Notification.objects.bulk_create(notifications)
        deliveries = []
        for notification, user in zip(notifications, recipients, strict=True):
            if not user.is_active:
                continue
            browsers = subscriptions.get(user.pk, [])
            email_on = _choice(topic_obj, EMAIL, explicit.get((user.pk, EMAIL)), bool(browsers))
            if EMAIL in wanted and user.email and email_on:
                deliveries.append(Delivery(notification=notification, channel=EMAIL))
            if browsers and _choice(topic_obj, WEBPUSH, explicit.get((user.pk, WEBPUSH)), True):
                deliveries.extend(
                    Delivery(notification=notification, channel=WEBPUSH, subscription=browser)
                    for browser in browsers
                )
        Delivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            task = (
                tasks.send_email_notification if delivery.channel == EMAIL else tasks.send_web_push
            )
            _enqueue(task, delivery.pk)
    return notifications


def inbox(user, *, unread_only: bool = False):
    """The user's messages, newest first."""
    messages = Notification.objects.filter(recipient=user)
    return messages.filter(read_at__isnull=True) if unread_only else messages


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, ids) -> int:
    """Mark the user's messages ``ids`` (or ``ALL``) read; returns how many changed.

    Ids of other users' messages change nothing.
    """
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids != ALL:
        if isinstance(ids, str | bytes):
            raise ValueError(f"ids must be message ids or {ALL!r}")
        ids = list(ids)
        if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in ids):
            raise ValueError("Message ids must be integers.")
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def preferences(user) -> dict[str, dict[str, bool]]:
    """Topic slug -> channel -> on/off, for every registered topic (in-app always on)."""
    explicit = {
        (topic, channel): enabled
        for topic, channel, enabled in ChannelPreference.objects.filter(user=user).values_list(
            "topic", "channel", "enabled"
        )
    }
    has_subscription = PushSubscription.objects.filter(user=user).exists()
    return {
        topic.slug: {
            channel: _choice(topic, channel, explicit.get((topic.slug, channel)), has_subscription)
            for channel in CHANNELS
        }
        for topic in topics_for(user)
    }


def topics_for(user) -> list:
    """The topics ``user`` can receive: staff-only topics for organisation members and admins."""
    staff = is_city_staff(user)
    return all_topics(include_staff_only=staff)


def set_preference(user, topic: str, channel: str, enabled: bool) -> None:
    """Switch one channel of one topic on or off for ``user``.

    Only choices that differ from the topic's default are stored, so a user who never chose
    gets Web Push as soon as they enable it in a browser.
    """
    topic_obj = get_topic(topic)
    check_channels([channel])
    if channel == INAPP:
        if not enabled:
            raise ValueError(_("In-app messages cannot be switched off."))
        return
    has_subscription = PushSubscription.objects.filter(user=user).exists()
    if bool(enabled) == _choice(topic_obj, channel, None, has_subscription):
        ChannelPreference.objects.filter(user=user, topic=topic, channel=channel).delete()
    else:
        ChannelPreference.objects.update_or_create(
            user=user, topic=topic, channel=channel, defaults={"enabled": bool(enabled)}
        )


@transaction.atomic
def set_preferences(user, choices: dict[tuple[str, str], bool]) -> None:
    """Several :func:`set_preference` calls at once, for the settings page."""
    for (topic, channel), enabled in choices.items():
        if channel in OPTIONAL_CHANNELS:
            set_preference(user, topic, channel, enabled)


def _parse_subscription(subscription_json) -> tuple[str, str, str]:
    if isinstance(subscription_json, str | bytes):
        try:
            subscription_json = json.loads(subscription_json)
        except ValueError:
            raise ValueError(_("The subscription is not valid JSON.")) from None
    if not isinstance(subscription_json, dict):
        raise ValueError(_("The subscription must be a JSON object (PushSubscription.toJSON())."))
    keys = subscription_json.get("keys")
    if not isinstance(keys, dict) or not keys.get("p256dh") or not keys.get("auth"):
        raise ValueError(_("The subscription needs keys.p256dh and keys.auth."))
    endpoint, p256dh, auth = subscription_json.get("endpoint"), keys["p256dh"], keys["auth"]
    webpush.check_endpoint(endpoint, allow_loopback=not settings.PRODUCTION)
    webpush.check_keys(p256dh, auth)
    return endpoint, p256dh, auth


def subscribe_push(user, subscription_json, user_agent: str = "") -> PushSubscription:
    """Store a browser's PushSubscription.toJSON() for ``user``; ValueError says what is wrong.

    Plain http endpoints are accepted only on this machine (127.0.0.1, localhost) outside
    production. An endpoint already known is taken over by ``user``: whoever is logged in
    in that browser now receives its messages.
    """
    endpoint, p256dh, auth = _parse_subscription(subscription_json)
    others = PushSubscription.objects.filter(user=user).exclude(endpoint=endpoint)
    if others.count() >= MAX_SUBSCRIPTIONS_PER_USER:
        raise ValueError(
            _(
                "Push notifications are enabled in %(count)d browsers already; remove one in "
                "your notification settings first."
            )
            % {"count": MAX_SUBSCRIPTIONS_PER_USER}
        )
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": "".join(ch for ch in user_agent or "" if ch.isprintable())[:300],
            "failure_count": 0,
        },
    )
    return subscription


def unsubscribe_push(user, endpoint: str) -> bool:
    """Forget the user's subscription for ``endpoint``; False if there was none."""
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


def remove_subscription(user, subscription_id: int) -> bool:
    deleted, _ = PushSubscription.objects.filter(user=user, pk=subscription_id).delete()
    return bool(deleted)


def export_user_data(user) -> dict:
    """DSGVO export section: messages, explicit channel choices, browsers (endpoints only)."""
    return {
        "messages": [
            {
                "topic": n.topic,
                "title": n.title,
                "body": n.body,
                "url": n.url,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
            }
            for n in Notification.objects.filter(recipient=user)
        ],
        "preferences": [
            {"topic": p.topic, "channel": p.channel, "enabled": p.enabled}
            for p in ChannelPreference.objects.filter(user=user).order_by("topic", "channel")
        ],
        "push_subscriptions": [
            {
                "endpoint": s.endpoint,
                "browser": s.user_agent,
                "created_at": s.created_at.isoformat(),
                "last_success_at": s.last_success_at.isoformat() if s.last_success_at else None,
            }
            for s in PushSubscription.objects.filter(user=user)
        ],
    }
