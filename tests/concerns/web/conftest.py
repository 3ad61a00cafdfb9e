"""Fixtures of the citizens' concern pages (the back office keeps its own in its modules)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from tests.concerns.conftest import ALTSTADT


@pytest.fixture
def english(client):
    """Pages in English (the language cookie): the tests read the English msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def report(pothole):
    """POST data of a valid pothole report in the Altstadt; keyword arguments override."""

    def report(**overrides):
        lat, lon = overrides.pop("at", ALTSTADT)
        return {
            "lat": str(lat),
            "lon": str(lon),
            "description": "Tiefes Loch in der Fahrbahn",
            "attribute[groesse]": "gross",
            "idempotency_key": overrides.pop("key", "key-1"),
        } | overrides

    return report


@pytest.fixture
def published(submit, platform_admin):
    """A published concern (in the Altstadt unless ``at`` says otherwise)."""

    def published(**overrides):
        concern = submit(**overrides)
        return services.publish(concern, platform_admin)

    return published


@pytest.fixture
def fixed_for(submit, staff):
    """A published concern of ``reporter`` that staff fixed ``days_ago`` days ago."""

    def fixed_for(reporter, days_ago=1):
        concern = submit(reporter=reporter)
        services.publish(concern, staff)
        services.change_state(concern, "open", staff)
        concern = services.change_state(concern, "fixed", staff)
        Concern.objects.filter(pk=concern.pk).update(
            closed_at=timezone.now() - timedelta(days=days_ago)
        )
        concern.refresh_from_db()
        return concern

    return fixed_for
