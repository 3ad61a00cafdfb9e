"""Writing over HTTP: POST, PATCH (merge and JSON-Patch), PUT, DELETE, bodies, audit log."""

import pytest

from smartcity.core.audit.models import AuditEntry
from smartcity.sensors import models as m
from tests.sensors.sta.http_helpers import (
    BASE,
    ROOT,
    bearer,
    send,
)
from tests.sensors.sta.write_helpers import (
    UNIT,
    datastream_payload,
    location_payload,
    property_payload,
    sensor_payload,
)

pytest_plugins = ["tests.sensors.sta.http_fixtures"]
pytestmark = pytest.mark.django_db

DEEP_THING = {
    "name": "Noise sensor Neumarkt",
    "description": "Sound level meter",
    "Locations": [location_payload("Neumarkt")],
    "Datastreams": [
        datastream_payload(
            Sensor=sensor_payload("Class 1 meter"),
            ObservedProperty=property_payload("Sound level"),
            Observations=[{"phenomenonTime": "2024-05-01T10:00:00Z", "result": 54.5}],
        )
    ],
}


def test_create_with_deep_insert_answers_201_location_and_entity(client, tokens, department):
    response = send(client, "POST", "Things", DEEP_THING, **bearer(tokens["department"]))
    assert response.status_code == 201
    thing = m.Thing.objects.get(name="Noise sensor Neumarkt")
    assert response["Location"] == f"{BASE}/Things({thing.pk})"
    body = response.json()
    assert body["@iot.id"] == thing.pk
    assert body["@iot.selfLink"] == response["Location"]
    assert body["name"] == "Noise sensor Neumarkt"
    stream = thing.datastreams.get()
    assert [o.result for o in stream.observations.all()] == [54.5]
    assert thing.locations.get().name == "Neumarkt"
    # The organisation token's new Thing belongs to its organisation, so it can go on
    # changing it.
    assert thing.organisation == department
    response = send(
        client, "PATCH", f"Things({thing.pk})", {"name": "Renamed"}, **bearer(tokens["department"])
    )
    assert response.status_code == 200


def test_create_under_a_parent_links_to_it(client, station, tokens):
    secret = tokens["department"]
    payload = datastream_payload(
        Sensor=sensor_payload("Hygrometer"), ObservedProperty=property_payload("Humidity")
    )
    response = send(client, "POST", f"Things({station.pk})/Datastreams", payload, **bearer(secret))
    assert response.status_code == 201
    stream = m.Datastream.objects.get(pk=response.json()["@iot.id"])
    assert stream.thing == station

    response = send(
        client,
        "POST",
        f"Things({station.pk})/Datastreams({stream.pk})/Observations",
        {"phenomenonTime": "2024-05-02T08:00:00Z", "result": 61},
        **bearer(secret),
    )
    assert response.status_code == 201
    assert response.json()["result"] == 61
    assert stream.observations.get().result == 61


def test_patch_put_json_patch_and_delete(client, station, tokens):
    auth = bearer(tokens["department"])
    path = f"Things({station.pk})"
    response = send(client, "PATCH", path, {"description": "Roof of the town hall"}, **auth)
    assert response.status_code == 200
    assert response.json()["description"] == "Roof of the town hall"
    assert response.json()["name"] == "Weather station"

    operations = [
        {"op": "test", "path": "/name", "value": "Weather station"},
        {"op": "add", "path": "/properties/height_m", "value": 12},
    ]
    response = send(
        client, "PATCH", path, operations, content_type="application/json-patch+json", **auth
    )
    assert response.status_code == 200
    assert response.json()["properties"] == {"district": "Altstadt", "height_m": 12}

    failing = [{"op": "test", "path": "/name", "value": "Something else"}]
    response = send(
        client, "PATCH", path, failing, content_type="application/json-patch+json", **auth
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("[0]: ")

    response = send(client, "PUT", path, {"name": "Station 7", "description": "Replaced"}, **auth)
    assert response.status_code == 200
    station.refresh_from_db()
    assert (station.name, station.description, station.properties) == (
        "Station 7",
        "Replaced",
        None,
    )

    response = send(client, "DELETE", path, **auth)
    assert response.status_code == 204
    assert response.content == b""
    assert not m.Thing.objects.filter(pk=station.pk).exists()
    assert not m.Observation.objects.exists()
    assert client.get(f"{ROOT}/{path}").status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        ("{not json", "application/json", "the body is not valid JSON: Expecting property name"),
        ("  ", "application/json", "the body is not valid JSON: Expecting value"),
        ('{"name": NaN}', "application/json", "the body is not valid JSON: NaN is not a JSON"),
        (b"\xff\xfe", "application/json", "the body is not UTF-8 text"),
        (
            '{"name": "x"}',
            "text/plain",
            "the body must be sent as Content-Type application/json, not text/plain",
        ),
        (
            "name=x",
            "application/x-www-form-urlencoded",
            "the body must be sent as Content-Type application/json, "
            "not application/x-www-form-urlencoded",
        ),
    ],
)
def test_bad_bodies_are_refused_with_a_reason(client, tokens, body, content_type, detail):
    before = m.Thing.objects.count()
    response = send(
        client, "POST", "Things", body, content_type=content_type, **bearer(tokens["platform"])
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert m.Thing.objects.count() == before


def test_put_takes_no_json_patch(client, station, tokens):
    response = send(
        client,
        "PUT",
        f"Things({station.pk})",
        [],
        content_type="application/json-patch+json",
        **bearer(tokens["platform"]),
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "the body must be sent as Content-Type application/json, not application/json-patch+json"
    )


def test_write_errors_name_the_json_path(client, station, tokens):
    stream = {**datastream_payload(), "unitOfMeasurement": {"name": "x"}}
    response = send(
        client,
        "POST",
        f"Things({station.pk})/Datastreams",
        stream,
        **bearer(tokens["platform"]),
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("unitOfMeasurement: ")

    response = send(
        client,
        "POST",
        "Datastreams",
        datastream_payload(Thing={"@iot.id": station.pk}, Sensor={"@iot.id": 999}),
        **bearer(tokens["platform"]),
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Sensor: Sensors(999) does not exist"


def test_query_options_are_refused_on_writes(client, tokens):
    response = client.post(
        f"{ROOT}/Things?$select=name",
        data={"name": "x", "description": "y"},
        content_type="application/json",
        **bearer(tokens["platform"]),
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "query options apply to reading (GET) only"}


def test_a_too_large_body_is_refused(client, tokens, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = {"name": "x" * 200, "description": "y"}
    response = send(client, "POST", "Things", body, **bearer(tokens["platform"]))
    assert response.status_code == 413
    assert response.json() == {"detail": "the request body is larger than 100 bytes"}


def test_staff_session_writes_are_audited_as_the_staff_member(client, station, staff):
    client.force_login(staff)
    path = f"Things({station.pk})"
    response = send(client, "PATCH", path, {"name": "Town hall station"})
    assert response.status_code == 200
    entry = AuditEntry.objects.get(object_id=str(station.pk), action="update")
    assert entry.actor == staff
    assert entry.actor_label == "staff@example.org"
    assert entry.request_path == f"{ROOT}/{path}"
    assert entry.before["name"] == "Weather station"
    assert entry.after["name"] == "Town hall station"

    response = send(client, "DELETE", path)
    assert response.status_code == 204
    entry = AuditEntry.objects.get(object_id=str(station.pk), action="delete")
    assert entry.before["name"] == "Town hall station"
    assert entry.after is None


def test_token_writes_are_audited_with_the_token_name(client, station, tokens):
    response = send(
        client,
        "PATCH",
        f"Things({station.pk})",
        {"description": "Moved indoors"},
        **bearer(tokens["station"]),
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert entry.actor is None
    assert entry.actor_label.startswith("sensor token “Station logger” (st_")
    assert entry.after["description"] == "Moved indoors"

    # A logger's readings are data, not configuration: they are not logged one by one.
    stream = station.datastreams.get()
    response = send(
        client,
        "POST",
        f"Datastreams({stream.pk})/Observations",
        {"result": 20.1},
        **bearer(tokens["station"]),
    )
    assert response.status_code == 201
    assert AuditEntry.objects.count() == 1


def test_a_new_thing_of_a_staff_member_belongs_to_the_organisation(client, staff, department):
    client.force_login(staff)
    response = send(client, "POST", "Things", {"name": "Pegel", "description": "Water level"})
    assert response.status_code == 201
    thing = m.Thing.objects.get(name="Pegel")
    assert thing.organisation == department
    entry = AuditEntry.objects.get(action="create")
    assert entry.actor == staff
    assert entry.object_id == str(thing.pk)


def test_unit_is_returned_as_sent(client, station, tokens):
    stream = station.datastreams.get()
    response = client.get(f"{ROOT}/Datastreams({stream.pk})/unitOfMeasurement")
    assert response.json() == {"unitOfMeasurement": UNIT}
