"""What the concerns browser tests share: a city where potholes go to one department."""

from playwright.sync_api import expect

from smartcity.concerns.models import Category, CategoryAttribute, RoutingRule
from smartcity.core.accounts.models import Membership, Organisation
from smartcity.core.geography import demo as geography_demo
from tests.conftest import make_user

STAFF_EMAIL = "bauhof@example.org"


def potholes_to_the_sta() -> Category:
    """The demo districts; potholes (with a required question about their size) routed
    city-wide to the Straßen- und Tiefbauamt, whose member of staff is ``STAFF_EMAIL``."""
    geography_demo.load()
    department = Organisation.objects.create(
        name="Straßen- und Tiefbauamt", short_name="STA", slug="sta", kind="department"
    )
    category = Category.objects.create(
        service_code="schlagloch", name="Schlagloch", group="Straßen und Wege", target_hours=72
    )
    CategoryAttribute.objects.create(
        category=category,
        code="groesse",
        datatype="singlevaluelist",
        required=True,
        description="Wie groß ist das Schlagloch?",
        values=[
            {"key": "klein", "name": "kleiner als eine Hand"},
            {"key": "gross", "name": "größer als ein Teller"},
        ],
    )
    RoutingRule.objects.create(category=category, organisation=department)
    Membership.objects.create(user=make_user(STAFF_EMAIL), organisation=department)
    return category


def in_english(page) -> None:
    """Switch the UI to English with the language button: the tests then read the msgids."""
    page.get_by_role("button", name="Sprache: English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
