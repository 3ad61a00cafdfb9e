import io
import os
from datetime import timedelta

import pytest
from PIL import Image

from smartcity.concerns import services
from smartcity.concerns.models import Category, CategoryAttribute, Concern, RoutingRule
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


def png_bytes(size=(40, 30), color=(200, 30, 30), *, noise=False) -> bytes:
    """A PNG; with ``noise`` random pixels, which PNG cannot compress (a large file)."""
    buffer = io.BytesIO()
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, color)
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def make_follower(db):
    count = iter(range(1, 100))

    def make():
        return make_user(f"follower{next(count)}@example.org")

    return make


@pytest.fixture
def worked(submit, staff, other_staff, other_department):
    """Three fixed potholes in the Altstadt, closed after 10, 20 and 100 hours, the last one
    forwarded and late (target 72 h); one open pothole in the Neustadt."""

    def closed_after(hours, *, forwarded=False):
        concern, worker = submit(), staff
        if forwarded:
            concern, worker = services.forward(concern, other_department, staff), other_staff
        concern = services.change_state(
            services.change_state(concern, "open", worker), "fixed", worker
        )
        Concern.objects.filter(pk=concern.pk).update(
            submitted_at=concern.closed_at - timedelta(hours=hours),
            due_at=concern.closed_at - timedelta(hours=hours - 72),
        )

    closed_after(10)
    closed_after(20)
    closed_after(100, forwarded=True)
    submit(at=NEUSTADT)
