"""Reporting a concern on the web: category step, form, checks, duplicates, photos, limits."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartcity.concerns import services
from smartcity.concerns.models import Category, Concern, Follow
from smartcity.concerns.web.citizen_report import REPORT_RATE
from tests.concerns.conftest import ALTSTADT, BERLIN, png_bytes

FORM = "/concerns/report/schlagloch/"


def photo(name="loch.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def concern_number(response) -> str:
    return re.fullmatch(r"/concerns/([A-Z0-9-]+)/received/", response["Location"]).group(1)


@pytest.fixture
def graffiti(pothole):
    return Category.objects.create(
        service_code="graffiti", name="Graffiti", group="Sauberkeit", keywords="Schmiererei"
    )


def test_categories_are_grouped_and_searchable(english, graffiti):
    page = english.get("/concerns/report/").content.decode()
    assert "Schlagloch" in page and "Graffiti" in page
    assert '<h2 id="group-1">Sauberkeit</h2>' in page and "Straßen</h2>" in page
    assert 'href="/concerns/report/schlagloch/"' in page

    found = english.get("/concerns/report/", {"q": "schmiererei"}).content.decode()
    assert "Graffiti" in found and "Schlagloch" not in found
    assert "1 category found." in found
    nothing = english.get("/concerns/report/", {"q": "Vulkan"}).content.decode()
    assert "No category matches" in nothing


@pytest.mark.parametrize("role", ["anonymous", "citizen", "staff"])
def test_the_form_is_open_to_everyone(english, users, pothole, role):
    if users[role]:
        english.force_login(users[role])
    response = english.get(FORM)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="report-map"' in page and 'name="lat"' in page and 'name="district"' in page
    assert "Wie groß?" in page  # the category's question
    assert re.search(r'name="idempotency_key" value="[\w-]{20,}"', page)
    assert "never public" in page


def test_an_unknown_or_inactive_category_is_not_found(english, pothole):
    assert english.get("/concerns/report/vulkanausbruch/").status_code == 404
    Category.objects.filter(pk=pothole.pk).update(is_active=False)
    assert english.get(FORM).status_code == 404


def test_a_category_closed_while_writing_keeps_what_was_typed(english, report, pothole):
    Category.objects.filter(pk=pothole.pk).update(is_active=False)
    response = english.post(FORM, report(description="Loch <b>vor</b> der Schule"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This category no longer takes reports." in page
    assert "Loch &lt;b&gt;vor&lt;/b&gt; der Schule</textarea>" in page
    assert not Concern.objects.exists()
    assert english.post("/concerns/report/vulkanausbruch/", report()).status_code == 404


def test_anonymous_report_with_photo_and_contact(english, report):
    data = report(
        photos=photo(),
        contact_name="Erika Muster",
        contact_email="erika@example.org",
        contact_phone="0351 123456",
        address="Wilsdruffer Straße 1",
    )
    response = english.post(FORM, data)
    assert response.status_code == 302
    number = concern_number(response)
    concern = Concern.objects.get(service_request_id=number)
    assert concern.reporter is None and concern.area.name == "Altstadt"
    assert concern.photos.count() == 1
    assert (concern.contact_name, concern.contact_email) == ("Erika Muster", "erika@example.org")
    assert concern.attributes == {"groesse": "gross"}

    confirmation = english.get(response["Location"]).content.decode()
    assert number in confirmation and "Umweltamt" in confirmation
    assert "erika@example.org" not in confirmation
    # The unpublished concern is not public, not even to its anonymous reporter.
    assert english.get(f"/concerns/{number}/").status_code == 404
    # The confirmation belongs to the session that filed the report.
    english.cookies.clear()
    assert english.get(response["Location"]).status_code == 404


def test_a_citizen_sees_the_report_page_after_filing(english, report, citizen):
    english.force_login(citizen)
    response = english.post(FORM, report(photos=photo()))
    number = concern_number(response)
    assert "Open your report" in english.get(response["Location"]).content.decode()
    page = english.get(f"/concerns/{number}/").content.decode()
    assert "Not public yet" in page and "Schlagloch" in page
    assert Concern.objects.get(service_request_id=number).reporter == citizen


def test_a_place_outside_dresden_is_refused_in_german(client, report):
    response = client.post(FORM, report(at=BERLIN, contact_name="Erika"))
    page = response.content.decode()
    assert response.status_code == 400
    assert Concern.objects.count() == 0
    assert "Dresden" in page and 'id="location-errors"' in page
    # Nothing typed is lost.
    assert "Tiefes Loch in der Fahrbahn" in page and 'value="Erika"' in page
    assert 'value="52.52"' in page


def test_every_problem_is_shown_at_once_and_nothing_typed_is_lost(english, report):
    data = report(description="", contact_email="kein-mail", address="Am Zwinger")
    data.pop("attribute[groesse]")
    data["photos"] = photo()
    response = english.post(FORM, data)
    page = response.content.decode()
    assert response.status_code == 400 and Concern.objects.count() == 0
    assert "Please describe the concern." in page
    assert "This answer is required." in page
    assert "Please give a valid e-mail address." in page
    assert 'value="Am Zwinger"' in page and 'value="kein-mail"' in page
    # Without JavaScript the browser drops chosen files: the page says so.
    assert 'id="photos-dropped"' in page
    # The same form key travels on, so that the corrected report is filed once.
    assert 'name="idempotency_key" value="key-1"' in page


def test_a_file_that_is_no_image_is_refused(english, report):
    fake = SimpleUploadedFile("loch.png", b"not an image", content_type="image/png")
    response = english.post(FORM, report(photos=fake))
    assert response.status_code == 400
    assert "Photo 1: The file is not a JPEG, PNG or WebP image" in response.content.decode()
    assert Concern.objects.count() == 0


def test_a_photo_that_is_too_large_is_refused_in_german(client, report, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    large = SimpleUploadedFile("loch.png", png_bytes(size=(1200, 1000), noise=True))
    assert large.size > settings.UPLOAD_MAX_BYTES
    response = client.post(FORM, report(photos=large, description="Loch im Radweg"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Foto 1: Die Datei ist zu groß. Dateien dürfen höchstens 1 MB groß sein." in page
    assert "Loch im Radweg</textarea>" in page
    assert not Concern.objects.exists()


def test_more_than_three_photos_are_refused(english, report):
    response = english.post(FORM, report(photos=[photo(f"{n}.png") for n in range(4)]))
    assert response.status_code == 400
    assert "at most 3 photos" in response.content.decode()


def test_a_double_submit_files_one_concern(english, report):
    first = english.post(FORM, report(key="same-key"))
    second = english.post(FORM, report(key="same-key"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Concern.objects.count() == 1


def test_html_in_the_description_is_shown_escaped(english, report, citizen):
    english.force_login(citizen)
    attack = '<script>alert("x")</script><b>fett</b>'
    number = concern_number(english.post(FORM, report(description=attack)))
    page = english.get(f"/concerns/{number}/").content.decode()
    assert "<script>alert" not in page and "<b>fett</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;fett&lt;/b&gt;" in page
    assert Concern.objects.get().description == attack  # stored as typed


def test_without_a_map_the_district_and_an_address_do(english, report):
    data = report(lat="", lon="", district="neustadt")
    response = english.post(FORM, data)
    assert response.status_code == 400
    assert "Please say where in the district" in response.content.decode()

    response = english.post(FORM, data | {"address": "Alaunplatz, Eingang Bischofsweg"})
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.area.name == "Neustadt" and concern.address.startswith("Alaunplatz")


def test_no_place_at_all_asks_for_one(english, report):
    response = english.post(FORM, report(lat="", lon=""))
    assert response.status_code == 400
    assert "Please mark the place on the map." in response.content.decode()


def test_open_reports_nearby_are_offered_before_saving(english, report, published, citizen):
    earlier = published(at=(ALTSTADT[0] + 0.0001, ALTSTADT[1]))
    english.force_login(citizen)
    response = english.post(FORM, report(photos=photo()))
    page = response.content.decode()
    assert response.status_code == 200
    assert Concern.objects.count() == 1  # nothing saved yet
    assert "Already reported nearby?" in page and earlier.service_request_id in page
    assert f'formaction="/concerns/{earlier.service_request_id}/follow/"' in page
    assert re.search(r"\b11 m away", page)
    assert 'name="duplicates_seen" value="1"' in page

    # Following instead: the "follow" button posts the form to the earlier concern.
    followed = english.post(f"/concerns/{earlier.service_request_id}/follow/", report())
    assert followed["Location"] == f"/concerns/{earlier.service_request_id}/"
    assert Follow.objects.filter(user=citizen, concern=earlier).exists()
    assert Concern.objects.count() == 1

    # Or filing anyway, having seen them.
    response = english.post(FORM, report(duplicates_seen="1"))
    assert response.status_code == 302 and Concern.objects.count() == 2


def test_anonymous_reporters_are_asked_to_log_in_to_follow(english, report, published):
    earlier = published()
    page = english.post(FORM, report()).content.decode()
    assert "Log in to follow this report instead" in page
    assert f"/accounts/login/?next=/concerns/{earlier.service_request_id}/" in page


def test_the_place_check_names_the_district_and_nearby_reports(english, published, pothole):
    earlier = published()
    url = "/concerns/report/schlagloch/place/"
    page = english.get(url, {"lat": ALTSTADT[0], "lon": ALTSTADT[1]}).content.decode()
    assert "The place lies in Altstadt." in page and earlier.service_request_id in page
    outside = english.get(url, {"lat": BERLIN[0], "lon": BERLIN[1]}).content.decode()
    assert "This place lies outside Dresden." in outside
    nonsense = english.get(url, {"lat": "x", "lon": "999"}).content.decode()
    assert "Mark the place on the map." in nonsense


def test_the_place_search_finds_districts_and_reported_streets(english, published, staff):
    published(address="Königsbrücker Straße 40")
    hidden = published(address="Geheimweg 3", at=(51.048, 13.752))
    services.hide(hidden, staff, personal_data=True)

    places = english.get("/concerns/report/places.json", {"q": "neust"}).json()["places"]
    assert [p["name"] for p in places] == ["Neustadt"]
    (south, west), (north, east) = places[0]["bounds"]
    assert south < places[0]["lat"] < north and west < places[0]["lon"] < east

    street = english.get("/concerns/report/places.json", {"q": "Königsbrücker"}).json()
    assert street["places"] == [
        {
            "kind": "address",
            "name": "Königsbrücker Straße 40",
            "lat": ALTSTADT[0],
            "lon": ALTSTADT[1],
        }
    ]
    assert english.get("/concerns/report/places.json", {"q": "Geheimweg"}).json() == {"places": []}
    assert english.get("/concerns/report/places.json", {"q": "a"}).json() == {"places": []}


def test_a_flood_of_reports_is_limited_with_a_german_page(client, pothole):
    limit = int(REPORT_RATE.split("/")[0])
    for _number in range(limit):
        assert client.post(FORM, {}).status_code == 400
    response = client.post(FORM, {})
    assert response.status_code == 429
    assert "Zu viele Anfragen" in response.content.decode()
    assert client.get(FORM).status_code == 200  # reading stays possible


def test_a_photo_loses_its_metadata(english, report, citizen):
    """The photo arrives through core uploads (EXIF/GPS stripped): checked end to end."""
    from PIL import Image

    buffer = io.BytesIO()
    image = Image.new("RGB", (30, 20), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"
    image.save(buffer, "JPEG", exif=exif)
    upload = SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")
    english.force_login(citizen)
    english.post(FORM, report(photos=upload))
    stored = Concern.objects.get().photos.get().image
    with stored.file.open("rb") as file:
        assert b"Kamerahersteller" not in file.read()


def test_having_seen_the_nearby_reports_survives_a_correction(english, report, published):
    published()
    response = english.post(FORM, report(duplicates_seen="1", description=""))
    page = response.content.decode()
    assert response.status_code == 400 and "Already reported nearby?" not in page
    assert '<input type="hidden" name="duplicates_seen" value="1">' in page
    response = english.post(FORM, report(duplicates_seen="1"))
    assert response.status_code == 302


def test_every_open311_data_type_has_its_field(english, areas, department):
    from smartcity.concerns.models import CategoryAttribute, RoutingRule

    drain = Category.objects.create(service_code="gully", name="Gully", group="Wasser")
    RoutingRule.objects.create(category=drain, organisation=department)
    questions = [
        ("tiefe", "number", [], "Wie tief?"),
        ("seit", "datetime", [], "Seit wann?"),
        (
            "geruch",
            "multivaluelist",
            [{"key": "faul", "name": "faulig"}, {"key": "oel", "name": "ölig"}],
            "Geruch?",
        ),
        ("notiz", "text", [], "Noch etwas?"),
        ("deckel", "string", [], "Deckelnummer?"),
    ]
    for order, (code, datatype, values, question) in enumerate(questions):
        CategoryAttribute.objects.create(
            category=drain,
            code=code,
            datatype=datatype,
            values=values,
            description=question,
            order=order,
        )
    CategoryAttribute.objects.create(
        category=drain,
        code="hinweis",
        datatype="string",
        variable=False,
        description="Bei Gefahr bitte 112 anrufen.",
        order=9,
    )
    page = english.get("/concerns/report/gully/").content.decode()
    assert 'type="datetime-local" name="attribute[seit]"' in page
    assert 'type="checkbox" name="attribute[geruch]" value="oel"' in page
    assert '<textarea name="attribute[notiz]"' in page
    assert 'inputmode="decimal"' in page and "Bei Gefahr bitte 112 anrufen." in page
    data = {
        "lat": str(ALTSTADT[0]),
        "lon": str(ALTSTADT[1]),
        "description": "Gully läuft über",
        "attribute[tiefe]": "12,5",
        "attribute[seit]": "2026-05-04T08:30",
        "attribute[geruch]": ["oel", "faul"],
        "attribute[notiz]": "Seit Tagen",
        "attribute[deckel]": "G-17",
    }
    assert english.post("/concerns/report/gully/", data).status_code == 302
    assert Concern.objects.get().attributes == {
        "tiefe": 12.5,
        "seit": "2026-05-04T08:30:00+02:00",
        "geruch": ["faul", "oel"],
        "notiz": "Seit Tagen",
        "deckel": "G-17",
    }
