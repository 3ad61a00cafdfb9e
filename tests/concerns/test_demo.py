"""The Dresden demo catalogue and demo concerns: complete, consistent, loaded idempotently."""

import pytest

from smartcity.concerns import demo, services
from smartcity.concerns.models import Category, Concern, RoutingRule
from smartcity.concerns.workflow import Workflow
from smartcity.core.demo import organisations, users

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(areas):
    organisations.load()
    users.load()
    return demo.load()


def test_loading_twice_changes_nothing(loaded):
    counts = (Category.objects.count(), Concern.objects.count(), RoutingRule.objects.count())
    events = sorted(Concern.objects.values_list("service_request_id", "events__pk"))
    assert demo.load() == loaded == "21 demo concern categories, 40 demo concerns"
    assert counts == (21, 40, 30)
    assert (
        Category.objects.count(),
        Concern.objects.count(),
        RoutingRule.objects.count(),
    ) == counts
    assert sorted(Concern.objects.values_list("service_request_id", "events__pk")) == events


def test_every_category_is_routed_and_every_demo_concern_is_marked(loaded):
    for category in Category.objects.all():
        assert category.is_demo
        assert category.routing_rules.filter(area=None).exists(), category
        assert category.target_hours
    assert not Concern.objects.filter(is_demo=False).exists()
    assert set(Concern.objects.values_list("state", flat=True)) == {
        "submitted", "open", "in_progress", "planned", "fixed", "duplicate",
        "not_responsible", "rejected", "reopened",
    }  # fmt: skip
    assert Concern.objects.values("area").distinct().count() >= 15


def test_flooding_in_the_ortschaften_goes_to_the_umweltamt(loaded):
    cossebaude = Concern.objects.get(category__service_code="ueberflutung", area__name="Cossebaude")
    pieschen = Concern.objects.get(category__service_code="ueberflutung", area__name="Pieschen")
    assert cossebaude.organisation.short_name == "UA"
    assert pieschen.organisation.short_name == "SEDD"


def test_demo_histories_follow_the_workflow_and_answers_fit_the_categories(loaded):
    flow = Workflow.default()
    for concern in Concern.objects.select_related("category"):
        assert services.validate_attributes(concern.category, concern.attributes) == (
            concern.attributes
        )
        assert concern.area is not None and concern.organisation is not None
        changes = [e for e in concern.events.order_by("created_at", "pk") if e.kind == "state"]
        assert changes[0].to_state == "submitted"
        for event in changes[1:]:
            assert (
                flow.refusal(event.from_state, event.to_state, has_public_note=bool(event.text))
                is None
            ), (concern.service_request_id, event.from_state, event.to_state)
        assert changes[-1].to_state == concern.state
        assert concern.is_closed == (concern.closed_at is not None)


def test_the_demo_citizen_has_reports_and_the_duplicate_points_to_its_original(loaded):
    citizen = users.User.objects.get(email="buergerin@demo.smartcity-dresden.de")
    assert Concern.objects.filter(reporter=citizen).count() == 14
    duplicate = Concern.objects.get(state="duplicate")
    assert duplicate.duplicate_of.service_request_id == "DEMO-0002"
    assert services.concern_for(None, "demo-0002").events.filter(kind="merge").exists()
