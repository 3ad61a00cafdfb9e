"""$batch in both formats: JSON (OData 4.01) and multipart/mixed with change sets (OData 4.0)."""

import json
from email.parser import BytesParser
from email.policy import HTTP

import pytest
from django.test import Client

from smartcity.sensors import models as m
from tests.sensors.sta.http_helpers import (
    BASE,
    ROOT,
    bearer,
    send,
)
from tests.sensors.sta.write_helpers import datastream_payload, property_payload, sensor_payload

pytest_plugins = ["tests.sensors.sta.http_fixtures"]
pytestmark = pytest.mark.django_db
BOUNDARY = "batch_36522ad7-fc75-4b56-8c71-56071383e77b"
CHANGESET = "changeset_77162fcd-b8da-41ac-a9f8-9357efbbd"


def json_batch(client, requests, **extra):
    return send(client, "POST", "$batch", {"requests": requests}, **extra)


def by_id(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return {item["id"]: item for item in response.json()["responses"]}


def test_json_batch_runs_requests_in_order(client, station, tokens):
    responses = by_id(
        json_batch(
            client,
            [
                {"id": "0", "method": "get", "url": f"Things({station.pk})?$select=name"},
                {
                    "id": "1",
                    "atomicityGroup": "group1",
                    "method": "post",
                    "url": "Things",
                    "body": {"name": "New", "description": "Thing"},
                },
                {
                    "id": "2",
                    "atomicityGroup": "group1",
                    "method": "patch",
                    "url": f"{ROOT}/Things({station.pk})",
                    "body": {"name": "Json Patched"},
                },
                {"id": "3", "method": "get", "url": "Things(424242)"},
            ],
            **bearer(tokens["platform"]),
        )
    )
    assert responses["0"]["status"] == 200
    assert responses["0"]["body"] == {"name": "Weather station"}
    new = m.Thing.objects.get(name="New")
    assert responses["1"]["status"] == 201
    assert responses["1"]["headers"]["location"] == f"{BASE}/Things({new.pk})"
    assert responses["1"]["body"]["@iot.id"] == new.pk
    assert responses["2"]["status"] == 200
    assert responses["2"]["body"]["name"] == "Json Patched"
    assert responses["3"] == {
        "id": "3",
        "status": 404,
        "headers": {"content-type": "application/json; charset=utf-8"},
        "body": {"detail": "Things(424242) does not exist"},
    }


def test_a_failed_atomicity_group_is_rolled_back(client, station, tokens):
    responses = by_id(
        json_batch(
            client,
            [
                {
                    "id": "thing",
                    "atomicityGroup": "g",
                    "method": "post",
                    "url": "Things",
                    "body": {"name": "Rolled back", "description": "-"},
                },
                {
                    "id": "patch",
                    "atomicityGroup": "g",
                    "method": "patch",
                    "url": f"Things({station.pk})",
                    "body": {"name": "Rolled back too"},
                },
                {
                    "id": "broken",
                    "atomicityGroup": "g",
                    "method": "post",
                    "url": "Things",
                    "body": {"name": "no description"},
                },
                {"id": "after", "method": "get", "url": f"Things({station.pk})/name"},
                {"id": "depends", "dependsOn": ["g"], "method": "get", "url": "Things"},
            ],
            **bearer(tokens["platform"]),
        )
    )
    assert responses["broken"]["status"] == 400
    assert responses["broken"]["body"] == {"detail": "description: is required"}
    for name in ("thing", "patch"):
        assert responses[name]["status"] == 424
        assert responses[name]["body"] == {
            "detail": "rolled back: request broken of the atomic group g failed"
        }
    assert responses["after"]["body"] == {"name": "Weather station"}
    assert responses["depends"]["status"] == 424
    assert responses["depends"]["body"] == {"detail": "not run: it depends on g, which failed"}
    assert list(m.Thing.objects.values_list("name", flat=True)) == ["Weather station"]


def test_json_batch_refers_to_entities_created_earlier(client, station, tokens):
    responses = by_id(
        json_batch(
            client,
            [
                {"id": "sensor1", "method": "post", "url": "Sensors", "body": sensor_payload()},
                {
                    "id": "thing",
                    "method": "post",
                    "url": "Things",
                    "body": {"name": "Referenced", "description": "made in the batch"},
                },
                {
                    "id": "stream",
                    "dependsOn": ["sensor1", "thing"],
                    "method": "post",
                    "url": "$thing/Datastreams",
                    "body": datastream_payload(
                        Sensor={"@iot.id": "$sensor1"}, ObservedProperty=property_payload()
                    ),
                },
            ],
            **bearer(tokens["platform"]),
        )
    )
    assert [responses[name]["status"] for name in ("sensor1", "thing", "stream")] == [201] * 3
    stream = m.Datastream.objects.get(pk=responses["stream"]["body"]["@iot.id"])
    assert stream.thing.name == "Referenced"
    assert stream.sensor.pk == responses["sensor1"]["body"]["@iot.id"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("[1]", 'a JSON batch is an object {"requests": [...]}'),
        ('{"requests": []}', "the batch holds no requests"),
        ('{"requests": [{"id": "1", "method": "get"}]}', "requests[0] needs url"),
        (
            '{"requests": [{"id": "1", "method": "options", "url": "Things"}]}',
            "requests[0].method must be one of get, post, patch, put, delete",
        ),
        (
            '{"requests": [{"id": "1", "method": "get", "url": "Things"},'
            ' {"id": "1", "method": "get", "url": "Things"}]}',
            "the request id '1' is not unique",
        ),
        (
            '{"requests": [{"id": "1", "atomicityGroup": "g", "method": "get", "url": "Things"},'
            ' {"id": "2", "method": "get", "url": "Things"},'
            ' {"id": "3", "atomicityGroup": "g", "method": "get", "url": "Things"}]}',
            "the requests of atomicityGroup 'g' must be adjacent",
        ),
        (
            '{"requests": [{"id": "1", "dependsOn": ["2"], "method": "get", "url": "Things"}]}',
            "request '1' depends on '2', which is no earlier request or group",
        ),
        (
            '{"requests": [{"id": "1", "if": "x", "method": "get", "url": "Things"}]}',
            "requests[0]: unsupported member if; supported are:",
        ),
        ("{broken", "the batch is not valid JSON:"),
    ],
)
def test_a_malformed_json_batch_is_400(client, body, detail):
    response = send(client, "POST", "$batch", body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)


def test_batch_requests_keep_their_own_answers(client, station):
    responses = by_id(
        json_batch(
            client,
            [
                {"id": "nested", "method": "post", "url": "$batch", "body": {"requests": []}},
                {"id": "anonymous", "method": "post", "url": "Things", "body": {}},
                {"id": "outside", "method": "get", "url": "/api/health"},
                {"id": "unknown-ref", "method": "get", "url": "$nothing/Datastreams"},
                {"id": "absolute", "method": "get", "url": f"{BASE}/Things({station.pk})/name"},
            ],
        )
    )
    assert responses["nested"]["status"] == 400
    assert responses["nested"]["body"] == {
        "detail": "a batch request cannot contain another batch request"
    }
    assert responses["anonymous"]["status"] == 401
    assert responses["anonymous"]["headers"]["www-authenticate"] == (
        'Basic realm="SensorThings", Bearer'
    )
    assert responses["outside"]["status"] == 404
    assert responses["outside"]["body"] == {
        "detail": "/api/health is not below the service root /sta/v1.1/"
    }
    assert responses["unknown-ref"]["status"] == 404
    assert responses["absolute"]["body"] == {"name": "Weather station"}


def test_a_batch_needs_a_known_format(client):
    response = send(client, "POST", "$batch", "x", content_type="text/plain")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "a batch is sent as application/json or multipart/mixed, not text/plain"
    }


def test_a_session_batch_needs_the_csrf_header(station, staff):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    response = json_batch(client, [{"id": "1", "method": "get", "url": "Things"}])
    assert response.status_code == 403


# --- multipart ---------------------------------------------------------------------------


def multipart(client, body: str, **extra):
    return client.post(
        f"{ROOT}/$batch",
        data=body.encode(),
        content_type=f"multipart/mixed;boundary={BOUNDARY}",
        **extra,
    )


def answers(response):
    """(Content-ID, status line, headers, body) of every response, change sets flattened."""
    assert response.status_code == 200
    content_type = response["Content-Type"]
    assert content_type.startswith("multipart/mixed; boundary=batchresponse_")
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + response.content
    )
    found = []
    for part in message.get_payload():
        members = part.get_payload() if part.is_multipart() else [part]
        for member in members:
            assert member.get_content_type() == "application/http"
            head, _, body = member.get_payload(decode=True).partition(b"\r\n\r\n")
            status, *header_lines = head.decode().split("\r\n")
            headers = dict(line.split(": ", 1) for line in header_lines)
            found.append((member["Content-ID"], status, headers, body.decode()))
    return found


def test_multipart_batch_of_the_standards_example(client, station, tokens):
    body = (
        f"--{BOUNDARY}\r\n"
        "Content-Type: application/http\r\n"
        "\r\n"
        f"GET /v1.1/Things({station.pk})?$select=name HTTP/1.1\r\n"
        "Host: localhost\r\n"
        "\r\n"
        "\r\n"
        f"--{BOUNDARY}\r\n"
        f"Content-Type: multipart/mixed;boundary={CHANGESET}\r\n"
        "\r\n"
        f"--{CHANGESET}\r\n"
        "Content-Type: application/http\r\n"
        "Content-ID: 1\r\n"
        "\r\n"
        "POST /v1.1/Things HTTP/1.1\r\n"
        "Host: localhost\r\n"
        "Content-Type: application/json\r\n"
        "\r\n"
        '{"name":"New","description":"Thing"}\r\n'
        f"--{CHANGESET}\r\n"
        "Content-Type: application/http\r\n"
        "Content-ID: 2\r\n"
        "\r\n"
        f"PATCH /sta/v1.1/Things({station.pk}) HTTP/1.1\r\n"
        "Host: localhost\r\n"
        "Content-Type: application/json\r\n"
        "\r\n"
        '{"name":"Patched"}\r\n'
        f"--{CHANGESET}--\r\n"
        f"--{BOUNDARY}\r\n"
        "Content-Type: application/http\r\n"
        "\r\n"
        "GET Things(424242) HTTP/1.1\r\n"
        "Host: localhost\r\n"
        "\r\n"
        "\r\n"
        f"--{BOUNDARY}--"
    )
    found = answers(multipart(client, body, **bearer(tokens["platform"])))
    new = m.Thing.objects.get(name="New")
    assert [(cid, status) for cid, status, _h, _b in found] == [
        (None, "HTTP/1.1 200 OK"),
        ("1", "HTTP/1.1 201 Created"),
        ("2", "HTTP/1.1 200 OK"),
        (None, "HTTP/1.1 404 Not Found"),
    ]
    assert json.loads(found[0][3]) == {"name": "Weather station"}
    assert found[1][2]["Location"] == f"{BASE}/Things({new.pk})"
    assert json.loads(found[2][3])["name"] == "Patched"
    assert json.loads(found[3][3]) == {"detail": "Things(424242) does not exist"}


def _changeset(*requests: tuple[str, str, str, dict]) -> str:
    """A batch with one change set of (content id, method, url, body) requests."""
    parts = "".join(
        f"--{CHANGESET}\r\n"
        "Content-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        f"Content-ID: {cid}\r\n"
        "\r\n"
        f"{method} {url} HTTP/1.1\r\n"
        "Content-Type: application/json\r\n"
        "\r\n"
        f"{json.dumps(payload, ensure_ascii=False)}\r\n"
        for cid, method, url, payload in requests
    )
    return (
        f"--{BOUNDARY}\r\n"
        f"Content-Type: multipart/mixed; boundary={CHANGESET}\r\n"
        "\r\n"
        f"{parts}--{CHANGESET}--\r\n"
        f"--{BOUNDARY}--\r\n"
    )


def test_multipart_change_set_refers_to_new_entities(client, station, tokens):
    body = _changeset(
        ("sensor1", "POST", "Sensors", sensor_payload()),
        (
            "any",
            "POST",
            f"Things({station.pk})/Datastreams",
            datastream_payload(
                Sensor={"@iot.id": "$sensor1"}, ObservedProperty=property_payload("Température")
            ),
        ),
    )
    found = answers(multipart(client, body, **bearer(tokens["platform"])))
    assert [(cid, status) for cid, status, _h, _b in found] == [
        ("sensor1", "HTTP/1.1 201 Created"),
        ("any", "HTTP/1.1 201 Created"),
    ]
    stream = m.Datastream.objects.get(pk=json.loads(found[1][3])["@iot.id"])
    assert found[0][2]["Location"] == f"{BASE}/Sensors({stream.sensor_id})"
    assert stream.observed_property.name == "Température"
    assert stream.unit_of_measurement["symbol"] == "°C"


def test_a_failed_change_set_answers_once_and_stores_nothing(client, station, tokens):
    body = _changeset(
        ("1", "POST", "Things", {"name": "Rolled back", "description": "-"}),
        ("2", "PATCH", f"Things({station.pk})", {"name": "Also rolled back"}),
        ("3", "POST", "Things", {"name": "missing description"}),
    )
    found = answers(multipart(client, body, **bearer(tokens["platform"])))
    assert len(found) == 1
    cid, status, _headers, payload = found[0]
    assert (cid, status) == ("3", "HTTP/1.1 400 Bad Request")
    assert json.loads(payload) == {"detail": "description: is required"}
    assert list(m.Thing.objects.values_list("name", flat=True)) == ["Weather station"]


def test_a_malformed_multipart_batch_is_400(client):
    response = client.post(
        f"{ROOT}/$batch",
        data=f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{BOUNDARY}--".encode(),
        content_type=f"multipart/mixed;boundary={BOUNDARY}",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "part 1 must be of type application/http, not text/plain"}
    response = client.post(
        f"{ROOT}/$batch",
        data=(
            f"--{BOUNDARY}\r\nContent-Type: application/http\r\n\r\nFETCH Things HTTP/1.1\r\n"
            f"\r\n\r\n--{BOUNDARY}--"
        ).encode(),
        content_type=f"multipart/mixed;boundary={BOUNDARY}",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "part 1: the request line must read METHOD URL HTTP/1.1"
    )


@pytest.mark.parametrize(
    ("content_type", "body", "detail"),
    [
        ("multipart/mixed", "--x--", "a multipart batch needs Content-Type: multipart/mixed;"),
        (f"multipart/mixed;boundary={BOUNDARY}", "hello", "the batch holds no parts delimited"),
        (
            f"multipart/mixed;boundary={BOUNDARY}",
            f"--{BOUNDARY}\r\nContent-Type: multipart/mixed;boundary=cs\r\n\r\n--cs--\r\n"
            f"--{BOUNDARY}--",
            "part 1: an empty change set",
        ),
        (
            f"multipart/mixed;boundary={BOUNDARY}",
            f"--{BOUNDARY}\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n"
            f"GET Things HTTP/1.1\r\n\r\n--{BOUNDARY}\r\nContent-Type: application/http\r\n"
            f"Content-ID: 1\r\n\r\nGET Things HTTP/1.1\r\n\r\n--{BOUNDARY}--",
            "each Content-ID must be unique within the batch",
        ),
    ],
)
def test_unreadable_multipart_batches_are_400(client, content_type, body, detail):
    response = client.post(f"{ROOT}/$batch", data=body.encode(), content_type=content_type)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)


def test_a_multipart_request_without_body_or_headers(client, station):
    body = (
        f"--{BOUNDARY}\r\nContent-Type: application/http\r\n\r\n"
        f"GET Things({station.pk})/name HTTP/1.1\r\n\r\n--{BOUNDARY}--"
    )
    [(cid, status, _headers, payload)] = answers(multipart(client, body))
    assert (cid, status) == (None, "HTTP/1.1 200 OK")
    assert json.loads(payload) == {"name": "Weather station"}
