"""The MQTT dead-letter pages: platform admins only; list, filter, pages, detail, deletion."""

from datetime import timedelta

import pytest
from django.utils import timezone

from smartcity.core.audit.models import AuditEntry
from smartcity.sensors.mqtt.models import DeadLetter

pytestmark = pytest.mark.django_db

LIST = "/sensors/staff/dead-letters/"
PURGE = "/sensors/staff/dead-letters/purge/"


def letter(reason="the payload is not valid JSON", *, days_ago=0, payload="not json", **fields):
    return DeadLetter.objects.create(
        topic=fields.pop("topic", "v1.1/Datastreams(7)/Observations"),
        payload=payload,
        payload_size=fields.pop("payload_size", len(payload.encode())),
        reason=reason,
        received_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def admin(english, platform_admin):
    english.force_login(platform_admin)
    return english


def detail(pk) -> str:
    return f"/sensors/staff/dead-letters/{pk}/"


def delete(pk) -> str:
    return f"/sensors/staff/dead-letters/{pk}/delete/"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("staff", 403),
        ("department_admin", 403),
        ("platform_admin", 200),
    ],
)
def test_only_platform_admins_see_dead_letters(client, users, role, status):
    one = letter()
    if users[role] is not None:
        client.force_login(users[role])
    for url in (LIST, detail(one.pk)):
        response = client.get(url)
        assert response.status_code == status
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/login/?next=")
        assert ("not json" in response.content.decode()) == (role == "platform_admin")


@pytest.mark.parametrize("role", ["anonymous", "citizen", "staff", "department_admin"])
def test_only_platform_admins_delete_dead_letters(client, users, role):
    one = letter(days_ago=40)
    if users[role] is not None:
        client.force_login(users[role])
    assert client.post(delete(one.pk)).status_code in (302, 403)
    assert client.post(PURGE, {"days": "0"}).status_code in (302, 403)
    assert DeadLetter.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_the_list_is_newest_first_with_topic_reason_and_escaped_payload(admin):
    letter("Datastreams(9) does not exist", days_ago=2, topic="v1.1/Datastreams(9)/Observations")
    letter("the payload is not valid JSON", payload="<script>alert(1)</script>" + "x" * 500)

    html = admin.get(LIST).content.decode()

    assert "2 dead letters" in html
    assert html.index("the payload is not valid JSON") < html.index("Datastreams(9) does not exist")
    assert "v1.1/Datastreams(9)/Observations" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Truncated in the list: 200 characters, the last one an ellipsis.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" + "x" * 174 + "…</code>" in html


def test_the_detail_shows_the_whole_payload_escaped(admin):
    one = letter(payload='{"result": "<b>' + "y" * 1000 + '</b>"}', payload_size=70_000)

    response = admin.get(detail(one.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "{&quot;result&quot;: &quot;&lt;b&gt;" + "y" * 1000 + "&lt;/b&gt;&quot;}" in html
    assert "the payload is not valid JSON" in html
    assert "70000 bytes" in html
    assert "Only the first 64 kB were kept." in html


def test_the_filter_keeps_reasons_containing_the_text(admin):
    letter("Datastreams(9) does not exist")
    letter("a sensor token is required")

    html = admin.get(LIST, {"reason": "TOKEN"}).content.decode()

    assert "1 dead letter" in html
    assert "a sensor token is required" in html
    assert "Datastreams(9) does not exist" not in html
    nothing = admin.get(LIST, {"reason": "zzz"}).content.decode()
    assert "No dead letter has such a reason." in nothing


def test_pages_of_fifty_keep_the_filter(admin):
    for number in range(51):
        letter(f"token problem {number:02d}", days_ago=number)

    first = admin.get(LIST, {"reason": "token"}).content.decode()
    second = admin.get(LIST, {"reason": "token", "page": "2"}).content.decode()

    assert "token problem 00" in first and "token problem 49" in first
    assert "token problem 50" not in first
    assert "Page 1 of 2" in first
    assert 'href="?reason=token&amp;page=2"' in first
    assert "token problem 50" in second and "token problem 49" not in second


def test_a_filter_that_is_too_long_is_a_400(admin):
    response = admin.get(LIST, {"reason": "x" * 201})
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters" in response.content.decode()


def test_an_admin_deletes_one_dead_letter_and_it_is_audited(admin, platform_admin):
    one, other = letter(), letter("a sensor token is required")

    response = admin.post(delete(one.pk), follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "The dead letter on “v1.1/Datastreams(7)/Observations” was deleted." in (
        response.content.decode()
    )
    assert list(DeadLetter.objects.all()) == [other]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.object_id) == ("delete", platform_admin, str(one.pk))
    assert entry.before["reason"] == "the payload is not valid JSON"
    assert "payload" not in entry.before
    assert admin.get(detail(one.pk)).status_code == 404


def test_an_admin_deletes_all_older_than_some_days(admin, platform_admin):
    letter("old", days_ago=10)
    letter("older", days_ago=20)
    recent = letter("recent", days_ago=2)

    response = admin.post(PURGE, {"days": "7"}, follow=True)

    assert "2 dead letters were deleted." in response.content.decode()
    assert list(DeadLetter.objects.all()) == [recent]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == ("delete", platform_admin)
    assert entry.before["deleted"] == 2
    assert entry.object_repr.startswith("2 MQTT dead letters received before ")


def test_zero_days_deletes_every_dead_letter(admin):
    letter(days_ago=1)
    letter(days_ago=0)
    admin.post(PURGE, {"days": "0"})
    assert not DeadLetter.objects.exists()


@pytest.mark.parametrize("days", ["", "-1", "many", "3651"])
def test_a_bad_number_of_days_deletes_nothing(admin, days):
    letter(days_ago=100)

    response = admin.post(PURGE, {"days": days})

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert DeadLetter.objects.count() == 1


def test_the_sensor_staff_page_links_the_dead_letters_for_admins_only(
    english, staff, platform_admin
):
    letter()
    english.force_login(platform_admin)
    html = english.get("/sensors/staff/").content.decode()
    assert "1 message the MQTT ingest could not store" in html
    assert f'href="{LIST}"' in html
    assert f'href="{LIST}"' in english.get("/staff/").content.decode()

    english.force_login(staff)
    assert f'href="{LIST}"' not in english.get("/sensors/staff/").content.decode()
    assert f'href="{LIST}"' not in english.get("/staff/").content.decode()
