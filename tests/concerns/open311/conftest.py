import xml.etree.ElementTree as ET

import pytest

from smartcity.concerns import services
from smartcity.concerns.open311 import keys

API = "/open311/v2/"
OFFSET = r"[+-]\d\d:\d\d$"  # a W3C date-time ends with its UTC offset


@pytest.fixture
def english(client):
    """Answers in English (``Accept-Language: en``): the tests read the English reasons."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def published(submit, platform_admin):
    """File a pothole report (keywords as for ``submit``) and publish it after review."""

    def make(**overrides):
        return services.publish(submit(**overrides), platform_admin)

    return make


@pytest.fixture
def api_key(db):
    """The secret of a partner app's key."""
    _key, secret = keys.issue_key("Dresden-App")
    return secret


def xml_of(response) -> ET.Element:
    """The parsed body; fails unless it is well-formed XML with the standard's header."""
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own server's answer


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def errors_of(response) -> list[dict]:
    """The standard's error list, read from either format."""
    if response["Content-Type"].startswith("text/xml"):
        root = xml_of(response)
        assert root.tag == "errors"
        return [
            {"code": int(error.findtext("code")), "description": error.findtext("description")}
            for error in root.findall("error")
        ]
    return json_of(response)
