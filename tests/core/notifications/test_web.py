import re

import pytest
from django.contrib.staticfiles import finders
from django.core import mail

from smartcity.core.notifications import services
from smartcity.core.notifications.models import ChannelPreference, Notification, PushSubscription
from tests.conftest import PASSWORD


@pytest.fixture
def logged_in(client, citizen):
    client.login(email=citizen.email, password=PASSWORD)
    return client


def _item(html: str, pk: int) -> str:
    match = re.search(rf'<li id="notification-{pk}"[^>]*>.*?</li>', html, re.S)
    assert match, f"notification {pk} not on the page"
    return match.group(0)


def test_inbox_needs_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_inbox_shows_messages_with_unread_ones_bold(logged_in, citizen):
    read = services.notify(citizen, "platform", "Old news", "Read already")
    services.mark_read(citizen, [read.pk])
    unread = services.notify(citizen, "platform", "Fresh news", "Line one\nLine two", "/x/")

    response = logged_in.get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1>") == 1
    assert 'class="card notification unread"' in _item(html, unread.pk)
    assert "Line one<br>Line two" in _item(html, unread.pk)
    assert f'href="/notifications/{unread.pk}/open/"' in _item(html, unread.pk)
    assert "unread" not in _item(html, read.pk)
    assert "Old news" in html
    assert "You have 1 unread message." in html


def test_inbox_is_paginated(logged_in, citizen):
    for i in range(25):
        services.notify(citizen, "platform", f"Message {i:02d}", "")
    first = logged_in.get("/notifications/").content.decode()
    assert "Message 24" in first and "Message 05" in first and "Message 04" not in first
    assert "Page 1 of 2" in first
    second = logged_in.get("/notifications/?page=2").content.decode()
    assert "Message 04" in second and "Message 00" in second and "Message 05" not in second
    assert logged_in.get("/notifications/?page=abc").status_code == 200


def test_inbox_shows_only_own_messages(logged_in, staff):
    services.notify(staff, "platform", "Staff only", "")
    html = logged_in.get("/notifications/").content.decode()
    assert "Staff only" not in html
    assert "You have no messages yet." in html


def test_mark_one_read_with_a_plain_form(logged_in, citizen):
    notification = services.notify(citizen, "platform", "Hello", "")
    response = logged_in.post(f"/notifications/{notification.pk}/read/", {"page": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = logged_in.get("/notifications/").content.decode()
    assert "unread" not in _item(page, notification.pk)
    assert "The message has been marked as read." in page


def test_mark_one_read_with_htmx(logged_in, citizen):
    first = services.notify(citizen, "platform", "First", "")
    services.notify(citizen, "platform", "Second", "")
    response = logged_in.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li id="notification-{first.pk}" class="card notification">')
    assert "Mark as read" not in html
    assert 'id="unread-count" role="status" hx-swap-oob="true"' in html
    assert "You have 1 unread message." in html
    assert "<html" not in html


def test_mark_all_read(logged_in, citizen):
    for i in range(3):
        services.notify(citizen, "platform", f"M{i}", "")
    response = logged_in.post("/notifications/read-all/")
    assert response.status_code == 302
    assert services.unread_count(citizen) == 0

    services.notify(citizen, "platform", "New", "")
    response = logged_in.post("/notifications/read-all/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "You have 0 unread messages." in html
    assert "Mark all as read" not in html
    assert 'unread"' not in html


def test_others_messages_cannot_be_marked_or_opened(logged_in, staff):
    theirs = services.notify(staff, "platform", "Theirs", "", "/secret/")
    assert logged_in.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert logged_in.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_needs_post(logged_in, citizen):
    notification = services.notify(citizen, "platform", "Hello", "")
    assert logged_in.get(f"/notifications/{notification.pk}/read/").status_code == 405


def test_open_marks_read_and_follows_the_link(logged_in, citizen):
    with_link = services.notify(citizen, "platform", "Hello", "", "/districts/")
    without = services.notify(citizen, "platform", "Plain", "")
    response = logged_in.get(f"/notifications/{with_link.pk}/open/")
    assert (response.status_code, response["Location"]) == (302, "/districts/")
    response = logged_in.get(f"/notifications/{without.pk}/open/")
    assert response["Location"] == "/notifications/"
    assert services.unread_count(citizen) == 0


def test_settings_page_has_a_labelled_checkbox_per_topic_and_channel(logged_in):
    response = logged_in.get("/notifications/settings/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<caption>Channels per topic</caption>" in html
    assert '<th scope="row">Platform news' in html
    inputs = re.findall(r"<input[^>]*>", html)
    checkboxes = [tag for tag in inputs if 'type="checkbox"' in tag]
    assert len(checkboxes) >= 3
    for tag in inputs:
        if 'type="hidden"' in tag:
            continue
        input_id = re.search(r'id="([^"]+)"', tag).group(1)
        assert f'<label for="{input_id}"' in html, f"no label for {input_id}"
    assert 'name="platform__email"' in html and 'name="platform__webpush"' in html
    assert 'id="push-enable"' in html
    assert "Enable push notifications in this browser" in html
    assert 'data-key-url="/api/notifications/vapid-public-key"' in html
    assert 'data-subscriptions-url="/api/notifications/push-subscriptions"' in html
    assert 'data-sw-url="/notifications/sw.js"' in html
    assert "notifications/push.js" in html
    assert finders.find("notifications/push.js")


def test_settings_page_saves_and_switches_email_off(logged_in, citizen):
    page = logged_in.get("/notifications/settings/").content.decode()
    assert re.search(r'<input[^>]*name="platform__email"[^>]*checked', page)

    response = logged_in.post("/notifications/settings/", {})
    assert response.status_code == 302
    assert ChannelPreference.objects.get(user=citizen, topic="platform").enabled is False
    page = logged_in.get("/notifications/settings/").content.decode()
    assert "Your notification settings have been saved." in page
    assert not re.search(r'<input[^>]*name="platform__email"[^>]*checked', page)

    services.notify(citizen, "platform", "Hello", "")
    assert mail.outbox == []

    logged_in.post("/notifications/settings/", {"platform__email": "on"})
    assert not ChannelPreference.objects.filter(topic="platform").exists()
    services.notify(citizen, "platform", "Hello again", "")
    assert len(mail.outbox) == 1


def test_settings_page_lists_and_removes_browsers(logged_in, citizen, browser):
    subscription = services.subscribe_push(citizen, browser.subscription_json(), "Firefox 140")
    page = logged_in.get("/notifications/settings/").content.decode()
    assert "Firefox 140" in page
    assert re.search(r'<input[^>]*name="platform__webpush"[^>]*checked', page)
    response = logged_in.post(f"/notifications/settings/browsers/{subscription.pk}/remove/")
    assert response.status_code == 302
    assert not PushSubscription.objects.exists()
    again = logged_in.post(f"/notifications/settings/browsers/{subscription.pk}/remove/")
    assert "This browser was already removed." in logged_in.get(again["Location"]).content.decode()


def test_settings_page_without_push_keys_in_production(logged_in, settings):
    settings.PRODUCTION = True
    html = logged_in.get("/notifications/settings/").content.decode()
    assert "Push notifications are not set up on this server." in html
    assert 'id="push-enable"' not in html


def test_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/notifications/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert 'addEventListener("push"' in script
    assert "showNotification" in script
    assert 'addEventListener("notificationclick"' in script
    assert "openWindow" in script
    assert 'const INBOX_URL = "/notifications/";' in script


def test_admin_shows_delivery_statistics_read_only(client, platform_admin, citizen):
    services.notify(citizen, "platform", "Hello", "")
    client.login(email=platform_admin.email, password=PASSWORD)
    response = client.get("/admin/notifications/delivery/?status__exact=sent")
    html = response.content.decode()
    assert response.status_code == 200
    assert "E-mail" in html
    assert "Hello" not in html  # statistics, not message contents
    assert client.get("/admin/notifications/delivery/add/").status_code == 403
    assert client.get("/admin/notifications/pushsubscription/").status_code == 200
    assert Notification.objects.count() == 1
