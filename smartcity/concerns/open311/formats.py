"""GeoReport v2 responses: the same data as JSON or as XML, and errors in the standard's form.

The XML follows the standard's element names, without namespace; a JSON list is an XML
element holding one child per item (the Spark convention the standard names), and the
child's name comes from :data:`ITEM_NAMES`. Errors are a list of ``{code, description}``,
several at once where a request has several problems; the HTTP status is the highest code
among them (404 for a missing resource, 403 for the API key, 429 for the rate limit, 400
for everything else).
"""

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.http import HttpResponse

JSON = "json"
XML = "xml"
FORMATS = (JSON, XML)
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}

ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "extensions": "extension",
    "parameters": "parameter",
}

# Characters XML 1.0 cannot carry at all; a description is stored as typed, so a control
# character a client sent must not make the whole document ill-formed.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Problem:
    """One entry of the standard's error list."""

    code: int
    description: str


class Open311Error(Exception):
    """Refuses a request with every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(problem.description for problem in problems))
        self.problems = problems


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill(ET.SubElement(element, ITEM_NAMES[element.tag]), item)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def render(fmt: str, root: str, data, *, status: int = 200, headers=None) -> HttpResponse:
    """``data`` (a list or a dict) as JSON, or as XML under the element ``root``."""
    body = to_xml(root, data) if fmt == XML else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt], headers=headers)


def error_response(fmt: str, problems: list[Problem]) -> HttpResponse:
    status = max(problem.code for problem in problems)
    data = [{"code": problem.code, "description": problem.description} for problem in problems]
    return render(fmt, "errors", data, status=status)
