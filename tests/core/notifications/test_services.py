import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from smartcity.core import permissions, privacy
from smartcity.core.notifications import services
from smartcity.core.notifications.models import (
    ChannelPreference,
    Delivery,
    Notification,
    PushSubscription,
)
from smartcity.core.notifications.topics import get_topic, register_topic
from tests.conftest import make_user

GERMAN_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def test_notify_stores_inbox_message_and_sends_email_in_german(citizen):
    citizen.language = "de"
    citizen.save()

    notification = services.notify(
        citizen, "platform", "Wartungsarbeiten", "Die Plattform ist kurz offline.", "/status/"
    )

    assert Notification.objects.get().title == "Wartungsarbeiten"
    assert services.unread_count(citizen) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["citizen@example.org"]
    assert message.subject == "[Smart City Dresden] Wartungsarbeiten"
    assert message.extra_headers["Content-Language"] == "de"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "Die Plattform ist kurz offline." in message.body
    assert "http://localhost:8000/status/" in message.body
    assert "http://localhost:8000/notifications/settings/" in message.body
    month = timezone.localtime(notification.created_at).month
    assert GERMAN_MONTHS[month - 1] in message.body  # Django's German date format
    with translation.override("de"):
        assert translation.gettext("Change your notification settings:") in message.body
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status) == ("email", "sent")
    assert delivery.attempted_at is not None


def test_email_follows_english_language_setting(citizen):
    citizen.language = "en"
    citizen.save()
    notification = services.notify(citizen, "platform", "Maintenance", "Offline tonight.")

    message = mail.outbox[0]
    assert message.extra_headers["Content-Language"] == "en"
    with translation.override("en"):
        from django.utils.formats import date_format

        expected = date_format(timezone.localtime(notification.created_at), "DATETIME_FORMAT")
    assert expected in message.body
    assert "Open:" not in message.body  # no link given, no link line


def test_lazy_title_is_stored_in_each_recipients_language(citizen, staff):
    citizen.language = "de"
    citizen.save()
    staff.language = "en"
    staff.save()
    # "January" is in Django's own catalogue, so this needs no platform translation.
    first, second = services.notify_many([citizen, staff], "platform", gettext_lazy("January"), "")
    assert first.title == "Januar"
    assert second.title == "January"
    assert len(mail.outbox) == 2


def test_switching_email_off_keeps_the_inbox_message(citizen):
    services.set_preference(citizen, "platform", "email", False)
    services.notify(citizen, "platform", "Hello", "Text")

    assert mail.outbox == []
    assert Notification.objects.filter(recipient=citizen).count() == 1
    assert not Delivery.objects.exists()
    assert services.preferences(citizen)["platform"] == {
        "inapp": True,
        "email": False,
        "webpush": False,
    }


def test_switching_back_to_the_default_removes_the_stored_choice(citizen):
    services.set_preference(citizen, "platform", "email", False)
    assert ChannelPreference.objects.count() == 1
    services.set_preference(citizen, "platform", "email", True)
    assert ChannelPreference.objects.count() == 0
    services.notify(citizen, "platform", "Hello", "Text")
    assert len(mail.outbox) == 1


def test_inapp_cannot_be_switched_off(citizen):
    with pytest.raises(ValueError, match="In-app messages cannot be switched off"):
        services.set_preference(citizen, "platform", "inapp", False)


def test_webpush_is_on_by_default_only_once_a_browser_is_subscribed(citizen, browser):
    assert services.preferences(citizen)["platform"]["webpush"] is False
    services.subscribe_push(citizen, browser.subscription_json(), "Firefox")
    assert services.preferences(citizen)["platform"]["webpush"] is True
    services.set_preference(citizen, "platform", "webpush", False)
    assert services.preferences(citizen)["platform"]["webpush"] is False


def test_topic_defaults_decide_for_users_who_did_not_choose(citizen):
    register_topic("tests.quiet", "Quiet", "Inbox only", default_channels=())
    try:
        services.notify(citizen, "tests.quiet", "Psst", "")
        assert mail.outbox == []
        services.set_preference(citizen, "tests.quiet", "email", True)
        services.notify(citizen, "tests.quiet", "Now by e-mail", "")
        assert [m.subject for m in mail.outbox] == ["[Smart City Dresden] Now by e-mail"]
    finally:
        from smartcity.core.notifications import topics

        topics._topics.pop("tests.quiet")


def test_channels_argument_narrows_but_never_overrides_a_choice(citizen, news_topic):
    services.notify(citizen, "tests.news", "Inbox only", "", channels=["inapp"])
    assert mail.outbox == []
    services.set_preference(citizen, "tests.news", "email", False)
    services.notify(citizen, "tests.news", "Wants e-mail", "", channels=["email"])
    assert mail.outbox == []
    assert Notification.objects.count() == 2


def test_notify_rejects_unknown_topic_channel_and_unsafe_links(citizen):
    with pytest.raises(ValueError, match="unknown notification topic"):
        services.notify(citizen, "no.such.topic", "Title", "")
    with pytest.raises(ValueError, match="unknown channel"):
        services.notify(citizen, "platform", "Title", "", channels=["sms"])
    with pytest.raises(ValueError, match="link must be a path"):
        services.notify(citizen, "platform", "Title", "", "javascript:alert(1)")
    with pytest.raises(ValueError, match="link must be a path"):
        services.notify(citizen, "platform", "Title", "", "//evil.example/")
    with pytest.raises(ValueError, match="needs a title"):
        services.notify(citizen, "platform", "   ", "")
    assert not Notification.objects.exists()


def test_long_titles_are_shortened(citizen):
    notification = services.notify(citizen, "platform", "A" * 300, "")
    assert len(notification.title) == 200
    assert notification.title.endswith("…")


def test_inactive_users_get_only_the_inbox_message(citizen):
    citizen.is_active = False
    citizen.save()
    services.notify(citizen, "platform", "Hello", "")
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=citizen).count() == 1


def test_notify_many_sends_once_per_user(citizen, staff):
    result = services.notify_many([citizen, staff, citizen], "platform", "Hello", "")
    assert [n.recipient for n in result] == [citizen, staff]
    assert sorted(m.to[0] for m in mail.outbox) == ["citizen@example.org", "staff@example.org"]
    assert services.notify_many([], "platform", "Nobody", "") == []


def test_mark_read_counts_and_ignores_other_users(citizen, staff):
    mine = [services.notify(citizen, "platform", f"M{i}", "") for i in range(3)]
    theirs = services.notify(staff, "platform", "Theirs", "")

    assert services.mark_read(citizen, [mine[0].pk, theirs.pk]) == 1
    assert services.unread_count(citizen) == 2
    assert services.unread_count(staff) == 1
    assert services.mark_read(citizen, services.ALL) == 2
    assert services.unread_count(citizen) == 0
    with pytest.raises(ValueError):
        services.mark_read(citizen, "everything")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"citizen@example.org": (550, b"mailbox unavailable")})


def test_email_failure_is_recorded(citizen, settings):
    settings.EMAIL_BACKEND = "tests.core.notifications.test_services.RefusingBackend"
    services.notify(citizen, "platform", "Hello", "")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert "SMTPRecipientsRefused" in delivery.error
    assert "mailbox unavailable" in delivery.error
    assert Notification.objects.count() == 1


def test_register_topic_validates():
    with pytest.raises(ValueError, match="slug"):
        register_topic("Bad Slug", "x")
    with pytest.raises(ValueError, match="unknown channel"):
        register_topic("tests.sms", "x", default_channels=["sms"])
    with pytest.raises(ValueError, match="different definition"):
        register_topic("platform", "Something else")
    assert get_topic("platform").default_channels == {"inapp", "email", "webpush"}


def test_export_and_erasure(citizen, browser):
    services.notify(citizen, "platform", "Hello", "Body", "/x/")
    services.set_preference(citizen, "platform", "email", False)
    services.subscribe_push(citizen, browser.subscription_json(), "Firefox 140")

    section = privacy.export_user_data(citizen)["sections"]["notifications"]
    assert section["messages"][0]["title"] == "Hello"
    assert section["preferences"] == [{"topic": "platform", "channel": "email", "enabled": False}]
    assert section["push_subscriptions"] == [
        {
            "endpoint": browser.endpoint,
            "browser": "Firefox 140",
            "created_at": PushSubscription.objects.get().created_at.isoformat(),
            "last_success_at": None,
        }
    ]
    assert "p256dh" not in str(section)

    privacy.erase_user(citizen)
    assert not Notification.objects.exists()
    assert not ChannelPreference.objects.exists()
    assert not PushSubscription.objects.exists()


def test_permission_policies(citizen, staff, platform_admin, browser):
    notification = services.notify(citizen, "platform", "Hello", "")
    subscription = services.subscribe_push(citizen, browser.subscription_json(), "")
    assert permissions.can(citizen, "view", notification)
    assert permissions.can(citizen, "change", notification)
    assert not permissions.can(staff, "view", notification)
    assert not permissions.can(platform_admin, "view", notification)
    assert not permissions.can(None, "view", notification)
    assert permissions.can(citizen, "delete", subscription)
    assert not permissions.can(staff, "view", subscription)
    assert permissions.can(platform_admin, "view", subscription)
    assert permissions.can(platform_admin, "delete", subscription)
    assert not permissions.can(platform_admin, "change", subscription)


def test_subscription_moves_to_the_user_now_logged_in_in_that_browser(citizen, browser):
    other = make_user("other@example.org")
    services.subscribe_push(other, browser.subscription_json(), "Chrome")
    services.subscribe_push(citizen, browser.subscription_json(), "Chrome")
    assert list(PushSubscription.objects.values_list("user__email", flat=True)) == [
        "citizen@example.org"
    ]
