"""Before filing, reporters see open reports of the same category nearby."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from smartcity.concerns import services
from smartcity.concerns.models import Category, Concern
from tests.concerns.conftest import ALTSTADT

pytestmark = pytest.mark.django_db

# About 30 m and 200 m north of ALTSTADT.
NEAR = (ALTSTADT[0] + 0.00027, ALTSTADT[1])
FAR = (ALTSTADT[0] + 0.0018, ALTSTADT[1])


def published(concern, **changes):
    Concern.objects.filter(pk=concern.pk).update(published_at=timezone.now(), **changes)
    return concern


def suggestions(category, user=None, **kwargs):
    found = services.nearby_open_concerns(category, *ALTSTADT, user=user, **kwargs)
    return [(item.concern.description, item.distance_m) for item in found]


def test_open_published_reports_nearby_are_offered_nearest_first(submit, pothole):
    published(submit(description="nah", at=NEAR))
    published(submit(description="hier"))
    published(submit(description="weit", at=FAR))
    assert suggestions(pothole) == [("hier", 0.0), ("nah", pytest.approx(30, abs=1))]
    assert [d for d, _m in suggestions(pothole, radius_m=250)] == ["hier", "nah", "weit"]


def test_closed_old_and_other_category_reports_are_not_offered(submit, pothole):
    published(submit(description="erledigt"), state="fixed")
    published(submit(description="alt"), submitted_at=timezone.now() - timedelta(days=31))
    other = Category.objects.create(service_code="graffiti", name="Graffiti")
    published(submit(description="graffiti", category=other, attributes={}))
    assert suggestions(pothole) == []
    assert [d for d, _m in suggestions(pothole, max_age_days=40)] == ["alt"]


@override_settings(CONCERNS_DUPLICATE_RADIUS_M=300, CONCERNS_DUPLICATE_MAX_AGE_DAYS=5)
def test_radius_and_age_come_from_the_settings(submit, pothole):
    published(submit(description="weit", at=FAR))
    published(submit(description="alt"), submitted_at=timezone.now() - timedelta(days=6))
    assert [d for d, _m in suggestions(pothole)] == ["weit"]


def test_unpublished_reports_are_offered_only_to_those_who_may_see_them(
    submit, pothole, citizen, staff
):
    submit(description="noch nicht geprüft", reporter=citizen)
    assert suggestions(pothole) == []
    assert [d for d, _m in suggestions(pothole, user=citizen)] == ["noch nicht geprüft"]
    assert [d for d, _m in suggestions(pothole, user=staff)] == ["noch nicht geprüft"]
