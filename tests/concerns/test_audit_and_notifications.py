"""Staff writes land in the audit log; public changes reach reporters and followers."""

import pytest
from django.core import mail

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from smartcity.core.audit.models import AuditEntry
from smartcity.core.notifications.models import Notification

pytestmark = pytest.mark.django_db


def entries(instance):
    return AuditEntry.objects.filter(
        object_id=str(instance.pk), content_type__model=type(instance)._meta.model_name
    ).order_by("pk")


def test_a_citizens_report_is_not_a_staff_write(submit, citizen):
    submit(reporter=citizen)
    assert AuditEntry.objects.count() == 0


def test_each_staff_write_is_in_the_audit_log_with_before_and_after(submit, staff):
    concern = submit(contact=services.Contact(email="erika@example.org"))
    services.change_state(concern, "open", staff)
    services.hide(concern, staff, text=True)
    (state_change, hiding) = entries(concern)
    assert (state_change.actor, state_change.action) == (staff, "update")
    assert (state_change.before["state"], state_change.after["state"]) == ("submitted", "open")
    assert state_change.after["contact_email"] == "••••"
    assert hiding.changed_fields == ["text_hidden"]
    events = AuditEntry.objects.filter(content_type__model="concernevent", actor=staff)
    assert [e.after["kind"] for e in events.order_by("pk")] == ["state", "moderation"]


def test_the_reporter_and_followers_hear_of_public_changes_but_not_of_internal_ones(
    submit, staff, citizen, make_follower
):
    follower = make_follower()
    follower.language = citizen.language = "en"
    follower.save()
    citizen.save()
    concern = services.publish(submit(reporter=citizen), staff)
    services.follow(follower, concern=concern)
    services.follow(staff, concern=concern)
    services.add_note(concern, "Bauhof fragen", staff, public=False)
    assert Notification.objects.count() == 0
    services.change_state(concern, "open", staff)
    services.add_note(concern, "Wir kümmern uns.", staff, public=True)
    for person in (citizen, follower):
        titles = list(
            Notification.objects.filter(recipient=person, topic="concerns.updates")
            .order_by("pk")
            .values_list("title", "body")
        )
        assert titles == [
            (f"Concern {concern.service_request_id} is now open", ""),
            (f"New answer on concern {concern.service_request_id}", "Wir kümmern uns."),
        ]
    # The staff member who made the changes is not told about them.
    assert not Notification.objects.filter(recipient=staff).exists()


def test_a_reporter_without_account_gets_an_email(
    submit, staff, django_capture_on_commit_callbacks
):
    concern = submit(contact=services.Contact(email="erika@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.change_state(concern, "open", staff)
        services.change_state(concern, "rejected", staff, "Privatgrundstück.")
    assert [m.to for m in mail.outbox] == [["erika@example.org"]] * 2
    assert concern.service_request_id in mail.outbox[1].subject
    assert "Privatgrundstück." in mail.outbox[1].body


def test_area_followers_hear_of_newly_published_concerns(submit, staff, citizen, areas):
    citizen.language = "en"
    citizen.save()
    services.follow(citizen, area=areas["Altstadt"])
    concern = submit(description="Loch vor der Kreuzkirche")
    assert not Notification.objects.exists()
    services.publish(concern, staff)
    (message,) = Notification.objects.filter(recipient=citizen, topic="concerns.area")
    assert (message.title, message.body) == (
        "New concern in Altstadt: Schlagloch",
        "Loch vor der Kreuzkirche",
    )
    assert services.unfollow(citizen, area=areas["Altstadt"]) is True


def test_following_needs_an_account_and_one_target(submit, staff, citizen, areas):
    from django.core.exceptions import PermissionDenied, ValidationError

    concern = services.publish(submit(), staff)
    with pytest.raises(PermissionDenied):
        services.follow(None, concern=concern)
    with pytest.raises(ValidationError):
        services.follow(citizen, concern=concern, area=areas["Altstadt"])
    services.follow(citizen, concern=concern)
    services.follow(citizen, concern=concern)
    assert [f.concern for f in services.follows_of(citizen)] == [concern]
    assert Concern.objects.get(pk=concern.pk).follows.count() == 1
