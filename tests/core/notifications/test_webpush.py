"""Web Push end to end against a push service on 127.0.0.1 (RFC 8030, 8291, 8292)."""

import json
import os
import stat
import time

import http_ece
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from py_vapid import Vapid02

from smartcity.config import cli
from smartcity.core.notifications import services, webpush
from smartcity.core.notifications.models import Delivery, PushSubscription
from smartcity.core.notifications.tasks import deliver_push
from smartcity.core.notifications.vapid import VapidKeysMissing, vapid_keys
from smartcity.core.notifications.webpush import (
    MAX_PLAINTEXT_OCTETS,
    b64url_decode,
    encode_payload,
    fit_payload,
    load_vapid,
)


def _decrypt(browser, body: bytes) -> bytes:
    return http_ece.decrypt(
        body,
        private_key=browser.private_key,
        auth_secret=browser.auth_secret,
        version="aes128gcm",
    )


def _jwt_claims(authorization: str) -> dict:
    token = dict(part.split("=", 1) for part in authorization.split(" ", 1)[1].split(","))["t"]
    return json.loads(b64url_decode(token.split(".")[1], "JWT claims"))


def test_push_message_is_encrypted_for_the_browser_and_signed_with_vapid(
    citizen, vapid, push_service, browser
):
    services.subscribe_push(citizen, browser.subscription_json(), "Firefox")
    notification = services.notify(
        citizen, "platform", "Straßensperrung", "Die Brücke ist gesperrt – ab 18 Uhr.", "/x/"
    )

    assert len(push_service.received) == 1
    request = push_service.received[0]
    assert request["path"] == "/push/v1/subscription-1"
    headers = request["headers"]
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == "86400"

    payload = json.loads(_decrypt(browser, request["body"]))
    assert payload == {
        "title": "Straßensperrung",
        "body": "Die Brücke ist gesperrt – ab 18 Uhr.",
        "url": f"/notifications/{notification.pk}/open/",
        "tag": f"notification-{notification.pk}",
        "topic": "platform",
        "lang": "de",
    }

    authorization = headers["authorization"]
    assert authorization.startswith("vapid t=")
    assert Vapid02.verify(authorization) is True
    parts = dict(part.split("=", 1) for part in authorization.split(" ", 1)[1].split(","))
    assert parts["k"] == vapid.public_key
    claims = _jwt_claims(authorization)
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:smartcity@dresden.example"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600

    delivery = Delivery.objects.get(channel="webpush")
    assert delivery.status == "sent"
    subscription = PushSubscription.objects.get()
    assert subscription.last_success_at is not None
    assert subscription.failure_count == 0


def test_vapid_signature_does_not_verify_with_another_key(citizen, vapid, push_service, browser):
    services.subscribe_push(citizen, browser.subscription_json(), "")
    services.notify(citizen, "platform", "Hello", "")
    authorization = push_service.received[0]["headers"]["authorization"]
    other_key = webpush.generate_vapid_keys().public_key
    forged = authorization.rsplit("k=", 1)[0] + "k=" + other_key
    assert Vapid02.verify(forged) is False


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_deleted(citizen, vapid, push_service, browser, status):
    push_service.server.status = status
    services.subscribe_push(citizen, browser.subscription_json(), "")
    services.notify(citizen, "platform", "Hello", "")

    assert len(push_service.received) == 1
    assert not PushSubscription.objects.exists()
    delivery = Delivery.objects.get(channel="webpush")
    assert delivery.status == "gone"
    assert str(status) in delivery.error
    assert services.preferences(citizen)["platform"]["webpush"] is False


def test_server_error_counts_a_failure_and_keeps_the_subscription(
    citizen, vapid, push_service, browser
):
    push_service.server.status = 500
    services.subscribe_push(citizen, browser.subscription_json(), "")
    services.notify(citizen, "platform", "One", "")
    services.notify(citizen, "platform", "Two", "")

    subscription = PushSubscription.objects.get()
    assert subscription.failure_count == 2
    assert subscription.last_success_at is None
    failed = Delivery.objects.filter(channel="webpush", status="failed")
    assert failed.count() == 2
    assert "HTTP 500" in failed.first().error

    push_service.server.status = 201
    services.notify(citizen, "platform", "Three", "")
    subscription.refresh_from_db()
    assert subscription.failure_count == 0
    assert subscription.last_success_at is not None


def test_one_delivery_per_browser(citizen, vapid, push_service, browser):
    from tests.core.notifications.conftest import Browser

    second = Browser(f"{push_service.origin}/push/v1/subscription-2")
    services.subscribe_push(citizen, browser.subscription_json(), "Firefox")
    services.subscribe_push(citizen, second.subscription_json(), "Chrome")
    services.notify(citizen, "platform", "Hello", "")
    assert sorted(r["path"] for r in push_service.received) == [
        "/push/v1/subscription-1",
        "/push/v1/subscription-2",
    ]
    assert Delivery.objects.filter(channel="webpush", status="sent").count() == 2


def test_webpush_switched_off_sends_nothing(citizen, vapid, push_service, browser):
    services.subscribe_push(citizen, browser.subscription_json(), "")
    services.set_preference(citizen, "platform", "webpush", False)
    services.notify(citizen, "platform", "Hello", "")
    assert push_service.received == []


def test_payload_limit_is_3993_octets():
    assert MAX_PLAINTEXT_OCTETS == 3993
    assert len(encode_payload({"body": "x" * (3993 - len('{"body":""}'))})) == 3993
    with pytest.raises(ValueError, match=r"3994 octets.*at most 3993 \(RFC 8291"):
        encode_payload({"body": "x" * (3994 - len('{"body":""}'))})
    with pytest.raises(ValueError, match="at most 3993"):
        encode_payload({"body": "ä" * 2000})  # 2000 characters, 4000 octets of UTF-8


def test_oversize_payload_is_rejected_before_sending(citizen, vapid, push_service, browser):
    subscription = services.subscribe_push(citizen, browser.subscription_json(), "")
    with pytest.raises(ValueError, match="at most 3993"):
        deliver_push(subscription, b"x" * 3994)
    assert push_service.received == []


def test_largest_payload_fills_one_4096_octet_record(citizen, vapid, push_service, browser):
    subscription = services.subscribe_push(citizen, browser.subscription_json(), "")
    data = encode_payload({"body": "y" * (3993 - len('{"body":""}'))})
    result = deliver_push(subscription, data)
    assert result.status == "sent"
    body = push_service.received[0]["body"]
    assert len(body) == 4096
    assert _decrypt(browser, body) == data


def test_long_message_is_shortened_for_push_but_complete_in_the_inbox(
    citizen, vapid, push_service, browser
):
    services.subscribe_push(citizen, browser.subscription_json(), "")
    text = 'Ä "quoted" \\ ' * 1000
    notification = services.notify(citizen, "platform", "Long", text)
    assert notification.body == text
    payload = json.loads(_decrypt(browser, push_service.received[0]["body"]))
    assert payload["body"].endswith("…")
    assert text.startswith(payload["body"][:-1])
    data = fit_payload({"title": "t", "body": text})
    assert len(data) <= MAX_PLAINTEXT_OCTETS


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://push.example.com/x", "https://"),
        ("ftp://127.0.0.1/x", "https://"),
        ("https://10.1.2.3/x", "private or reserved"),
        ("https://[fd00::1]/x", "private or reserved"),
        ("https://user:pw@push.example.com/x", "user name or password"),
        ("https:///x", "no host"),
        ("https://push.example.com/a b", "spaces"),
        ("https://push.example.com:99999/x", "not a valid URL"),
        ("", "no endpoint"),
        ("https://push.example.com/" + "x" * 2048, "longer than 2048"),
    ],
)
def test_subscription_endpoint_is_checked(citizen, endpoint, message):
    subscription = {"endpoint": endpoint, "keys": {"p256dh": "x", "auth": "y"}}
    with pytest.raises(ValueError, match=message):
        services.subscribe_push(citizen, subscription, "")


def test_http_loopback_endpoints_are_refused_in_production(citizen, browser, settings):
    settings.PRODUCTION = True
    with pytest.raises(ValueError, match="https://"):
        services.subscribe_push(citizen, browser.subscription_json(), "")


def test_subscription_keys_are_checked(citizen, browser):
    good = browser.subscription_json()

    def with_keys(**keys):
        return {**good, "keys": {**good["keys"], **keys}}

    cases = [
        (with_keys(p256dh="not base64!"), "not base64url"),
        (with_keys(p256dh=webpush.b64url_encode(b"\x04" + b"\x00" * 31)), "65 octets"),
        (with_keys(p256dh=webpush.b64url_encode(b"\x02" + b"\x01" * 64)), "uncompressed"),
        (with_keys(p256dh=webpush.b64url_encode(b"\x04" + b"\x01" * 64)), "P-256 curve"),
        (with_keys(auth=webpush.b64url_encode(os.urandom(12))), "16 octets, not 12"),
        ({"endpoint": good["endpoint"]}, "keys.p256dh and keys.auth"),
        ("[1, 2]", "JSON object"),
        ("{not json", "not valid JSON"),
    ]
    for subscription, message in cases:
        with pytest.raises(ValueError, match=message):
            services.subscribe_push(citizen, subscription, "")
    assert not PushSubscription.objects.exists()
    services.subscribe_push(citizen, json.dumps(good), "")
    assert PushSubscription.objects.count() == 1


def test_too_many_browsers_is_refused(citizen, push_service):
    from tests.core.notifications.conftest import Browser

    for i in range(services.MAX_SUBSCRIPTIONS_PER_USER):
        services.subscribe_push(citizen, Browser(f"{push_service.origin}/{i}").subscription_json())
    with pytest.raises(ValueError, match="20 browsers already"):
        services.subscribe_push(citizen, Browser(f"{push_service.origin}/x").subscription_json())


def _usable(private_key: str, public_key: str) -> bool:
    vapid = load_vapid(private_key)
    assert len(b64url_decode(public_key, "public key")) == 65
    headers = vapid.sign({"sub": "mailto:a@example.org", "aud": "https://push.example.com"})
    return Vapid02.verify(headers["Authorization"]) and headers["Authorization"].endswith(
        "k=" + public_key
    )


def test_vapid_keys_command_writes_a_usable_pair_and_refuses_to_overwrite(var_dir, capsys):
    call_command("vapid_keys")
    path = var_dir / "vapid.json"
    keys = json.loads(path.read_text())
    assert _usable(keys["private_key"], keys["public_key"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys["public_key"] in capsys.readouterr().out

    with pytest.raises(CommandError, match="exists already"):
        call_command("vapid_keys")
    assert json.loads(path.read_text()) == keys

    call_command("vapid_keys", "--force")
    replaced = json.loads(path.read_text())
    assert replaced["private_key"] != keys["private_key"]
    assert _usable(replaced["private_key"], replaced["public_key"])
    assert vapid_keys().public_key == replaced["public_key"]


def test_smartcity_vapid_keys_print_env(var_dir, capsys):
    cli.main(["smartcity", "vapid-keys", "--print-env"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"]
    private_key, public_key = (line.split("=", 1)[1] for line in lines)
    assert _usable(private_key, public_key)
    assert not (var_dir / "vapid.json").exists()


def test_vapid_keys_come_from_settings_or_a_generated_file(settings, var_dir, vapid):
    assert vapid_keys() == vapid

    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    first = vapid_keys()
    assert (var_dir / "vapid.json").exists()
    assert vapid_keys() == first
    assert first != vapid

    settings.VAPID_PRIVATE_KEY = vapid.private_key
    settings.VAPID_PUBLIC_KEY = first.public_key
    with pytest.raises(ImproperlyConfigured, match="does not belong"):
        vapid_keys()


def test_production_needs_configured_keys(settings, var_dir):
    settings.PRODUCTION = True
    with pytest.raises(VapidKeysMissing, match="vapid-keys"):
        vapid_keys()
    assert not (var_dir / "vapid.json").exists()
