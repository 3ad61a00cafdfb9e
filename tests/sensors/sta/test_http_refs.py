"""Changing links with $ref (POST adds, PUT sets, DELETE removes) and CreateObservations."""

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.sta import write
from tests.sensors.sta.http_helpers import (
    BASE,
    ROOT,
    bearer,
    new_station,
    send,
)
from tests.sensors.sta.write_helpers import MOVED, location_payload

pytest_plugins = ["tests.sensors.sta.http_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(tokens):
    return bearer(tokens["platform"])


def test_post_ref_links_an_existing_location_and_records_the_move(client, station, auth):
    market = station.locations.get()
    bridge = write.create("Locations", location_payload("Augustusbrücke", MOVED))
    moves = station.historical_locations.count()
    response = send(
        client, "POST", f"Things({station.pk})/Locations/$ref", {"@iot.id": bridge.pk}, **auth
    )
    assert response.status_code == 204
    assert set(station.locations.values_list("pk", flat=True)) == {market.pk, bridge.pk}
    assert station.historical_locations.count() == moves + 1

    # The selfLink form of a reference works as well.
    response = send(
        client,
        "DELETE",
        f"Things({station.pk})/Locations({market.pk})/$ref",
        **auth,
    )
    assert response.status_code == 204
    assert list(station.locations.values_list("pk", flat=True)) == [bridge.pk]
    assert m.Location.objects.filter(pk=market.pk).exists()


def test_post_ref_from_the_location_side_and_by_self_link(client, station, auth):
    other = new_station(name="Other")
    market = station.locations.get()
    response = send(
        client,
        "POST",
        f"Locations({market.pk})/Things/$ref",
        {"@iot.selfLink": f"{BASE}/Things({other.pk})"},
        **auth,
    )
    assert response.status_code == 204
    assert market.pk in set(other.locations.values_list("pk", flat=True))

    response = send(client, "DELETE", f"Locations({market.pk})/Things({other.pk})/$ref", **auth)
    assert response.status_code == 204
    assert market.pk not in set(other.locations.values_list("pk", flat=True))


def test_put_ref_moves_a_datastream_to_another_thing(client, station, auth):
    other = new_station(name="Other")
    stream = station.datastreams.get()
    response = send(
        client, "PUT", f"Datastreams({stream.pk})/Thing/$ref", {"@iot.id": other.pk}, **auth
    )
    assert response.status_code == 204
    stream.refresh_from_db()
    assert stream.thing == other
    response = client.get(f"{ROOT}/Datastreams({stream.pk})/Thing/$ref")
    assert response.json() == {"@iot.selfLink": f"{BASE}/Things({other.pk})"}


def test_post_ref_on_a_to_many_foreign_key_moves_the_child(client, station, auth):
    other = new_station(name="Other")
    stream = other.datastreams.get()
    response = send(
        client,
        "POST",
        f"Things({station.pk})/Datastreams/$ref",
        {"@iot.id": stream.pk},
        **auth,
    )
    assert response.status_code == 204
    stream.refresh_from_db()
    assert stream.thing == station


def test_required_links_cannot_be_removed(client, station, auth):
    stream = station.datastreams.get()
    response = send(client, "DELETE", f"Datastreams({stream.pk})/Thing/$ref", **auth)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Thing: cannot be removed")

    response = send(client, "DELETE", f"Things({station.pk})/Datastreams({stream.pk})/$ref", **auth)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Thing: cannot be removed")
    stream.refresh_from_db()
    assert stream.thing == station

    observation = stream.observations.first()
    response = send(client, "DELETE", f"Observations({observation.pk})/Datastream/$ref", **auth)
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Datastream: an Observation links to exactly one Datastream or MultiDatastream"
    )


def test_bad_references_are_400(client, station, auth):
    stream = station.datastreams.get()
    path = f"Datastreams({stream.pk})/Thing/$ref"
    cases = [
        ({"@iot.id": 4242}, "Things(4242) does not exist"),
        ({"id": 1}, 'a reference is {"@iot.id": <id>} or {"@iot.selfLink": "<url>"}'),
        (
            {"@iot.selfLink": f"{BASE}/Sensors(1)"},
            "the reference must name a Thing, not a Sensor",
        ),
        (
            {"@iot.selfLink": "http://elsewhere.example/api/Things(1)"},
            "http://elsewhere.example/api/Things(1) is not below the service root /sta/v1.1/",
        ),
        (
            {"@iot.selfLink": f"{BASE}/Things(1)/Datastreams"},
            "“Things(1)/Datastreams” does not name an entity such as Things(1)",
        ),
    ]
    for body, detail in cases:
        response = send(client, "PUT", path, body, **auth)
        assert response.status_code == 400, body
        assert response.json() == {"detail": detail}


def test_ref_methods_depend_on_the_link(client, station, auth):
    stream = station.datastreams.get()
    response = send(client, "POST", f"Datastreams({stream.pk})/Thing/$ref", {"@iot.id": 1}, **auth)
    assert response.status_code == 405
    assert response["Allow"] == "GET, PUT, DELETE, HEAD, OPTIONS"
    response = send(client, "PUT", f"Things({station.pk})/Datastreams/$ref", {}, **auth)
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_create_observations_answers_self_links_and_errors(client, station, tokens):
    stream = station.datastreams.get()
    payload = [
        {
            "Datastream": {"@iot.id": stream.pk},
            "components": ["phenomenonTime", "result"],
            "dataArray@iot.count": 3,
            "dataArray": [
                ["2024-05-02T10:00:00Z", 18.25],
                ["not a time", 18.5],
                ["2024-05-02T10:20:00Z", 18.75],
            ],
        }
    ]
    response = send(client, "POST", "CreateObservations", payload, **bearer(tokens["station"]))
    assert response.status_code == 201
    first, error, last = response.json()
    assert error == "error"
    created = stream.observations.filter(phenomenon_time_start__date="2024-05-02")
    assert sorted(o.result for o in created) == [18.25, 18.75]
    assert {first, last} == {f"{BASE}/Observations({o.pk})" for o in created}


def test_create_observations_checks_each_datastream(client, station, tokens):
    other = new_station(name="Other").datastreams.get()
    own = station.datastreams.get()
    payload = [
        {"Datastream": {"@iot.id": s.pk}, "components": ["result"], "dataArray": [[1]]}
        for s in (own, other)
    ]
    response = send(client, "POST", "CreateObservations", payload, **bearer(tokens["station"]))
    assert response.status_code == 403
    assert response.json() == {
        "detail": (
            f"This token may not change Things({other.thing_id}), which "
            f"Datastreams({other.pk}) belongs to"
        )
    }
    assert own.observations.count() == 3


def test_create_observations_refuses_a_malformed_request(client, station, tokens):
    response = send(client, "POST", "CreateObservations", {"a": 1}, **bearer(tokens["platform"]))
    assert response.status_code == 400
    assert response.json() == {"detail": "must be a JSON array of Datastream groups"}
