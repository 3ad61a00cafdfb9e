"""Filing a concern: checks, routing by district, target time, photos, double submits."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from smartcity.concerns import services
from smartcity.concerns.models import Concern, ConcernEvent
from smartcity.core import events
from smartcity.core.uploads.models import ImageUpload
from tests.concerns.conftest import BERLIN, NEUSTADT, png_bytes

pytestmark = pytest.mark.django_db


def errors_of(call) -> dict:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


def test_a_report_is_routed_to_the_department_of_its_district(
    submit, department, other_department, areas
):
    altstadt = submit()
    neustadt = submit(at=NEUSTADT)
    assert (altstadt.area.name, altstadt.organisation) == ("Altstadt", department)
    assert (neustadt.area.name, neustadt.organisation) == ("Neustadt", other_department)


def test_a_new_report_waits_for_review_with_its_due_time_and_first_history_entry(submit):
    concern = submit(address="Wilsdruffer Straße 1")
    assert concern.state == "submitted"
    assert concern.published_at is None
    assert concern.due_at - concern.submitted_at == timedelta(hours=72)
    assert concern.attributes == {"groesse": "gross"}
    assert len(concern.service_request_id) == 9
    assert concern.open311_status == "open"
    (event,) = concern.events.all()
    assert (event.kind, event.to_state, event.is_public) == ("state", "submitted", True)


def test_a_place_outside_dresden_is_refused_with_a_clear_message(submit):
    assert errors_of(lambda: submit(at=BERLIN)) == {
        "location": ["This place lies outside Dresden. Please choose a place within the city."]
    }
    assert Concern.objects.count() == 0


@pytest.mark.parametrize("place", [(None, None), ("north", "13.7"), (95, 13.7), ("nan", 13.7)])
def test_a_missing_or_impossible_place_is_refused(submit, place):
    assert list(errors_of(lambda: submit(at=place))) == ["location"]


def test_all_problems_are_reported_at_once_and_nothing_is_stored(submit):
    problems = errors_of(
        lambda: submit(
            description="  ",
            attributes={"groesse": "riesig"},
            contact=services.Contact(email="not-an-address", phone="call me"),
            photos=[b"not an image"],
        )
    )
    assert problems == {
        "description": ["Please describe the concern."],
        "attribute[groesse]": ["riesig is not one of the choices."],
        "contact_email": ["Please give a valid e-mail address."],
        "contact_phone": ["A phone number has digits, spaces and + - / ( ) only."],
        "photos": [
            "Photo 1: The file is not a JPEG, PNG or WebP image. Please choose a photo in one "
            "of these formats."
        ],
    }
    assert Concern.objects.count() == ImageUpload.objects.count() == 0


def test_required_attributes_and_unknown_categories_are_refused(submit):
    assert errors_of(lambda: submit(attributes={})) == {
        "attribute[groesse]": ["This answer is required."]
    }
    assert errors_of(lambda: submit(category="laerm")) == {
        "category": ["Please choose one of the categories."]
    }


def test_an_inactive_category_takes_no_reports(submit, pothole):
    pothole.is_active = False
    pothole.save()
    assert list(errors_of(submit)) == ["category"]


def test_the_category_may_be_given_by_its_service_code(submit):
    assert submit(category="schlagloch").category.service_code == "schlagloch"


def test_html_is_stored_as_typed(submit):
    text = '<script>alert("x")</script> Loch'
    assert submit(description=text).description == text


def test_a_double_submit_returns_the_first_report(submit, pothole, citizen):
    arguments = {
        "category": pothole,
        "lat": 51.047,
        "lon": 13.75,
        "description": "Loch",
        "attributes": {"groesse": "klein"},
        "reporter": citizen,
        "idempotency_key": "form-4711",
    }
    first = services.submit_concern(**arguments)
    second = services.submit_concern(**arguments)
    assert (first.created, second.created) == (True, False)
    assert second.concern.pk == first.concern.pk
    assert Concern.objects.count() == 1
    # Another person cannot use someone else's key to read their report.
    with pytest.raises(ValidationError):
        services.submit_concern(**arguments | {"reporter": None})


def test_up_to_three_photos_are_stored_cleaned(submit, citizen):
    concern = submit(photos=[png_bytes(), png_bytes(color=(0, 0, 255))], reporter=citizen)
    photos = list(concern.photos.select_related("image"))
    assert [photo.position for photo in photos] == [1, 2]
    assert all(photo.image.uploaded_by == citizen for photo in photos)
    assert photos[0].image.content_type == "image/png"
    assert errors_of(lambda: submit(photos=[png_bytes()] * 4)) == {
        "photos": ["Please attach at most 3 photos."]
    }


def test_contact_data_is_kept_for_the_department(submit):
    concern = submit(contact=services.Contact(" Erika ", "ERIKA@example.org", "+49 351 123"))
    assert (concern.contact_name, concern.contact_email, concern.contact_phone) == (
        "Erika",
        "erika@example.org",
        "+49 351 123",
    )


def test_a_report_without_routing_rule_goes_to_nobody(submit, pothole):
    pothole.routing_rules.all().delete()
    assert submit().organisation is None


received = []


def remember(event_type, payload):
    received.append((event_type, payload))


def test_other_apps_hear_of_new_reports_after_commit(
    submit, department, django_capture_on_commit_callbacks
):
    received.clear()
    events.subscribe(services.CREATED, remember)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            concern = submit()
    finally:
        events._subscribers[services.CREATED].remove("tests.concerns.test_submission:remember")
    assert received == [
        (
            "concerns.concern.created",
            {
                "concern_id": concern.pk,
                "service_request_id": concern.service_request_id,
                "service_code": "schlagloch",
                "state": "submitted",
                "organisation_id": department.pk,
                "area_id": concern.area_id,
            },
        )
    ]
    assert ConcernEvent.objects.filter(concern=concern).count() == 1
