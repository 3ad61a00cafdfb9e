import pytest
from django.db import transaction

from smartcity.core import events

received = []


def remember(event_type, payload):
    received.append((event_type, payload))


@pytest.fixture(autouse=True)
def _subscribed():
    received.clear()
    events.subscribe("test.something.happened", remember)
    yield
    events._subscribers.pop("test.something.happened")


@pytest.mark.django_db(transaction=True)
def test_subscriber_receives_event_after_commit():
    with transaction.atomic():
        events.publish("test.something.happened", {"id": 7})
        assert received == []
    assert received == [("test.something.happened", {"id": 7})]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_announces_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.something.happened", {"id": 8})
        raise RuntimeError("rollback")
    assert received == []


def test_subscribing_twice_delivers_once():
    events.subscribe("test.something.happened", remember)
    assert events.subscribers("test.something.happened") == ["tests.core.test_events:remember"]


def test_nested_functions_cannot_subscribe():
    def local(event_type, payload):
        pass

    with pytest.raises(ValueError, match="module-level"):
        events.subscribe("test.other", local)
