"""Working a concern through the workflow: states, notes, assignment, forwarding, merging."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from smartcity.concerns import services
from smartcity.concerns.models import Concern, Follow
from smartcity.core.notifications.models import Notification

pytestmark = pytest.mark.django_db


def refused(call) -> dict:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


def public_history(concern):
    return [
        (e.kind, e.from_state, e.to_state, e.text)
        for e in services.history(None, Concern.objects.get(pk=concern.pk))
    ]


def test_staff_move_a_concern_along_and_the_public_history_shows_it(submit, staff, department):
    concern = submit()
    Concern.objects.filter(pk=concern.pk).update(published_at=timezone.now())
    concern = services.change_state(concern, "open", staff)
    concern = services.change_state(concern, "in_progress", staff, "Auftrag erteilt")
    concern = services.change_state(concern, "fixed", staff)
    assert concern.state == "fixed"
    assert concern.closed_at is not None
    assert public_history(concern) == [
        ("state", "", "submitted", ""),
        ("state", "submitted", "open", ""),
        ("state", "open", "in_progress", "Auftrag erteilt"),
        ("state", "in_progress", "fixed", ""),
    ]
    # The public sees the department acting, never the staff member.
    assert {e.organisation for e in concern.events.exclude(to_state="submitted")} == {department}


def test_changes_that_need_a_public_note_are_refused_without_one(submit, staff):
    concern = services.change_state(submit(), "open", staff)
    assert refused(lambda: services.change_state(concern, "rejected", staff, "  ")) == {
        "state": ["Changing a concern to rejected needs a public note for the reporter."]
    }
    concern = services.change_state(concern, "rejected", staff, "Privatgrundstück")
    assert concern.state == "rejected"


def test_transitions_the_workflow_does_not_allow_are_refused(submit, staff):
    concern = submit()
    assert refused(lambda: services.change_state(concern, "fixed", staff)) == {
        "state": ["A concern that is submitted cannot become fixed."]
    }
    assert [t.state for t in services.allowed_transitions(concern)] == [
        "open",
        "duplicate",
        "not_responsible",
        "rejected",
    ]
    assert refused(lambda: services.change_state(concern, "duplicate", staff)) == {
        "state": ["Merge a duplicate into the concern it repeats."]
    }


def test_a_category_may_have_its_own_workflow(submit, staff, pothole):
    pothole.transitions = [
        {"from": "submitted", "to": "fixed", "public_note": True},
        {"from": "fixed", "to": "reopened", "public_note": True},
        {"from": "reopened", "to": "fixed", "public_note": True},
    ]
    pothole.full_clean()
    pothole.save()
    concern = submit()
    assert [(t.state, t.needs_public_note) for t in services.allowed_transitions(concern)] == [
        ("fixed", True)
    ]
    assert services.change_state(concern, "fixed", staff, "Verfüllt").state == "fixed"


def test_a_broken_workflow_cannot_be_saved(pothole):
    pothole.transitions = [{"from": "submitted", "to": "open"}]
    with pytest.raises(ValidationError) as error:
        pothole.full_clean()
    assert "transitions" in error.value.message_dict


def test_only_the_responsible_department_works_a_concern(submit, other_staff, citizen):
    concern = submit(reporter=citizen)
    for user in (other_staff, citizen, None):
        with pytest.raises(PermissionDenied):
            services.change_state(concern, "open", user)


def test_assignment_is_internal_and_sets_the_first_assignment_time(
    submit, staff, department_admin, department
):
    concern = services.assign(submit(), department, staff, department_admin)
    assert concern.assignee == staff
    assert concern.first_assigned_at is not None
    assert concern.forward_count == 0
    assert public_history(concern) == [("state", "", "submitted", "")]
    assert [e.kind for e in services.history(staff, concern)] == ["state", "assignment"]


def test_assignees_must_belong_to_the_department(submit, staff, other_staff, department):
    assert refused(lambda: services.assign(submit(), department, other_staff, staff)) == {
        "assignee": ["other-staff@example.org does not work for Umweltamt."]
    }


def test_forwarding_hands_the_concern_to_another_department(
    submit, staff, other_staff, other_department
):
    concern = services.forward(submit(), other_department, staff, "Ist eine Bundesstraße")
    assert concern.organisation == other_department
    assert concern.forward_count == 1
    assert concern.assignee is None
    (forwarding,) = [e for e in services.history(None, concern) if e.kind == "forwarding"]
    assert forwarding.data == {"from": "Umweltamt", "to": "Straßen- und Tiefbauamt"}
    # The note stays internal, now readable by the new department only.
    assert "Ist eine Bundesstraße" in [e.text for e in services.history(other_staff, concern)]
    assert "Ist eine Bundesstraße" not in [e.text for e in services.history(staff, concern)]
    assert services.change_state(concern, "open", other_staff).state == "open"


def test_concerns_for_other_bodies_are_handed_over_with_a_note(submit, staff):
    concern = services.change_state(submit(), "open", staff)
    assert list(refused(lambda: services.forward_external(concern, "", staff, "x"))) == [
        "forwarded_to"
    ]
    concern = services.forward_external(
        concern, "Landesamt für Straßenbau", staff, "Zuständig ist das Land."
    )
    assert (concern.state, concern.forwarded_to) == ("not_responsible", "Landesamt für Straßenbau")
    assert concern.open311_status == "closed"


def test_merging_a_duplicate_moves_its_followers_to_the_original(
    submit, staff, citizen, make_follower
):
    original = submit(description="Original")
    follower = make_follower()
    duplicate = services.publish(submit(description="Doppelt", reporter=citizen), staff)
    services.follow(follower, concern=duplicate)
    duplicate = services.merge_duplicate(duplicate, original, staff)
    assert (duplicate.state, duplicate.duplicate_of) == ("duplicate", original)
    assert set(Follow.objects.filter(concern=original).values_list("user", flat=True)) == {
        citizen.pk,
        follower.pk,
    }
    assert [e.data for e in original.events.filter(kind="merge")] == [
        {"merged": duplicate.service_request_id}
    ]
    # A duplicate of the duplicate lands on the original.
    third = services.merge_duplicate(submit(), duplicate, staff)
    assert third.duplicate_of == original
    assert refused(lambda: services.merge_duplicate(original, third, staff)) == {
        "duplicate_of": ["A concern cannot repeat itself."]
    }


def test_notes_are_public_answers_or_internal(submit, staff, citizen):
    concern = submit(reporter=citizen)
    services.add_note(concern, "Wir prüfen das.", staff, public=True)
    services.add_note(concern, "Bauhof fragen", staff, public=False)
    assert [e.text for e in services.history(citizen, concern)] == ["", "Wir prüfen das."]
    assert [e.text for e in services.history(staff, concern)] == [
        "",
        "Wir prüfen das.",
        "Bauhof fragen",
    ]
    assert refused(lambda: services.add_note(concern, " ", staff, public=True)) == {
        "note": ["Please write a note."]
    }


def fixed(submit, staff, **kwargs):
    concern = services.change_state(submit(**kwargs), "open", staff)
    return services.change_state(concern, "fixed", staff)


def test_the_reporter_reopens_a_fixed_concern_within_the_window(submit, staff, citizen, pothole):
    staff.language = "en"
    staff.save()
    concern = fixed(submit, staff, reporter=citizen)
    concern = services.reopen(concern, citizen, "Das Loch ist wieder da.")
    assert concern.state == "reopened"
    assert concern.closed_at is None
    assert concern.due_at > timezone.now() + timedelta(hours=71)
    assert public_history(concern)[-1] == ("state", "fixed", "reopened", "Das Loch ist wieder da.")
    # The department hears of it: the assignee, or everyone there while nobody is assigned.
    (told,) = Notification.objects.filter(topic="concerns.department")
    assert (told.recipient, told.body) == (staff, "Das Loch ist wieder da.")
    assert told.url == f"/concerns/office/{concern.service_request_id}/"
    assert told.title == f"Concern {concern.service_request_id} was reopened by its reporter"


@override_settings(CONCERNS_REOPEN_DAYS=28)
def test_reopening_is_refused_after_the_window_and_for_others(submit, staff, citizen, other_staff):
    concern = fixed(submit, staff, reporter=citizen)
    with pytest.raises(PermissionDenied):
        services.reopen(concern, other_staff, "Nein")
    Concern.objects.filter(pk=concern.pk).update(closed_at=timezone.now() - timedelta(days=29))
    assert refused(lambda: services.reopen(concern, citizen, "Immer noch da")) == {
        "reason": ["A concern can be reopened up to 28 days after it was fixed."]
    }
    assert refused(lambda: services.reopen(concern, citizen, "")) == {
        "reason": ["Please write a note."]
    }


def test_the_reporter_answers_whether_it_is_fixed(submit, staff, citizen):
    concern = services.answer_fixed_question(
        fixed(submit, staff, reporter=citizen), citizen, fixed=True
    )
    assert concern.fix_confirmed is True
    again = services.answer_fixed_question(
        fixed(submit, staff, reporter=citizen), citizen, fixed=False, reason="Noch da"
    )
    assert (again.state, again.fix_confirmed) == ("reopened", False)
