"""Working one concern from its back-office page: every workflow action, the public notes
the workflow requires, response templates, moderation, and the same through HTMX."""

import pytest

from smartcity.concerns import services
from smartcity.concerns.models import Concern, ConcernEvent, ResponseTemplate
from smartcity.core.accounts.models import Membership
from smartcity.core.notifications.models import Notification
from tests.concerns.conftest import NEUSTADT
from tests.concerns.web.office_support import (
    action_url,
    client_of,
    concern,
    detail_url,
    messages_of,
    people,
    text_of,
)

pytestmark = pytest.mark.django_db
__all__ = ["client_of", "concern", "people"]  # fixtures


@pytest.fixture
def office(client_of, staff):
    return client_of(staff)


def post(client, concern, action, data=None, **headers):
    prefixed = {f"{action}-{key}": value for key, value in (data or {}).items()}
    return client.post(action_url(concern, action), prefixed, follow=not headers, **headers)


def fresh(concern) -> Concern:
    return Concern.objects.get(pk=concern.pk)


def test_staff_move_a_concern_to_in_progress_and_fixed_with_a_public_note(office, concern, citizen):
    response = post(office, concern, "state", {"state": "open"})
    assert "The concern is now open." in messages_of(response)
    post(office, concern, "state", {"state": "in_progress"})
    response = post(office, concern, "state", {"state": "fixed", "note": "Das Loch ist zu."})
    assert response.status_code == 200
    assert "The concern is now fixed." in messages_of(response)
    assert fresh(concern).state == "fixed"
    page = text_of(response)
    assert "State: in progress → fixed" in page
    assert "Das Loch ist zu." in page
    # The reporter is told, with the public note.
    assert Notification.objects.filter(
        recipient=citizen, body__contains="Das Loch ist zu."
    ).exists()


def test_a_transition_that_needs_a_public_note_is_refused_without_one(office, concern):
    post(office, concern, "state", {"state": "open"})
    response = post(office, concern, "state", {"state": "planned", "note": "  "})
    assert response.status_code == 400
    assert "needs a public note for the reporter" in text_of(response)
    assert fresh(concern).state == "open"
    response = post(office, concern, "state", {"state": "planned", "note": "Im Frühjahr."})
    assert fresh(concern).state == "planned"


def test_the_state_menu_offers_what_the_workflow_allows_and_marks_required_notes(office, concern):
    page = text_of(office.get(detail_url(concern)))
    assert '<option value="open">open</option>' in page
    assert "rejected (public note required)" in page
    assert '<option value="fixed">' not in page  # not from "submitted"
    response = post(office, concern, "state", {"state": "fixed"})
    assert response.status_code == 400
    assert "Select a valid choice." in text_of(response)


def test_a_response_template_prefills_the_public_note(office, concern, pothole):
    template = ResponseTemplate.objects.create(
        category=pothole, title="Erledigt", state="fixed", text="Wir haben das Loch geflickt."
    )
    page = text_of(office.get(detail_url(concern)))
    assert "Erledigt (fixed)" in page
    page = text_of(office.get(f"{detail_url(concern)}?template={template.pk}"))
    assert "Wir haben das Loch geflickt.</textarea>" in page


def test_internal_and_public_notes(office, concern, citizen):
    response = post(office, concern, "note", {"text": "Nur für uns", "public": "0"})
    assert "The internal note was saved." in messages_of(response)
    response = post(office, concern, "note", {"text": "Für alle", "public": "1"})
    assert "The public note was published; reporter and followers are told." in (
        messages_of(response)
    )
    assert ConcernEvent.objects.get(text="Nur für uns").is_public is False
    assert ConcernEvent.objects.get(text="Für alle").is_public is True
    response = post(office, concern, "note", {"text": "", "public": "1"})
    assert response.status_code == 400
    assert "This field is required." in text_of(response)


def test_assigning_to_a_member_of_the_department(office, concern, staff, department_admin):
    membership = Membership.objects.get(user=department_admin)
    response = post(office, concern, "assign", {"assignee": membership.pk, "note": "Bitte du"})
    assert f"The concern is assigned to {department_admin}." in messages_of(response)
    assert fresh(concern).assignee == department_admin
    assert "Bitte du" in text_of(response)  # the internal note
    response = post(office, concern, "assign", {"assignee": ""})
    assert "Nobody is assigned to the concern now." in messages_of(response)
    assert fresh(concern).assignee is None


def test_a_person_of_another_department_cannot_be_assigned(office, concern, other_staff):
    membership = Membership.objects.get(user=other_staff)
    response = post(office, concern, "assign", {"assignee": membership.pk})
    assert response.status_code == 400
    assert "Select a valid choice." in text_of(response)
    assert fresh(concern).assignee is None


def test_forwarding_to_another_department_leaves_the_inbox(
    office, concern, other_department, other_staff, client_of
):
    response = post(office, concern, "forward", {"organisation": other_department.pk})
    assert response.redirect_chain[-1][0] == "/concerns/office/"
    assert f"The concern was forwarded to {other_department.name}." in messages_of(response)
    concern = fresh(concern)
    assert (concern.organisation, concern.forward_count) == (other_department, 1)
    assert concern.service_request_id not in text_of(response)
    assert concern.service_request_id in text_of(client_of(other_staff).get("/concerns/office/"))


def test_handing_over_to_an_external_body(office, concern):
    response = post(office, concern, "external", {"body": "Deutsche Bahn", "note": ""})
    assert response.status_code == 400
    assert "needs a public note" in text_of(response)
    response = post(
        office, concern, "external", {"body": "Deutsche Bahn", "note": "Bitte an die DB wenden."}
    )
    assert "The concern was handed over to Deutsche Bahn." in messages_of(response)
    concern = fresh(concern)
    assert (concern.state, concern.forwarded_to) == ("not_responsible", "Deutsche Bahn")
    assert "Handed over to" in text_of(response)


def test_merging_a_duplicate(office, concern, submit):
    original = submit()
    response = post(office, concern, "merge", {"into": "NOPE-0000"})
    assert response.status_code == 400
    assert "There is no concern with this number that you may see." in text_of(response)
    response = post(office, concern, "merge", {"into": original.service_request_id.lower()})
    assert f"The concern was merged into {original.service_request_id}." in messages_of(response)
    concern = fresh(concern)
    assert (concern.state, concern.duplicate_of) == ("duplicate", original)
    page = text_of(office.get(detail_url(original)))
    assert f"Concern {concern.service_request_id} was merged into this one" in page


def test_merging_into_a_concern_of_another_department_it_cannot_see(
    office, concern, submit, other_staff
):
    elsewhere = submit(at=NEUSTADT)  # routed to the other department, not published
    response = post(office, concern, "merge", {"into": elsewhere.service_request_id})
    assert response.status_code == 400
    assert fresh(concern).state == "submitted"


def test_moderation_publish_withhold_and_hide(office, concern):
    response = post(office, concern, "publish")
    assert "The concern is public now." in messages_of(response)
    assert fresh(concern).is_published
    response = post(office, concern, "withhold", {"reason": ""})
    assert response.status_code == 400
    response = post(office, concern, "withhold", {"reason": "Name eines Nachbarn im Text"})
    assert "Publication is withheld; the concern is not public." in messages_of(response)
    concern = fresh(concern)
    assert (concern.is_published, concern.publication_withheld) == (False, True)
    response = post(office, concern, "hide", {"text": "on", "personal_data": "on"})
    assert "What the public sees was updated." in messages_of(response)
    concern = fresh(concern)
    assert (concern.text_hidden, concern.photos_hidden, concern.personal_data_hidden) == (
        True,
        False,
        True,
    )
    page = text_of(response)
    assert "hidden from the public" in page
    assert "Tiefes Loch in der Fahrbahn" in page  # staff still read it
    assert "Name eines Nachbarn im Text" in page  # the reason, internal


def test_htmx_swaps_the_working_part_with_its_confirmation(office, concern):
    headers = {"HTTP_HX_REQUEST": "true"}
    response = post(office, concern, "state", {"state": "open"}, **headers)
    page = text_of(response)
    assert response.status_code == 200
    assert page.startswith('<div id="concern-office"')
    assert "<html" not in page
    assert "The concern is now open." in page
    response = post(office, concern, "state", {"state": "rejected"}, **headers)
    assert response.status_code == 400
    assert text_of(response).startswith('<div id="concern-office"')
    assert "needs a public note for the reporter" in text_of(response)


def test_htmx_forwarding_sends_the_browser_to_the_inbox(office, concern, other_department):
    response = post(
        office,
        concern,
        "forward",
        {"organisation": other_department.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == "/concerns/office/"


def test_an_unknown_action_or_number_is_not_found(office, concern):
    assert office.post(action_url(concern, "explode"), {}).status_code == 404
    assert office.get("/concerns/office/NOPE-0000/").status_code == 404


def test_text_a_citizen_typed_is_shown_escaped(office, submit, citizen):
    concern = submit(description="<script>alert(1)</script> Loch")
    page = text_of(office.get(detail_url(concern)))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Loch" in page


def test_staff_see_the_answers_to_the_categorys_questions(office, concern):
    page = text_of(office.get(detail_url(concern)))
    assert "Wie groß?" in page
    assert "<dd>groß</dd>" in page


def test_the_internal_history_records_moderation(office, concern, staff):
    services.publish(concern, staff)
    page = text_of(office.get(detail_url(concern)))
    internal = page[page.index('id="internal-heading"') :]
    assert "Published after review" in internal
    assert "Interner Vermerk" in internal
