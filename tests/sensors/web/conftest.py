import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from smartcity.core.accounts.models import Membership, Organisation
from smartcity.core.demo import organisations
from smartcity.sensors.models import Datastream, Thing
from tests.conftest import make_user


@pytest.fixture
def network(department, other_department):
    """The sample organisations and the simulated network with 3 h of values (demo data).

    ``department`` (UA) and ``other_department`` (STA) are created first; loading the sample
    organisations then completes them instead of clashing with them.
    """
    organisations.load()
    call_command("sensors", "simulate", "--hours", "3", stdout=io.StringIO())


@pytest.fixture
def english(client):
    """Pages in English (the language switch's cookie beats a profile's language): the tests
    read the English msgids, not their translation."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def other_staff(other_department):
    """Staff of the Straßen- und Tiefbauamt (STA), not of the Umweltamt (UA)."""
    user = make_user("other@example.org")
    Membership.objects.create(user=user, organisation=other_department)
    return user


def member_of(short_name: str, email: str):
    user = make_user(email)
    Membership.objects.create(
        user=user, organisation=Organisation.objects.get(short_name=short_name)
    )
    return user


def thing(key: str) -> Thing:
    return Thing.objects.get(properties__simulator=key)


def stream(key: str) -> Datastream:
    """The only (or first) Datastream of the simulated station ``key``."""
    return Datastream.objects.filter(thing__properties__simulator=key).order_by("pk").first()


def section(html: str, element_id: str) -> str:
    """The markup from the element with ``element_id`` to the end of its tbody or article."""
    start = html.index(f'id="{element_id}"')
    end = re.compile(r"</tbody>|</article>").search(html, start)
    return html[start : end.end()]
