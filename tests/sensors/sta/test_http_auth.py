"""Who may write over HTTP: tokens by scope, sessions with CSRF, private Things hidden."""

import pytest
from django.test import Client

from smartcity.sensors import models as m
from tests.sensors.sta.http_helpers import (
    ROOT,
    basic,
    bearer,
    new_station,
    send,
)
from tests.sensors.sta.write_helpers import sensor_payload

pytest_plugins = ["tests.sensors.sta.http_fixtures"]
pytestmark = pytest.mark.django_db
NEW_THING = {"name": "Pegel Augustusbrücke", "description": "Water level of the Elbe"}
CSRF_SECRET = "a" * 32


def test_anonymous_reads_but_may_not_write(client, station):
    assert client.get(f"{ROOT}/Things({station.pk})").status_code == 200
    for method, path in (
        ("POST", "Things"),
        ("PATCH", f"Things({station.pk})"),
        ("DELETE", f"Things({station.pk})"),
        ("POST", "CreateObservations"),
    ):
        response = send(client, method, path, {} if method != "DELETE" else None)
        assert response.status_code == 401, (method, path)
        assert response["WWW-Authenticate"] == 'Basic realm="SensorThings", Bearer'
        assert response.json()["detail"].startswith("Writing needs credentials")
    assert m.Thing.objects.count() == 1


@pytest.mark.parametrize(
    "header",
    ["Bearer st_not-a-real-token", "Bearer ", "Basic !!!", "Token abc", "Basic dXNlcjo="],
)
def test_an_unknown_or_malformed_token_is_401_even_for_reads(client, header):
    response = client.get(f"{ROOT}/Things", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="SensorThings", Bearer'
    assert response.json() == {
        "detail": "The Authorization header carries no valid sensor token (unknown or revoked)."
    }


def test_basic_auth_with_the_token_as_password(client, tokens, department):
    response = send(client, "POST", "Things", NEW_THING, **basic(tokens["department"]))
    assert response.status_code == 201
    assert m.Thing.objects.get(name=NEW_THING["name"]).organisation == department


def test_a_token_outside_its_scope_is_403(client, station, tokens):
    response = send(
        client, "PATCH", f"Things({station.pk})", {"name": "x"}, **bearer(tokens["other"])
    )
    assert response.status_code == 403
    assert response.json() == {"detail": f"This token may not change Things({station.pk})"}
    station.refresh_from_db()
    assert station.name == "Weather station"


def test_a_thing_token_writes_its_thing_only(client, station, tokens):
    auth = bearer(tokens["station"])
    stream = station.datastreams.get()
    other = new_station(name="Other")
    other_stream = other.datastreams.get()

    response = send(client, "POST", "Things", NEW_THING, **auth)
    assert response.status_code == 403
    assert response.json() == {"detail": "This token may not create Things"}

    observation = {"result": 7, "Datastream": {"@iot.id": stream.pk}}
    response = send(client, "POST", "Observations", observation, **auth)
    assert response.status_code == 201

    observation = {"result": 7, "Datastream": {"@iot.id": other_stream.pk}}
    response = send(client, "POST", "Observations", observation, **auth)
    assert response.status_code == 403
    assert response.json() == {
        "detail": (
            f"This token may not change Things({other.pk}), which "
            f"Datastreams({other_stream.pk}) belongs to"
        )
    }
    response = send(client, "DELETE", f"Datastreams({other_stream.pk})", **auth)
    assert response.status_code == 403
    assert other_stream.observations.count() == 3


def test_shared_entities_need_an_organisation_or_platform_token(client, station, tokens):
    response = send(client, "POST", "Sensors", sensor_payload(), **bearer(tokens["station"]))
    assert response.status_code == 403
    assert response.json()["detail"].startswith(
        "This token may not change Sensors: Sensors, ObservedProperties, FeaturesOfInterest "
        "and Locations of no Thing are shared"
    )
    response = send(client, "POST", "Sensors", sensor_payload(), **bearer(tokens["department"]))
    assert response.status_code == 201

    # The station's Sensor is used by the department's station: the other department may
    # not change it, the department may.
    sensor = station.datastreams.get().sensor
    response = send(
        client, "PATCH", f"Sensors({sensor.pk})", {"name": "x"}, **bearer(tokens["other"])
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": (
            f"This token may not change Sensors({sensor.pk}): it is used by Things you may "
            "not change"
        )
    }
    response = send(
        client,
        "PATCH",
        f"Sensors({sensor.pk})",
        {"name": "DS18B20 v2"},
        **bearer(tokens["department"]),
    )
    assert response.status_code == 200
    assert response.json()["name"] == "DS18B20 v2"


def test_private_things_are_404_for_outsiders_and_writable_for_their_organisation(
    client, hospital, department, other_department
):
    from smartcity.sensors import access

    _token, own = access.issue_token("Klinikum", organisation=department)
    _token, foreign = access.issue_token("Tiefbau", organisation=other_department)
    stream = hospital.datastreams.get()

    response = send(client, "PATCH", f"Things({hospital.pk})", {"name": "x"}, **bearer(foreign))
    assert response.status_code == 404
    assert response.json() == {"detail": f"Things({hospital.pk}) does not exist"}
    response = send(
        client,
        "POST",
        f"Datastreams({stream.pk})/Observations",
        {"result": 1.5},
        **bearer(foreign),
    )
    assert response.status_code == 404
    response = send(
        client,
        "POST",
        "Observations",
        {"result": 1.5, "Datastream": {"@iot.id": stream.pk}},
        **bearer(foreign),
    )
    assert response.status_code == 400
    assert response.json() == {"detail": f"Datastreams({stream.pk}) does not exist"}

    # The organisation's own token writes its private Thing, though a token does not
    # widen what anonymous reading shows.
    response = send(
        client,
        "POST",
        f"Datastreams({stream.pk})/Observations",
        {"result": 1.5},
        **bearer(own),
    )
    assert response.status_code == 201
    assert stream.observations.count() == 4


def _csrf_client(user):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


def test_a_session_member_writes_with_the_csrf_header(station, staff):
    client = _csrf_client(staff)
    response = send(client, "PATCH", f"Things({station.pk})", {"name": "A"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF check failed (CSRF token missing")

    response = send(
        client, "PATCH", f"Things({station.pk})", {"name": "A"}, HTTP_X_CSRFTOKEN=CSRF_SECRET
    )
    assert response.status_code == 200
    assert response.json()["name"] == "A"

    # Reading needs no CSRF token.
    assert client.get(f"{ROOT}/Things({station.pk})").status_code == 200


def test_a_token_needs_no_csrf_even_with_a_session(station, staff, tokens):
    client = _csrf_client(staff)
    response = send(
        client, "PATCH", f"Things({station.pk})", {"name": "B"}, **bearer(tokens["station"])
    )
    assert response.status_code == 200


def test_a_citizen_session_may_not_write(station, citizen):
    client = _csrf_client(citizen)
    response = send(client, "POST", "Things", NEW_THING, HTTP_X_CSRFTOKEN=CSRF_SECRET)
    assert response.status_code == 403
    assert response.json() == {"detail": "You may not create Things"}
    response = send(
        client, "PATCH", f"Things({station.pk})", {"name": "C"}, HTTP_X_CSRFTOKEN=CSRF_SECRET
    )
    assert response.status_code == 403
    assert response.json() == {"detail": f"You may not change Things({station.pk})"}


def test_a_revoked_token_no_longer_writes(client, station):
    from smartcity.sensors import access

    token, secret = access.issue_token("Old logger", thing=station)
    access.revoke_token(token)
    response = send(client, "PATCH", f"Things({station.pk})", {"name": "D"}, **bearer(secret))
    assert response.status_code == 401


def test_a_private_things_location_cannot_be_linked_by_outsiders(client, hospital, tokens):
    location = hospital.locations.get()
    thing = {**NEW_THING, "Locations": [{"@iot.id": location.pk}]}
    response = send(client, "POST", "Things", thing, **bearer(tokens["other"]))
    assert response.status_code == 400
    assert response.json() == {"detail": f"Locations({location.pk}) does not exist"}
    assert not m.Thing.objects.filter(name=NEW_THING["name"]).exists()

    response = send(client, "POST", "Things", thing, **bearer(tokens["department"]))
    assert response.status_code == 201
    assert m.Thing.objects.get(name=NEW_THING["name"]).locations.get() == location
