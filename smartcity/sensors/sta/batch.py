"""Batch requests: many SensorThings requests in one HTTP request (OGC 18-088, section 11).

Two formats are read and answered in kind:

- **multipart/mixed**, as the standard's section 11 adopts it from OData 4.0 Part 1
  (Protocol), section 11.7: each part is an ``application/http`` request; a nested
  ``multipart/mixed`` part is a *change set*, run atomically. A failed change set is
  answered by the one response of the request that failed (11.7.4).
- **JSON** (``application/json``), the OData 4.01 JSON batch format (OData JSON Format
  4.01, section 19): ``{"requests": [{"id", "method", "url", "headers"?, "body"?,
  "atomicityGroup"?, "dependsOn"?}]}`` answered by ``{"responses": [{"id", "status",
  "headers", "body"?}]}``. Requests sharing an ``atomicityGroup`` (adjacent, as 19.1
  requires) run atomically; when one fails, it keeps its error and every other request
  of the group answers ``424 Failed Dependency``, as does a request whose ``dependsOn``
  names a failed request or group.

Requests run in order. A URL is relative to the service root (``Things(1)``), an absolute
path (``/sta/v1.1/Things(1)``; the form ``/v1.1/Things(1)`` of the standard's examples,
which place the service root at ``/v1.1``, is read the same way) or an absolute URL. A
request may refer to an entity an earlier request created by that request's id (its
Content-ID in multipart): ``$1/Datastreams`` as the URL's first segment (OData 4.0 Part 1,
11.7.3.1) and ``{"@iot.id": "$sensor1"}`` in a body (the standard's example 11.2.2).

This module parses, orders and formats; each request is run by the ``execute`` callback
the service (``sta/service.py``) passes in, through the same dispatch as a request of its own.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP as HTTP_POLICY
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from smartcity.sensors.sta.calls import Result, error

MAX_REQUESTS = 1000
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
# The standard's examples write request paths from a service root at /v1.1 (11.2.1).
STANDARD_ROOT = "/v1.1/"
_JSON_MEMBERS = ("id", "method", "url", "headers", "body", "atomicityGroup", "dependsOn")
_CRLF = "\r\n"


class BatchError(Exception):
    """A batch request that cannot be read at all: the whole batch is answered 400."""


@dataclass
class Part:
    """One request of a batch. ``headers`` have lower-case names."""

    id: str | None
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    group: str | None = None
    depends_on: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass
class Outcome:
    part: Part
    result: Result


@dataclass
class Unit:
    """A request on its own, or an atomic group (change set) of requests."""

    group: str | None
    outcomes: list[Outcome]
    failure: Outcome | None = None  # the request that made an atomic group fail


# --- JSON format -------------------------------------------------------------------------


def _string(value, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise BatchError(_("%(where)s must be a non-empty string") % {"where": where})
    return value


def _json_part(index: int, item) -> Part:
    where = f"requests[{index}]"
    if not isinstance(item, dict):
        raise BatchError(_("%(where)s must be a JSON object") % {"where": where})
    unknown = [key for key in item if key not in _JSON_MEMBERS]
    if unknown:
        raise BatchError(
            _("%(where)s: unsupported member %(names)s; supported are: %(known)s")
            % {"where": where, "names": ", ".join(unknown), "known": ", ".join(_JSON_MEMBERS)}
        )
    for member in ("id", "method", "url"):
        if member not in item:
            raise BatchError(_("%(where)s needs %(member)s") % {"where": where, "member": member})
    method = _string(item["method"], f"{where}.method").upper()
    if method not in METHODS:
        raise BatchError(
            _("%(where)s.method must be one of %(methods)s")
            % {"where": where, "methods": ", ".join(m.lower() for m in METHODS)}
        )
    headers = item.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise BatchError(_("%(where)s.headers must be an object of strings") % {"where": where})
    headers = {name.lower(): value for name, value in headers.items()}
    body = b""
    if "body" in item:
        headers.setdefault("content-type", "application/json")
        if "json" in headers["content-type"]:
            body = json.dumps(item["body"], ensure_ascii=False).encode()
        elif isinstance(item["body"], str):
            body = item["body"].encode()
        else:
            raise BatchError(
                _("%(where)s.body must be a string for the content type %(type)s")
                % {"where": where, "type": headers["content-type"]}
            )
    depends_on = item.get("dependsOn", [])
    if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
        raise BatchError(_("%(where)s.dependsOn must be an array of ids") % {"where": where})
    group = item.get("atomicityGroup")
    return Part(
        id=_string(item["id"], f"{where}.id"),
        method=method,
        url=_string(item["url"], f"{where}.url"),
        headers=headers,
        body=body,
        group=None if group is None else _string(group, f"{where}.atomicityGroup"),
        depends_on=tuple(depends_on),
    )


def _check_order(parts: list[Part]) -> None:
    """Ids unique, groups adjacent, dependsOn only on earlier requests (19.1)."""
    seen: set[str] = set()
    closed: set[str] = set()
    current = None
    for part in parts:
        if part.group != current:
            if current is not None:
                closed.add(current)
            if part.group in closed:
                raise BatchError(
                    _("the requests of atomicityGroup %(group)r must be adjacent")
                    % {"group": part.group}
                )
            if part.group is not None and part.group in seen:
                raise BatchError(
                    _("%(name)r is used both as a request id and an atomicityGroup")
                    % {"name": part.group}
                )
            current = part.group
        if part.id in seen or part.id in closed or part.id == part.group:
            raise BatchError(_("the request id %(id)r is not unique") % {"id": part.id})
        for dependency in part.depends_on:
            if dependency not in seen and dependency not in closed:
                raise BatchError(
                    _("request %(id)r depends on %(dep)r, which is no earlier request or group")
                    % {"id": part.id, "dep": dependency}
                )
        if part.id is not None:
            seen.add(part.id)


def parse_json(body: bytes) -> list[Part]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise BatchError(_("the batch is not valid JSON: %(error)s") % {"error": error}) from None
    if not isinstance(document, dict) or not isinstance(document.get("requests"), list):
        raise BatchError(_('a JSON batch is an object {"requests": [...]}'))
    extra = [key for key in document if key != "requests"]
    if extra:
        raise BatchError(
            _("unsupported member %(names)s of the batch") % {"names": ", ".join(extra)}
        )
    items = document["requests"]
    _check_size(len(items))
    parts = [_json_part(index, item) for index, item in enumerate(items)]
    _check_order(parts)
    return parts


def _check_size(count: int) -> None:
    if count == 0:
        raise BatchError(_("the batch holds no requests"))
    if count > MAX_REQUESTS:
        raise BatchError(
            _("the batch holds %(count)d requests; at most %(max)d are allowed")
            % {"count": count, "max": MAX_REQUESTS}
        )


# --- multipart format --------------------------------------------------------------------


def _http_request(payload: bytes, content_id: str | None, where: str) -> Part:
    """An ``application/http`` part: request line, headers, empty line, body."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = payload.partition(separator)
        if found:
            break
    else:
        head, body = payload, b""
    lines = head.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    request_line = lines[0].split()
    if len(request_line) not in (2, 3) or request_line[0].upper() not in METHODS:
        raise BatchError(
            _("%(where)s: the request line must read METHOD URL HTTP/1.1, not %(line)r")
            % {"where": where, "line": lines[0]}
        )
    headers = {}
    for line in lines[1:]:
        if not line.strip():
            continue  # the blank line ending a request without a body
        name, colon, value = line.partition(":")
        if not colon:
            raise BatchError(
                _("%(where)s: malformed header %(line)r") % {"where": where, "line": line}
            )
        headers[name.strip().lower()] = value.strip()
    return Part(
        id=content_id or headers.get("content-id"),
        method=request_line[0].upper(),
        url=request_line[1],
        headers=headers,
        body=body,
    )


def _mime_part(message, where: str, group: str | None) -> Part:
    if message.get_content_type() != "application/http":
        raise BatchError(
            _("%(where)s must be of type application/http, not %(type)s")
            % {"where": where, "type": message.get_content_type()}
        )
    part = _http_request(message.get_payload(decode=True) or b"", message["content-id"], where)
    part.group = group
    return part


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    header = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP_POLICY).parsebytes(header + body)
    boundary = message.get_boundary()
    if not boundary:
        raise BatchError(_("a multipart batch needs Content-Type: multipart/mixed;boundary=..."))
    if not message.is_multipart():
        raise BatchError(
            _("the batch holds no parts delimited by --%(boundary)s") % {"boundary": boundary}
        )
    parts: list[Part] = []
    for index, item in enumerate(message.get_payload()):
        where = f"part {index + 1}"
        if item.get_content_type() == "multipart/mixed":
            group = f"changeset {index + 1}"
            members = item.get_payload() if item.is_multipart() else []
            if not members:
                raise BatchError(_("%(where)s: an empty change set") % {"where": where})
            parts.extend(
                _mime_part(member, f"{where}.{number + 1}", group)
                for number, member in enumerate(members)
            )
        else:
            parts.append(_mime_part(item, where, None))
    _check_size(len(parts))
    ids = [part.id for part in parts if part.id is not None]
    if len(ids) != len(set(ids)):
        raise BatchError(_("each Content-ID must be unique within the batch"))
    return parts


# --- URLs and references -----------------------------------------------------------------


def resolve_url(url: str, root_path: str, references: dict[str, str]) -> tuple[str, str]:
    """The resource path below the service root and the query string of a request URL.

    Raises ``LookupError`` with a message for a URL outside the service or an unknown
    ``$id`` reference.
    """
    split = urlsplit(url)
    path = split.path
    if split.scheme or split.netloc or path.startswith("/"):
        if path == root_path.rstrip("/"):
            return "", split.query
        for root in (root_path, STANDARD_ROOT):
            if path.startswith(root):
                return unquote(path[len(root) :]), split.query
        raise LookupError(
            _("%(url)s is not below the service root %(root)s") % {"url": url, "root": root_path}
        )
    first, slash, rest = path.partition("/")
    if first.startswith("$") and first != "$batch":
        name = first[1:]
        if name not in references:
            raise LookupError(
                _("%(ref)s names no entity created by an earlier request of this batch")
                % {"ref": first}
            )
        return unquote(references[name] + slash + rest), split.query
    return unquote(path), split.query


def _substitute(value, ids: dict[str, int]):
    """Replace ``{"@iot.id": "$name"}`` by the id of the entity request ``name`` created."""
    if isinstance(value, list):
        return [_substitute(item, ids) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key == "@iot.id" and isinstance(item, str) and item.startswith("$") and item[1:] in ids:
            result[key] = ids[item[1:]]
        else:
            result[key] = _substitute(item, ids)
    return result


def with_references(part: Part, references: dict[str, str]) -> bytes:
    """The part's body with ``$name`` ids of earlier created entities filled in."""
    if not references or "json" not in part.content_type or b'"$' not in part.body:
        return part.body
    try:
        document = json.loads(part.body)
    except (UnicodeDecodeError, ValueError):
        return part.body  # the request itself answers 400 for the broken JSON
    ids = {}
    for name, path in references.items():
        key = path[path.rfind("(") + 1 : -1]
        if key.isdigit():
            ids[name] = int(key)
    return json.dumps(_substitute(document, ids), ensure_ascii=False).encode()


# --- running -----------------------------------------------------------------------------


def _units(parts: list[Part]) -> list[tuple[str | None, list[Part]]]:
    units: list[tuple[str | None, list[Part]]] = []
    for part in parts:
        if part.group is not None and units and units[-1][0] == part.group:
            units[-1][1].append(part)
        else:
            units.append((part.group, [part]))
    return units


def _failed_dependency(message: str) -> Result:
    return error(HTTPStatus.FAILED_DEPENDENCY, message)


def run(
    parts: list[Part],
    execute: Callable[[Part, dict[str, str]], Result],
    *,
    base_url: str,
) -> list[Unit]:
    """Run the parts in order; ``execute(part, references)`` runs one request.

    ``references`` maps the ids of earlier requests that created an entity to its path
    below the service root (``"Things(5)"``), read from their Location header.
    """
    references: dict[str, str] = {}
    failed: set[str] = set()
    units = []
    prefix = base_url.rstrip("/") + "/"

    def created(part: Part, result: Result) -> dict[str, str]:
        location = result.headers.get("Location", "")
        if part.id is None or result.status != 201 or not location.startswith(prefix):
            return {}
        return {part.id: location[len(prefix) :]}

    def blocked(part: Part) -> Result | None:
        broken = [name for name in part.depends_on if name in failed]
        if not broken:
            return None
        return _failed_dependency(
            _("not run: it depends on %(names)s, which failed") % {"names": ", ".join(broken)}
        )

    for group, members in _units(parts):
        if group is None:
            part = members[0]
            result = blocked(part) or execute(part, references)
            if result.status >= 400 and part.id is not None:
                failed.add(part.id)
            references.update(created(part, result))
            units.append(Unit(None, [Outcome(part, result)]))
            continue
        outcomes: list[Outcome] = []
        new_references: dict[str, str] = {}
        failure = None
        with transaction.atomic():
            for part in members:
                result = blocked(part) or execute(part, {**references, **new_references})
                outcome = Outcome(part, result)
                outcomes.append(outcome)
                if result.status >= 400:
                    failure = outcome
                    break
                new_references.update(created(part, result))
            if failure is not None:
                transaction.set_rollback(True)
        if failure is None:
            references.update(new_references)
            units.append(Unit(group, outcomes))
            continue
        failed.add(group)
        failed.update(part.id for part in members if part.id is not None)
        reason = _("rolled back: request %(id)s of the atomic group %(group)s failed") % {
            "id": failure.part.id or "?",
            "group": group,
        }
        answered = []
        for part in members:
            if part is failure.part:
                answered.append(failure)
            else:
                answered.append(Outcome(part, _failed_dependency(reason)))
        units.append(Unit(group, answered, failure))
    return units


# --- answers -----------------------------------------------------------------------------


def json_answer(units: list[Unit]) -> dict:
    responses = []
    for unit in units:
        for outcome in unit.outcomes:
            result = outcome.result
            response = {"id": outcome.part.id, "status": result.status}
            headers = {name.lower(): value for name, value in result.headers.items()}
            if result.data is not None:
                headers["content-type"] = result.content_type
                response["body"] = result.data
            response["headers"] = headers
            responses.append(response)
    return {"responses": responses}


def _http_response(outcome: Outcome) -> str:
    result = outcome.result
    lines = [
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
    ]
    if outcome.part.id is not None:
        lines.append(f"Content-ID: {outcome.part.id}")
    lines += ["", f"HTTP/1.1 {result.status} {HTTPStatus(result.status).phrase}"]
    if result.data is not None:
        lines.append(f"Content-Type: {result.content_type}")
    lines += [f"{name}: {value}" for name, value in result.headers.items()]
    lines += ["", result.body().decode()]
    return _CRLF.join(lines)


def multipart_answer(units: list[Unit]) -> tuple[str, bytes]:
    """The multipart/mixed answer: its Content-Type header value and its body."""
    boundary = f"batchresponse_{uuid.uuid4()}"
    chunks = []
    for unit in units:
        if unit.group is None or unit.failure is not None:
            # A failed change set is answered by the failing request alone (11.7.4).
            outcome = unit.failure or unit.outcomes[0]
            chunks.append(_http_response(outcome))
            continue
        inner = f"changesetresponse_{uuid.uuid4()}"
        members = "".join(
            f"--{inner}{_CRLF}{_http_response(outcome)}{_CRLF}" for outcome in unit.outcomes
        )
        chunks.append(
            f"Content-Type: multipart/mixed; boundary={inner}{_CRLF}{_CRLF}{members}--{inner}--"
        )
    body = "".join(f"--{boundary}{_CRLF}{chunk}{_CRLF}" for chunk in chunks) + f"--{boundary}--"
    return f"multipart/mixed; boundary={boundary}", body.encode()
