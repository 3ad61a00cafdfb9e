"""GeoReport v2 reading, written from the specification (wiki.open311.org/GeoReport_v2):
discovery, the service list, service definitions, the request list and single requests,
in JSON and XML, with the standard's element names, filters, limits and errors."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from smartcity.concerns import services
from smartcity.concerns.models import Category, Concern
from tests.concerns.conftest import NEUSTADT, png_bytes
from tests.concerns.open311.conftest import API, OFFSET, errors_of, json_of, xml_of

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
    "media_url",
]


def submitted_days_ago(concern: Concern, days: float) -> Concern:
    moment = timezone.now() - timedelta(days=days)
    Concern.objects.filter(pk=concern.pk).update(submitted_at=moment, updated_at=moment)
    return Concern.objects.get(pk=concern.pk)


def ids_of(response) -> list[str]:
    return [item["service_request_id"] for item in json_of(response)]


# Discovery


def test_discovery_names_the_endpoint_its_formats_and_extensions(client):
    data = json_of(client.get(API + "discovery.json"))
    assert re.search(OFFSET, data["changeset"])
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert [e["name"] for e in endpoint["extensions"]] == [
        "paging",
        "updated_after",
        "media_upload",
        "servicerequestupdates",
    ]
    assert data["key_service"]

    root = xml_of(client.get(API + "discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert len(root.findall("endpoints/endpoint/extensions/extension")) == 4


# Services


def test_the_service_list_holds_the_active_categories(client, pothole):
    pothole.keywords = "Loch, Straße"
    pothole.save()
    Category.objects.create(service_code="alt", name="Abgeschafft", is_active=False)
    (service,) = json_of(client.get(API + "services.json"))
    assert service == {
        "service_code": "schlagloch",
        "service_name": "Schlagloch",
        "description": None,
        "metadata": True,
        "type": "batch",
        "keywords": "Loch, Straße",
        "group": "Straßen",
    }
    root = xml_of(client.get(API + "services.xml"))
    assert root.tag == "services"
    (element,) = root.findall("service")
    assert [child.tag for child in element] == list(service)
    assert element.findtext("metadata") == "true"
    assert element.findtext("service_name") == "Schlagloch"


def test_a_service_definition_lists_its_attributes_and_values(client, pothole):
    pothole.attributes.create(
        code="hinweis", datatype="string", variable=False, description="Bitte Foto", order=0
    )
    data = json_of(client.get(API + "services/schlagloch.json"))
    assert data["service_code"] == "schlagloch"
    size, note = data["attributes"]
    assert size == {
        "variable": True,
        "code": "groesse",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "Wie groß?",
        "values": [{"key": "klein", "name": "klein"}, {"key": "gross", "name": "groß"}],
    }
    assert (note["variable"], note["order"], "values" in note) == (False, 2, False)

    root = xml_of(client.get(API + "services/schlagloch.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert [child.tag for child in attribute] == list(size)
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["klein", "gross"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_404_in_the_standard_error_form(client, pothole, fmt):
    response = client.get(f"{API}services/gibtsnicht.{fmt}")
    assert response.status_code == 404
    assert errors_of(response) == [
        {"code": 404, "description": "service_code gibtsnicht wurde nicht gefunden."}
    ]


# Requests


def test_a_request_shows_the_public_fields_with_times_in_dresden_time(
    client, published, staff, department
):
    concern = published(address="Wilsdruffer Straße 1")
    services.add_note(concern, "Wir sehen uns das an.", staff, public=True)
    services.add_note(concern, "Intern: Bauhof fragen", staff, public=False)
    (item,) = json_of(client.get(f"{API}requests/{concern.service_request_id}.json"))
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == concern.service_request_id
    assert (item["status"], item["status_notes"]) == ("open", "Wir sehen uns das an.")
    assert (item["service_code"], item["service_name"]) == ("schlagloch", "Schlagloch")
    assert item["agency_responsible"] == "Umweltamt"
    assert "72" in item["service_notice"]
    assert (item["lat"], item["long"], item["address"]) == (51.047, 13.75, "Wilsdruffer Straße 1")
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert re.search(OFFSET, item[field]), field
    requested = timezone.datetime.fromisoformat(item["requested_datetime"])
    expected = timezone.datetime.fromisoformat(item["expected_datetime"])
    assert expected - requested == timedelta(hours=72)  # the category's target time
    assert requested.utcoffset() in (timedelta(hours=1), timedelta(hours=2))  # Europe/Berlin

    root = xml_of(client.get(f"{API}requests/{concern.service_request_id}.xml"))
    assert root.tag == "service_requests"
    (element,) = root.findall("request")
    assert [child.tag for child in element] == REQUEST_FIELDS
    assert element.findtext("status_notes") == "Wir sehen uns das an."
    assert element.findtext("media_url") == ""


def test_closed_states_are_closed_and_a_handed_over_concern_names_the_body(
    client, published, staff
):
    fixed = published()
    services.change_state(fixed, "open", staff)
    services.change_state(fixed, "fixed", staff, "Loch verfüllt")
    handed_over = published()
    services.forward_external(handed_over, "Deutsche Bahn", staff, "Bahngelände")
    waiting = published()
    services.change_state(waiting, "open", staff)
    services.change_state(waiting, "planned", staff, "Im Frühjahr")
    by_id = {
        item["service_request_id"]: item for item in json_of(client.get(API + "requests.json"))
    }
    assert (
        by_id[fixed.service_request_id]["status"],
        by_id[fixed.service_request_id]["status_notes"],
    ) == ("closed", "Loch verfüllt")
    item = by_id[handed_over.service_request_id]
    assert (item["status"], item["agency_responsible"]) == ("closed", "Deutsche Bahn")
    assert "Deutsche Bahn" in item["service_notice"]
    assert by_id[waiting.service_request_id]["status"] == "open"
    assert json_of(client.get(API + "requests.json?status=closed")) == [
        by_id[handed_over.service_request_id],
        by_id[fixed.service_request_id],
    ]
    assert ids_of(client.get(API + "requests.json?status=open,closed")) == list(by_id)


def test_only_published_concerns_are_listed_or_found(client, published, submit, staff):
    public = published()
    waiting = submit()
    withheld = published()
    services.withhold(withheld, staff, "Beleidigung im Text")
    assert ids_of(client.get(API + "requests.json")) == [public.service_request_id]
    for concern in (waiting, withheld):
        response = client.get(f"{API}requests/{concern.service_request_id}.json")
        assert response.status_code == 404
        assert errors_of(response)[0]["code"] == 404
    response = client.get(f"{API}requests/{waiting.service_request_id}.xml")
    assert (response.status_code, xml_of(response).tag) == (404, "errors")


def test_contact_data_never_leaves_the_api(client, published, staff):
    concern = published(
        contact=services.Contact("Erika Mustermann", "erika@example.org", "0351 123456")
    )
    services.add_note(concern, "Danke", staff, public=True)
    for path in (
        "requests.json",
        "requests.xml",
        f"requests/{concern.service_request_id}.json",
        f"requests/{concern.service_request_id}.xml",
        "servicerequestupdates.json",
        "servicerequestupdates.xml",
    ):
        body = client.get(API + path).content.decode()
        assert concern.service_request_id in body
        for secret in ("Erika", "erika@example.org", "123456", "staff@example.org"):
            assert secret not in body, (path, secret)


def test_moderation_is_respected_text_place_and_photos(client, published, staff):
    concern = published(photos=[png_bytes()], address="Altmarkt 1", at=(51.04712, 13.75034))
    (item,) = json_of(client.get(f"{API}requests/{concern.service_request_id}.json"))
    assert item["media_url"].startswith("http://testserver/media/uploads/images/")
    assert client.get(item["media_url"].removeprefix("http://testserver")).status_code == 200
    services.hide(concern, staff, text=True, photos=True, personal_data=True)
    (item,) = json_of(client.get(f"{API}requests/{concern.service_request_id}.json"))
    assert (item["description"], item["media_url"], item["address"]) == (None, None, None)
    assert (item["lat"], item["long"]) == (51.047, 13.75)


def test_markup_is_returned_as_text_and_the_xml_stays_well_formed(client, published):
    text = '<script>alert("x")</script> & Co \x07'
    published(description=text)
    (item,) = json_of(client.get(API + "requests.json"))
    assert item["description"] == text
    root = xml_of(client.get(API + "requests.xml"))
    assert root.findtext("request/description") == '<script>alert("x")</script> & Co \ufffd'
    assert b"<script>" not in client.get(API + "requests.xml").content


def test_service_request_id_lists_override_every_other_filter(client, published):
    old = submitted_days_ago(published(), 400)
    recent = published(at=NEUSTADT)
    response = client.get(
        API + "requests.json",
        {
            "service_request_id": ",".join(
                [old.service_request_id, recent.service_request_id.lower(), "XXXX-0000"]
            ),
            "status": "closed",
            "service_code": "schlagloch",
            "start_date": "2020-01-01T00:00:00Z",
            "end_date": "2020-02-01T00:00:00Z",
        },
    )
    assert ids_of(response) == [recent.service_request_id, old.service_request_id]


def test_the_default_window_is_the_last_90_days(client, published):
    recent = submitted_days_ago(published(), 89)
    submitted_days_ago(published(), 91)
    assert ids_of(client.get(API + "requests.json")) == [recent.service_request_id]


def test_a_date_range_finds_older_requests_but_spans_at_most_90_days(english, client, published):
    old = submitted_days_ago(published(), 200)
    start = (timezone.now() - timedelta(days=210)).isoformat()
    end = (timezone.now() - timedelta(days=190)).isoformat()
    response = client.get(API + "requests.json", {"start_date": start, "end_date": end})
    assert ids_of(response) == [old.service_request_id]
    assert ids_of(client.get(API + "requests.json", {"start_date": start})) == [
        old.service_request_id
    ]
    assert ids_of(client.get(API + "requests.json", {"end_date": end})) == [old.service_request_id]

    too_long = client.get(
        API + "requests.xml",
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:01Z"},
    )
    assert too_long.status_code == 400
    assert errors_of(too_long) == [
        {"code": 400, "description": "start_date and end_date may span at most 90 days."}
    ]
    exactly_90 = client.get(
        API + "requests.json",
        {"start_date": "2026-01-01T00:00:00+01:00", "end_date": "2026-04-01T00:00:00+02:00"},
    )
    assert exactly_90.status_code == 200


def test_empty_parameters_count_as_not_sent(client, published):
    concern = published()
    response = client.get(
        API + "requests.json",
        {"start_date": "", "status": "", "service_code": "", "jurisdiction_id": "", "page": ""},
    )
    assert ids_of(response) == [concern.service_request_id]


def test_service_code_lists_filter_and_unknown_codes_are_named(english, client, published):
    concern = published()
    assert ids_of(client.get(API + "requests.json?service_code=schlagloch,schlagloch")) == [
        concern.service_request_id
    ]
    response = client.get(API + "requests.json?service_code=schlagloch,graffiti")
    assert (response.status_code, errors_of(response)) == (
        400,
        [{"code": 400, "description": "service_code graffiti was not found."}],
    )


def test_several_errors_come_at_once(client, pothole):
    response = client.get(
        API + "requests.xml",
        {"status": "erledigt", "start_date": "2026-05-04T08:30:00", "page_size": "5000"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    descriptions = [error["description"] for error in errors_of(response)]
    assert [error["code"] for error in errors_of(response)] == [400, 400, 400]
    assert descriptions[0] == "status must be open or closed, not erledigt."
    assert descriptions[1].startswith("start_date must be a date and time with time zone")
    assert descriptions[2] == "page_size must be a whole number from 1 to 1000."


def test_jurisdiction_id_is_optional_and_only_dresden_is_served(client, published):
    published()
    assert client.get(API + "requests.json?jurisdiction_id=dresden.de").status_code == 200
    response = client.get(API + "services.xml?jurisdiction_id=sfgov.org")
    assert response.status_code == 404
    assert "sfgov.org" in errors_of(response)[0]["description"]


def test_unknown_resources_and_methods_answer_in_the_standard_form(client, pothole):
    response = client.get(API + "reports.json")
    assert (response.status_code, errors_of(response)[0]["code"]) == (404, 404)
    response = client.get(API + "services")
    assert (response.status_code, xml_of(response).tag) == (404, "errors")
    response = client.delete(API + "requests.json")
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, POST")
    assert errors_of(response)[0]["code"] == 405
    assert client.post(API + "services.json").status_code == 405


def test_errors_are_in_english_on_request(client, pothole):
    response = client.get(API + "services/xyz.json", headers={"Accept-Language": "en"})
    assert errors_of(response)[0]["description"] == "service_code xyz was not found."
