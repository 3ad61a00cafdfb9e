import io

import pytest
from PIL import Image

from smartcity.concerns import services
from smartcity.concerns.models import Category, CategoryAttribute, RoutingRule
from smartcity.core.accounts.models import Membership
from smartcity.core.geography import demo as geography_demo
from smartcity.core.geography.models import Area
from tests.conftest import make_user

# Points inside the demo districts (their approximate centres) and one outside Dresden.
ALTSTADT = (51.047, 13.750)
NEUSTADT = (51.072, 13.762)
BERLIN = (52.520, 13.405)


@pytest.fixture
def areas(db):
    geography_demo.load()
    return {area.name: area for area in Area.objects.all()}


@pytest.fixture
def pothole(areas, department, other_department):
    """Potholes: the Umweltamt fixture department city-wide, the other department in Neustadt."""
    category = Category.objects.create(
        service_code="schlagloch", name="Schlagloch", group="Straßen", target_hours=72
    )
    CategoryAttribute.objects.create(
        category=category,
        code="groesse",
        datatype="singlevaluelist",
        required=True,
        description="Wie groß?",
        values=[{"key": "klein", "name": "klein"}, {"key": "gross", "name": "groß"}],
    )
    RoutingRule.objects.create(category=category, organisation=department)
    RoutingRule.objects.create(
        category=category, area=areas["Neustadt"], organisation=other_department
    )
    return category


@pytest.fixture
def other_staff(other_department):
    user = make_user("other-staff@example.org")
    Membership.objects.create(user=user, organisation=other_department)
    return user


@pytest.fixture
def submit(pothole):
    """File a pothole report in the Altstadt; keyword arguments override the defaults."""

    def submit(**overrides):
        lat, lon = overrides.pop("at", ALTSTADT)
        arguments = {
            "category": pothole,
            "lat": lat,
            "lon": lon,
            "description": "Tiefes Loch in der Fahrbahn",
            "attributes": {"groesse": "gross"},
        } | overrides
        return services.submit_concern(**arguments).concern

    return submit


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def make_follower(db):
    count = iter(range(1, 100))

    def make():
        return make_user(f"follower{next(count)}@example.org")

    return make
