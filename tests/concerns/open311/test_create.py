"""GeoReport v2 POST requests and tokens: the partner app's key, every problem at once,
the media-upload extension, the answer with a token resolved once the concern is
published, and the rate limits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from smartcity.concerns.open311 import keys
from smartcity.concerns.open311.models import ApiKey, RequestToken
from tests.concerns.conftest import BERLIN, png_bytes
from tests.concerns.open311.conftest import API, errors_of, json_of, xml_of

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


@pytest.fixture
def report(api_key, pothole):
    """The parameters of a valid report; keywords override or (None) leave one out."""

    def report(**overrides):
        params = {
            "api_key": api_key,
            "jurisdiction_id": "dresden.de",
            "service_code": "schlagloch",
            "lat": "51.047",
            "long": "13.750",
            "address_string": "Wilsdruffer Straße 1, 01067 Dresden",
            "description": "Tiefes Loch vor der Haltestelle",
            "attribute[groesse]": "gross",
            "email": "Erika@Example.org",
            "first_name": "Erika",
            "last_name": "Mustermann",
            "phone": "0351 123456",
            "device_id": "abc-123",
        } | overrides
        return {name: value for name, value in params.items() if value is not None}

    return report


def post(client, fmt="json", address="127.0.0.1", **params):
    return client.post(f"{API}requests.{fmt}", params, headers=EN, REMOTE_ADDR=address)


def test_a_new_request_is_answered_with_a_token_resolved_once_published(
    client, report, platform_admin
):
    response = post(client, **report())
    assert response.status_code == 200
    (answer,) = json_of(response)
    assert list(answer) == ["token", "service_notice"]
    assert "after review" in answer["service_notice"]
    concern = Concern.objects.get()
    assert (concern.channel, concern.state, concern.published_at) == ("open311", "submitted", None)
    assert (concern.contact_name, concern.contact_email, concern.contact_phone) == (
        "Erika Mustermann",
        "erika@example.org",
        "0351 123456",
    )
    assert concern.address == "Wilsdruffer Straße 1, 01067 Dresden"
    assert concern.attributes == {"groesse": "gross"}
    assert RequestToken.objects.get().api_key.name == "Dresden-App"

    token = answer["token"]
    waiting = json_of(client.get(f"{API}tokens/{token}.json"))
    assert waiting == [{"service_request_id": None, "token": token}]
    assert client.get(f"{API}requests/{concern.service_request_id}.json").status_code == 404

    services.publish(concern, platform_admin)
    assert json_of(client.get(f"{API}tokens/{token}.json")) == [
        {"service_request_id": concern.service_request_id, "token": token}
    ]
    root = xml_of(client.get(f"{API}tokens/{token}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == concern.service_request_id
    assert root.findtext("request/token") == token
    (public,) = json_of(client.get(f"{API}requests/{concern.service_request_id}.json"))
    assert public["description"] == "Tiefes Loch vor der Haltestelle"


def test_the_xml_answer_has_the_standard_elements(client, report):
    root = xml_of(post(client, "xml", **report()))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [child.tag for child in request] == ["token", "service_notice"]
    assert request.findtext("token") == RequestToken.objects.get().token


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_token_is_404(client, pothole, fmt):
    response = client.get(f"{API}tokens/nichtda.{fmt}")
    assert response.status_code == 404
    assert errors_of(response)[0]["code"] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "api_key, reason",
    [
        (None, "api_key is missing: creating requests needs a partner app's key."),
        ("o311_falsch", "api_key is not valid: it is unknown or was revoked."),
        ("", "api_key is missing: creating requests needs a partner app's key."),
    ],
)
def test_creating_needs_a_valid_api_key(client, report, fmt, api_key, reason):
    response = post(client, fmt, **report(api_key=api_key))
    assert response.status_code == 403
    assert errors_of(response) == [{"code": 403, "description": reason}]
    assert not Concern.objects.exists()


def test_a_revoked_key_is_refused(client, report, platform_admin, api_key):
    keys.revoke_key(platform_admin, ApiKey.objects.get())
    assert post(client, **report()).status_code == 403


def test_the_key_may_come_in_the_query_string(client, report, api_key):
    response = client.post(
        f"{API}requests.json?api_key={api_key}", report(api_key=None), headers=EN
    )
    assert response.status_code == 200


def test_missing_location_and_required_attribute_are_reported_together(client, report):
    response = post(client, "xml", **report(lat=None, long=None, **{"attribute[groesse]": None}))
    assert response.status_code == 400
    assert errors_of(response) == [
        {
            "code": 400,
            "description": "lat/long: please send the location as lat and long (WGS84) as "
            "well; an address alone cannot be placed on the map here.",
        },
        {"code": 400, "description": "attribute[groesse]: This answer is required."},
    ]
    assert not Concern.objects.exists()


def test_every_problem_names_its_parameter(client, report):
    response = post(
        client,
        **report(
            lat=None,
            long=None,
            address_string=None,
            description=" ",
            email="keine-adresse",
            phone="ruf mich an",
            **{"attribute[groesse]": "riesig", "attribute[farbe]": "rot"},
        ),
    )
    assert response.status_code == 400
    assert sorted(error["description"] for error in errors_of(response)) == [
        "attribute[farbe]: This category does not ask for farbe.",
        "attribute[groesse]: riesig is not one of the choices.",
        "description: Please describe the concern.",
        "email: Please give a valid e-mail address.",
        "lat/long: the location is missing; send lat and long (WGS84).",
        "phone: A phone number has digits, spaces and + - / ( ) only.",
    ]


@pytest.mark.parametrize(
    "lat, long, reason",
    [
        (
            str(BERLIN[0]),
            str(BERLIN[1]),
            "lat/long: This place lies outside Dresden. Please choose a place within the city.",
        ),
        (
            "Nord",
            "13.75",
            "lat/long must be decimal degrees (WGS84), such as lat=51.05 and long=13.74.",
        ),
        (
            "51.047",
            None,
            "lat/long: please send the location as lat and long (WGS84) as well; "
            "an address alone cannot be placed on the map here.",
        ),
    ],
)
def test_a_place_outside_dresden_or_no_place_is_refused(client, report, lat, long, reason):
    response = post(client, **report(lat=lat, long=long))
    assert (response.status_code, errors_of(response)) == (
        400,
        [{"code": 400, "description": reason}],
    )


def test_service_code_missing_is_400_and_unknown_is_404(client, report):
    response = post(client, **report(service_code=None))
    assert (response.status_code, errors_of(response)) == (
        400,
        [{"code": 400, "description": "service_code: please name the service."}],
    )
    response = post(client, "xml", **report(service_code="graffiti", lat=None))
    assert response.status_code == 404
    assert errors_of(response) == [
        {"code": 404, "description": "service_code graffiti was not found."},
        {
            "code": 400,
            "description": "lat/long: please send the location as lat and long (WGS84) as "
            "well; an address alone cannot be placed on the map here.",
        },
    ]


def test_another_jurisdiction_is_404(client, report):
    response = post(client, **report(jurisdiction_id="sfgov.org"))
    assert response.status_code == 404
    assert not Concern.objects.exists()


def test_media_url_is_refused_with_the_upload_extension_named(client, report):
    response = post(client, **report(media_url="http://example.org/loch.jpg"))
    assert response.status_code == 400
    assert "multipart field media" in errors_of(response)[0]["description"]
    assert not Concern.objects.exists()


def test_photos_are_uploaded_as_multipart_media(client, report, platform_admin):
    photo = png_bytes()
    response = client.post(
        f"{API}requests.json",
        report() | {"media": [_file("loch.png", photo), _file("nah.png", photo)]},
        headers=EN,
    )
    assert response.status_code == 200
    concern = Concern.objects.get()
    assert concern.photos.count() == 2
    services.publish(concern, platform_admin)
    (item,) = json_of(client.get(f"{API}requests/{concern.service_request_id}.json"))
    assert item["media_url"].startswith("http://testserver/media/uploads/images/")


def test_a_file_that_is_not_an_image_is_refused(client, report):
    response = client.post(
        f"{API}requests.json", report() | {"media": _file("loch.png", b"%PDF-1.7")}, headers=EN
    )
    assert response.status_code == 400
    (error,) = errors_of(response)
    assert error["description"].startswith("media: Photo 1:")
    assert not Concern.objects.exists()


def test_a_photo_that_is_too_large_is_refused(client, report, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    large = png_bytes(size=(1200, 1000), noise=True)
    response = client.post(
        f"{API}requests.xml", report() | {"media": _file("loch.png", large)}, headers=EN
    )
    assert response.status_code == 400
    assert errors_of(response) == [
        {
            "code": 400,
            "description": "media: Photo 1: The file is too large. Files may be at most 1 MB.",
        }
    ]
    assert not Concern.objects.exists()


def test_several_values_of_a_multivaluelist(client, report, pothole):
    pothole.attributes.create(
        code="ort",
        datatype="multivaluelist",
        description="Wo?",
        values=[{"key": "fahrbahn", "name": "Fahrbahn"}, {"key": "gehweg", "name": "Gehweg"}],
    )
    params = report() | {"attribute[ort][]": ["gehweg", "fahrbahn"]}
    assert client.post(f"{API}requests.json", params, headers=EN).status_code == 200
    assert Concern.objects.get().attributes["ort"] == ["fahrbahn", "gehweg"]


def test_markup_in_the_description_is_stored_as_sent(client, report):
    text = "<b>Loch</b><script>alert(1)</script>"
    assert post(client, **report(description=text)).status_code == 200
    assert Concern.objects.get().description == text


def test_clients_need_no_csrf_token(report):
    client = Client(enforce_csrf_checks=True)
    assert post(client, **report()).status_code == 200


def test_posts_are_rate_limited_per_key(client, report, settings):
    settings.OPEN311_POST_RATE_PER_KEY = "2/h"
    assert [post(client, **report()).status_code for _ in range(2)] == [200, 200]
    response = post(client, "xml", **report())
    assert response.status_code == 429
    assert errors_of(response) == [
        {
            "code": 429,
            "description": "Too many new requests in a short time; please try again later.",
        }
    ]
    _key, other = keys.issue_key("Andere App")
    assert post(client, **report(api_key=other)).status_code == 200
    assert Concern.objects.count() == 3


def test_posts_are_rate_limited_per_address_whatever_the_key(client, report, settings):
    settings.OPEN311_POST_RATE_PER_ADDRESS = "2/h"
    assert post(client, **report(api_key="o311_geraten")).status_code == 403
    assert post(client, **report()).status_code == 200
    _key, other = keys.issue_key("Andere App")
    response = post(client, **report(api_key=other))
    assert (response.status_code, errors_of(response)[0]["code"]) == (429, 429)
    other_address = post(client, address="10.0.0.2", **report(api_key=other))
    assert other_address.status_code == 200


def _file(name, content):
    return SimpleUploadedFile(name, content, content_type="image/png")
