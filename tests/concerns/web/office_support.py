"""Fixtures and helpers the back-office tests share (imported by the test_office* modules)."""

import pytest
from django.conf import settings
from django.test import Client

from smartcity.concerns import services

CONTACT = services.Contact("Erika Muster", "erika@example.org", "0351 123")
PUBLIC_NOTE = "Öffentliche Antwort an alle"
INTERNAL_NOTE = "Interner Vermerk: Bauhof informiert"


@pytest.fixture
def people(users, other_staff):
    """Every role of the matrix; anonymous is None."""
    return users | {"other_staff": other_staff}


@pytest.fixture
def client_of():
    """A client logged in as ``user``, reading English pages (the msgids: the German
    catalogue is produced later)."""

    def client_of(user):
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if user is not None:
            client.force_login(user)
        return client

    return client_of


@pytest.fixture
def concern(submit, citizen, staff):
    """An Altstadt pothole (the fixture department's), with contact data and both kinds of
    notes; not published yet."""
    concern = submit(reporter=citizen, contact=CONTACT)
    services.add_note(concern, PUBLIC_NOTE, staff, public=True)
    services.add_note(concern, INTERNAL_NOTE, staff, public=False)
    return concern


def text_of(response) -> str:
    return response.content.decode()


def detail_url(concern) -> str:
    return f"/concerns/office/{concern.service_request_id}/"


def action_url(concern, action: str) -> str:
    return f"/concerns/office/{concern.service_request_id}/{action}/"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
