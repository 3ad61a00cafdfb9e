"""The scheduled jobs: escalation, publication, erasure of contact data, "fixed?" question."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from smartcity.concerns import services, tasks
from smartcity.concerns.models import Concern
from smartcity.core.audit.models import AuditEntry
from smartcity.core.notifications.models import Notification
from smartcity.core.schedule import jobs

pytestmark = pytest.mark.django_db


def test_the_jobs_are_scheduled():
    names = {job.name: job.every for job in jobs()}
    assert names["concerns.publish"] == timedelta(minutes=10)
    assert names["concerns.escalate"] == timedelta(minutes=15)
    assert names["concerns.anonymise"] == timedelta(days=1)
    assert names["concerns.fixed-question"] == timedelta(hours=6)


def overdue(concern, hours=1):
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() - timedelta(hours=hours))
    return Concern.objects.get(pk=concern.pk)


def test_overdue_concerns_are_escalated_once_to_the_department_admins(
    submit, department_admin, staff
):
    late = overdue(submit(), hours=5)
    later = overdue(submit(), hours=1)
    submit()  # not due yet
    fixed = overdue(
        services.change_state(services.change_state(submit(), "open", staff), "fixed", staff)
    )
    assert list(services.overdue_concerns()) == [late, later]
    assert late.is_overdue() and not fixed.is_overdue()

    department_admin.language = "en"
    department_admin.save()
    assert tasks.escalate_overdue_task.enqueue().return_value == 2
    (message,) = Notification.objects.filter(topic="concerns.escalation")
    assert message.recipient == department_admin
    assert message.title == "2 concerns of Umweltamt are overdue"
    assert late.service_request_id in message.body and later.service_request_id in message.body
    assert [e.kind for e in services.history(staff, late)][-1] == "escalation"
    assert services.history(None, late)[-1].kind == "state"  # not public
    assert tasks.escalate_overdue_task.enqueue().return_value == 0


@override_settings(CONCERNS_PUBLISH_DELAY_HOURS=24)
def test_concerns_are_published_after_the_delay_unless_someone_objected(submit, staff):
    waiting = submit(description="wartet")
    withheld = services.withhold(submit(), staff, "Enthält Namen")
    rejected = services.change_state(submit(), "rejected", staff, "Kein Anliegen")
    fresh = submit()
    Concern.objects.exclude(pk=fresh.pk).update(submitted_at=timezone.now() - timedelta(hours=25))
    assert tasks.publish_due_task.enqueue().return_value == 1
    assert set(Concern.objects.published()) == {waiting}
    assert not any(
        c.is_published for c in Concern.objects.filter(pk__in=[withheld.pk, rejected.pk, fresh.pk])
    )
    assert services.concern_for(None, waiting.service_request_id) == waiting


@override_settings(CONCERNS_PUBLISH_DELAY_HOURS=0)
def test_a_delay_of_zero_publishes_only_after_review(submit, staff):
    concern = submit()
    Concern.objects.update(submitted_at=timezone.now() - timedelta(days=100))
    assert tasks.publish_due_task.enqueue().return_value == 0
    assert services.publish(concern, staff).is_published


@override_settings(CONCERNS_ANONYMISE_AFTER_DAYS=90)
def test_contact_data_is_erased_after_closing_and_the_erasure_is_recorded(submit, staff):
    contact = services.Contact("Erika", "erika@example.org", "0351 1")
    old = services.change_state(submit(contact=contact), "rejected", staff, "Privat")
    recent = services.change_state(submit(contact=contact), "rejected", staff, "Privat")
    still_open = submit(contact=contact)
    Concern.objects.filter(pk__in=[old.pk, still_open.pk]).update(
        closed_at=timezone.now() - timedelta(days=91)
    )
    assert tasks.anonymise_closed_task.enqueue().return_value == 1
    old.refresh_from_db()
    assert (old.contact_name, old.contact_email, old.contact_phone) == ("", "", "")
    assert old.anonymised_at is not None
    assert services.history(staff, old)[-1].kind == "anonymisation"
    entry = AuditEntry.objects.filter(object_id=str(old.pk), actor_label="system").get()
    assert entry.before == {f: "••••" for f in ("contact_name", "contact_email", "contact_phone")}
    assert entry.after == {f: "•••• (changed)" for f in entry.before}
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.contact_email == "erika@example.org"
    assert tasks.anonymise_closed_task.enqueue().return_value == 0


@override_settings(CONCERNS_FIXED_QUESTION_DAYS=14, CONCERNS_REOPEN_DAYS=28)
def test_reporters_are_asked_whether_it_is_fixed_while_they_can_reopen(submit, staff, citizen):
    def fixed_days_ago(days):
        concern = services.change_state(
            services.change_state(submit(reporter=citizen), "open", staff), "fixed", staff
        )
        Concern.objects.filter(pk=concern.pk).update(
            closed_at=timezone.now() - timedelta(days=days)
        )
        return concern

    asked = fixed_days_ago(15)
    fixed_days_ago(3)
    fixed_days_ago(30)
    Notification.objects.all().delete()
    assert tasks.ask_whether_fixed_task.enqueue().return_value == 1
    (question,) = Notification.objects.filter(recipient=citizen)
    assert asked.service_request_id in question.title
    assert tasks.ask_whether_fixed_task.enqueue().return_value == 0
