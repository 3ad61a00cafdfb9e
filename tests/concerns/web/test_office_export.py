"""CSV export of the filtered inbox: content, contact data only where allowed and asked
for, and cells a spreadsheet would run as formulas defused."""

import csv
import io

import pytest

from smartcity.concerns import services
from smartcity.core.datasets import cell_text
from tests.concerns.web.office_support import CONTACT, client_of, concern, people

pytestmark = pytest.mark.django_db
__all__ = ["client_of", "concern", "people"]  # fixtures


def export(client, **query) -> list[dict]:
    response = client.get("/concerns/office/export.csv", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="concerns-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_holds_the_filtered_inbox_without_contact_data(
    client_of, staff, concern, submit
):
    services.assign(concern, concern.organisation, staff, staff)
    other = submit(address="Postplatz")
    (row,) = export(client_of(staff), q="Postplatz")
    assert row["Number"] == other.service_request_id
    rows = {row["Number"]: row for row in export(client_of(staff))}
    row = rows[concern.service_request_id]
    assert row["Category"] == "Schlagloch"
    assert row["State"] == "submitted"
    assert row["Target time"] == "on time"
    assert row["Department"] == "Umweltamt"
    assert row["Assigned to"] == str(staff)
    assert row["District"] == "Altstadt"
    assert (row["Latitude"], row["Longitude"]) == (str(concern.lat), str(concern.lon))
    assert row["Description"] == "Tiefes Loch in der Fahrbahn"
    assert "Contact e-mail" not in row
    assert CONTACT.email not in str(rows)


def test_contact_data_only_when_asked_and_allowed(client_of, staff, platform_admin, concern):
    (row,) = export(client_of(staff), contact="1")
    assert (row["Contact name"], row["Contact e-mail"], row["Contact phone"]) == (
        CONTACT.name,
        CONTACT.email,
        CONTACT.phone,
    )
    (row,) = export(client_of(platform_admin), contact="1")
    assert row["Contact e-mail"] == CONTACT.email


def test_another_department_exports_nothing_of_it(client_of, other_staff, concern, staff):
    services.publish(concern, staff)
    assert export(client_of(other_staff), contact="1", state="any") == []


def test_formula_cells_are_defused(client_of, staff, submit):
    cells = {
        '=HYPERLINK("https://evil.example")': '\'=HYPERLINK("https://evil.example")',
        "+49 351 1234": "'+49 351 1234",
        "-1+1": "'-1+1",
        "@SUM(A1:A2)": "'@SUM(A1:A2)",
    }
    for index, (typed, _exported) in enumerate(cells.items()):
        submit(
            description=typed,
            address=typed,
            contact=services.Contact(name=typed, phone="+49 351 1234"),
            idempotency_key=f"formula-{index}",
        )
    rows = export(client_of(staff), contact="1")
    assert sorted(row["Description"] for row in rows) == sorted(cells.values())
    assert sorted(row["Address"] for row in rows) == sorted(cells.values())
    assert sorted(row["Contact name"] for row in rows) == sorted(cells.values())
    assert {row["Contact phone"] for row in rows} == {"'+49 351 1234"}


def test_numbers_and_plain_text_stay_as_they_are():
    assert cell_text(-12.5) == "-12.5"
    assert cell_text(None) == ""
    assert cell_text("Loch = tief") == "Loch = tief"
    assert cell_text("\t=1") == "'\t=1"
