import json

import pytest

from smartcity.core.accounts.models import ApiToken
from smartcity.core.notifications import services
from smartcity.core.notifications.models import PushSubscription
from tests.conftest import PASSWORD


@pytest.fixture
def api(client, citizen):
    client.login(email=citizen.email, password=PASSWORD)
    return client


def _post(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def _delete(client, path, body):
    return client.delete(path, json.dumps(body), content_type="application/json")


def test_messages_need_authentication(client):
    response = client.get("/api/notifications/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required: log in or send an API token."}
    assert _post(client, "/api/notifications/read", {"all": True}).status_code == 401
    assert _post(client, "/api/notifications/push-subscriptions", {}).status_code == 401


def test_list_messages_paginated(api, citizen, staff):
    for i in range(5):
        services.notify(citizen, "platform", f"M{i}", f"Body {i}", "/x/")
    services.notify(staff, "platform", "Not yours", "")
    services.mark_read(citizen, [citizen.notifications.get(title="M0").pk])

    body = api.get("/api/notifications/?page=1&page_size=2").json()
    assert body["count"] == 5
    assert body["unread"] == 4
    assert (body["page"], body["page_size"]) == (1, 2)
    assert [item["title"] for item in body["items"]] == ["M4", "M3"]
    first = body["items"][0]
    assert set(first) == {"id", "topic", "title", "body", "url", "created_at", "read_at"}
    assert (first["body"], first["url"], first["read_at"]) == ("Body 4", "/x/", None)

    last = api.get("/api/notifications/?page=3&page_size=2").json()
    assert [item["title"] for item in last["items"]] == ["M0"]
    assert last["items"][0]["read_at"] is not None

    unread = api.get("/api/notifications/?unread_only=true").json()
    assert unread["count"] == 4
    assert api.get("/api/notifications/?page=999").json()["items"] == []


@pytest.mark.parametrize("query", ["page=0", "page_size=101", "page=abc", "page=100001"])
def test_bad_pagination_is_a_400(api, query):
    response = api.get(f"/api/notifications/?{query}")
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], list)


def test_api_token_works(client, citizen):
    _token, secret = ApiToken.objects.issue(citizen, "script")
    services.notify(citizen, "platform", "Hello", "")
    response = client.get("/api/notifications/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    response = client.get("/api/notifications/unread-count", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.json() == {"unread": 1}


def test_mark_read(api, citizen, staff):
    mine = [services.notify(citizen, "platform", f"M{i}", "") for i in range(3)]
    theirs = services.notify(staff, "platform", "Theirs", "")

    response = _post(api, "/api/notifications/read", {"ids": [mine[0].pk, theirs.pk]})
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 2}
    assert services.unread_count(staff) == 1

    assert _post(api, "/api/notifications/read", {"all": True}).json() == {"marked": 2, "unread": 0}


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"ids": [0]}, {"ids": [2**63]}, {"ids": ["x"]}, {"all": "maybe"}],
)
def test_mark_read_rejects_bad_bodies(api, body):
    response = _post(api, "/api/notifications/read", body)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_vapid_public_key_is_public(client, vapid):
    response = client.get("/api/notifications/vapid-public-key")
    assert response.status_code == 200
    assert response.json() == {"public_key": vapid.public_key}


def test_vapid_public_key_unavailable_in_production_without_keys(client, settings):
    settings.PRODUCTION = True
    response = client.get("/api/notifications/vapid-public-key")
    assert response.status_code == 503
    assert response.json() == {"detail": "Push notifications are not set up on this server."}


def test_subscribe_and_unsubscribe(api, citizen, browser):
    response = _post(
        api,
        "/api/notifications/push-subscriptions",
        browser.subscription_json(),
        HTTP_USER_AGENT="Mozilla/5.0 Firefox/140.0",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["endpoint"] == browser.endpoint
    assert body["last_success_at"] is None
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.user_agent) == (citizen, "Mozilla/5.0 Firefox/140.0")

    again = _post(api, "/api/notifications/push-subscriptions", browser.subscription_json())
    assert again.status_code == 201
    assert PushSubscription.objects.count() == 1

    path = "/api/notifications/push-subscriptions"
    assert _delete(api, path, {"endpoint": browser.endpoint}).status_code == 204
    assert not PushSubscription.objects.exists()
    response = _delete(api, path, {"endpoint": browser.endpoint})
    assert response.status_code == 404
    assert response.json() == {"detail": "You have no push subscription with this endpoint."}


def test_cannot_unsubscribe_another_users_browser(client, citizen, staff, browser):
    services.subscribe_push(staff, browser.subscription_json(), "")
    client.login(email="citizen@example.org", password=PASSWORD)
    response = _delete(
        client, "/api/notifications/push-subscriptions", {"endpoint": browser.endpoint}
    )
    assert response.status_code == 404
    assert PushSubscription.objects.count() == 1


def test_subscribe_rejects_bad_subscriptions_with_a_reason(api, browser):
    path = "/api/notifications/push-subscriptions"
    good = browser.subscription_json()

    insecure = _post(api, path, {**good, "endpoint": "http://push.example.com/abc"})
    assert insecure.status_code == 400
    assert insecure.json() == {"detail": "The endpoint must be an https:// URL of a push service."}

    short_auth = _post(api, path, {**good, "keys": {**good["keys"], "auth": "AAAA"}})
    assert short_auth.status_code == 400
    assert short_auth.json() == {"detail": "The auth secret must be 16 octets, not 3."}

    missing_keys = _post(api, path, {"endpoint": good["endpoint"]})
    assert missing_keys.status_code == 400
    assert missing_keys.json()["detail"][0]["loc"][-1] == "keys"

    not_json = api.post(path, "{", content_type="application/json")
    assert not_json.status_code == 400
    assert not PushSubscription.objects.exists()


def test_openapi_documents_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"get"} <= set(paths["/api/notifications/"])
    assert {"post", "delete"} <= set(paths["/api/notifications/push-subscriptions"])
    assert "201" in paths["/api/notifications/push-subscriptions"]["post"]["responses"]
    assert "503" in paths["/api/notifications/vapid-public-key"]["get"]["responses"]
    assert paths["/api/notifications/vapid-public-key"]["get"].get("security") in (None, [])
