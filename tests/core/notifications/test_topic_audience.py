import pytest
from django.utils.translation import gettext_lazy as _

from smartcity.core.notifications import services, topics


@pytest.fixture
def staff_topic():
    topic = topics.register_topic("test-staff-only", _("Staff only"), staff_only=True)
    yield topic
    topics._topics.pop(topic.slug)


@pytest.mark.django_db
def test_staff_only_topics_are_offered_to_staff_only(client, citizen, staff, staff_topic):
    assert "test-staff-only" not in services.preferences(citizen)
    assert "test-staff-only" in services.preferences(staff)
    client.force_login(citizen)
    assert "test-staff-only__email" not in client.get("/notifications/settings/").content.decode()
    client.force_login(staff)
    assert "test-staff-only__email" in client.get("/notifications/settings/").content.decode()
