"""Fixtures of the SensorThings HTTP tests, loaded with ``pytest_plugins``."""

import pytest

from smartcity.sensors import access
from tests.sensors.sta.http_helpers import new_station


@pytest.fixture
def station(department):
    """A public Thing of the department."""
    return new_station(department)


@pytest.fixture
def hospital(department):
    """A private Thing of the department (the Klinikum's meters)."""
    return new_station(department, name="Klinikum meter", private=True)


@pytest.fixture
def tokens(department, other_department, station):
    """Secrets of a platform token, the department's and the other department's
    organisation tokens, and a token for the station alone."""
    return {
        "platform": access.issue_token("Integration")[1],
        "department": access.issue_token("Umweltamt loggers", organisation=department)[1],
        "other": access.issue_token("Tiefbau loggers", organisation=other_department)[1],
        "station": access.issue_token("Station logger", thing=station)[1],
    }
