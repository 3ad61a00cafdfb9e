import pytest
from django.test import Client


@pytest.fixture
def client():
    """Machine clients of the API: these tests read the English reasons of the error bodies.

    (Without Accept-Language the API answers in German, like the rest of the platform;
    tests/sensors/sta/test_http_language.py checks that.)
    """
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def _english_reasons():
    """Service functions called directly (not through a request) answer in English here too."""
    from django.utils import translation

    with translation.override("en"):
        yield
