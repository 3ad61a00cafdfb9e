"""Reading over HTTP: service root, collections, entities, properties, $value, $ref, methods."""

import pytest

from smartcity.sensors import models as m
from tests.sensors.sta.http_helpers import (
    BASE,
    ROOT,
    new_station,
)

pytest_plugins = ["tests.sensors.sta.http_fixtures"]
pytestmark = pytest.mark.django_db
SPEC = "http://www.opengis.net/spec/iot_sensing/1.1/req/"


def test_service_root_lists_entity_sets_and_exactly_the_implemented_conformance(client):
    response = client.get(f"{ROOT}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["value"] == [
        {"name": name, "url": f"{BASE}/{name}"}
        for name in (
            "Things",
            "Locations",
            "HistoricalLocations",
            "Sensors",
            "ObservedProperties",
            "Datastreams",
            "MultiDatastreams",
            "FeaturesOfInterest",
            "Observations",
        )
    ]
    conformance = body["serverSettings"]["conformance"]
    assert conformance == [
        SPEC + "datamodel",
        SPEC + "resource-path/resource-path-to-entities",
        SPEC + "request-data",
        SPEC + "create-update-delete/create-entity",
        SPEC + "create-update-delete/link-to-existing-entities",
        SPEC + "create-update-delete/deep-insert",
        SPEC + "create-update-delete/deep-insert-status-code",
        SPEC + "create-update-delete/update-entity",
        SPEC + "create-update-delete/delete-entity",
        SPEC + "create-update-delete/historical-location-auto-creation",
        SPEC + "multi-datastream",
        SPEC + "data-array/data-array",
        SPEC + "batch-request/batch-request",
    ]
    assert not [uri for uri in conformance if "mqtt" in uri]
    limits = body["serverSettings"]["limits"]
    assert limits["maxBatchRequests"] == 1000
    assert limits["maxExpandDepth"] == 5
    assert limits["maxTop"] >= limits["defaultTop"] > 0
    assert limits["maxBodyBytes"] > 0


def test_service_root_without_slash_redirects(client):
    response = client.get(ROOT)
    assert response.status_code == 301
    assert response["Location"] == f"{ROOT}/"


def test_collection_and_entity(client, station):
    response = client.get(f"{ROOT}/Things")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    [thing] = response.json()["value"]
    assert thing["@iot.id"] == station.pk
    assert thing["@iot.selfLink"] == f"{BASE}/Things({station.pk})"
    assert thing["name"] == "Weather station"

    response = client.get(f"{ROOT}/Things({station.pk})")
    assert response.status_code == 200
    assert response.json()["properties"] == {"district": "Altstadt"}
    assert response.json()["Datastreams@iot.navigationLink"] == (
        f"{BASE}/Things({station.pk})/Datastreams"
    )


def test_navigation_to_many_to_one_and_deeper(client, station):
    stream = station.datastreams.get()
    response = client.get(f"{ROOT}/Things({station.pk})/Datastreams")
    assert [d["@iot.id"] for d in response.json()["value"]] == [stream.pk]

    response = client.get(f"{ROOT}/Datastreams({stream.pk})/Thing")
    assert response.status_code == 200
    assert response.json()["@iot.id"] == station.pk

    response = client.get(f"{ROOT}/Things({station.pk})/Datastreams({stream.pk})/Observations")
    assert response.status_code == 200
    assert sorted(o["result"] for o in response.json()["value"]) == [19.5, 20.5, 21.0]

    observation = stream.observations.order_by("pk").first()
    response = client.get(f"{ROOT}/Observations({observation.pk})/Datastream/Thing/Locations")
    assert [loc["name"] for loc in response.json()["value"]] == ["Altmarkt"]


def test_property_and_raw_value(client, station):
    response = client.get(f"{ROOT}/Things({station.pk})/name")
    assert response.status_code == 200
    assert response.json() == {"name": "Weather station"}

    response = client.get(f"{ROOT}/Things({station.pk})/name/$value")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "Weather station"

    response = client.get(f"{ROOT}/Things({station.pk})/properties/$value")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == '{"district": "Altstadt"}'

    observation = m.Observation.objects.order_by("pk").first()
    response = client.get(f"{ROOT}/Observations({observation.pk})/result/$value")
    assert response.content.decode() == "20.5"


def test_a_null_property_is_no_content(client, station):
    m.Thing.objects.filter(pk=station.pk).update(properties=None)
    for suffix in ("properties", "properties/$value"):
        response = client.get(f"{ROOT}/Things({station.pk})/{suffix}")
        assert response.status_code == 204
        assert response.content == b""


def test_references(client, station):
    stream = station.datastreams.get()
    response = client.get(f"{ROOT}/Things/$ref")
    assert response.json()["value"] == [{"@iot.selfLink": f"{BASE}/Things({station.pk})"}]

    response = client.get(f"{ROOT}/Things({station.pk})/Datastreams/$ref?$count=true")
    assert response.status_code == 200
    assert response.json()["value"] == [{"@iot.selfLink": f"{BASE}/Datastreams({stream.pk})"}]
    assert response.json()["@iot.count"] == 1

    response = client.get(f"{ROOT}/Datastreams({stream.pk})/Thing/$ref")
    assert response.json() == {"@iot.selfLink": f"{BASE}/Things({station.pk})"}

    response = client.get(f"{ROOT}/Things/$ref?$expand=Datastreams")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "$expand cannot be used on a list of references; allowed here: "
        "$count, $filter, $orderby, $skip, $top"
    )


def test_query_options_are_checked(client, station):
    response = client.get(f"{ROOT}/Things?$filter=name eq")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("$filter: ")

    response = client.get(f"{ROOT}/Things?$frobnicate=1")
    assert response.status_code == 400
    assert "$frobnicate" in response.json()["detail"]

    response = client.get(f"{ROOT}/Things({station.pk})?$top=3")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "$top cannot be used on a single entity; allowed here: $expand, $select"
    )

    response = client.get(f"{ROOT}/Things({station.pk})/name?$select=name")
    assert response.status_code == 400
    assert "$select cannot be used on" in response.json()["detail"]

    response = client.get(f"{ROOT}/Things({station.pk})?$select=name")
    assert response.json() == {"name": "Weather station"}


def test_private_things_are_hidden_from_outsiders(client, hospital, staff, citizen):
    stream = hospital.datastreams.get()
    for path in (
        f"Things({hospital.pk})",
        f"Datastreams({stream.pk})",
        f"Things({hospital.pk})/name",
        f"Datastreams({stream.pk})/Thing",
    ):
        response = client.get(f"{ROOT}/{path}")
        assert response.status_code == 404, path
    assert client.get(f"{ROOT}/Things").json()["value"] == []

    client.force_login(citizen)
    assert client.get(f"{ROOT}/Things({hospital.pk})").status_code == 404

    client.force_login(staff)
    response = client.get(f"{ROOT}/Things({hospital.pk})")
    assert response.status_code == 200
    assert response.json()["name"] == "Klinikum meter"


def test_unsupported_methods_answer_405_with_allow(client, station):
    cases = [
        ("put", "Things", "GET, POST, HEAD, OPTIONS"),
        ("post", f"Things({station.pk})", "GET, PATCH, PUT, DELETE, HEAD, OPTIONS"),
        ("patch", f"Things({station.pk})/name", "GET, HEAD, OPTIONS"),
        ("delete", "", "GET, HEAD, OPTIONS"),
        ("get", "CreateObservations", "POST, HEAD, OPTIONS"),
        ("get", "$batch", "POST, HEAD, OPTIONS"),
        ("post", "Things/$ref", "GET, HEAD, OPTIONS"),
    ]
    for method, path, allow in cases:
        response = getattr(client, method)(f"{ROOT}/{path}")
        assert response.status_code == 405, (method, path)
        assert response["Allow"] == allow
        assert response.json()["detail"].startswith(f"{method.upper()} is not allowed on ")


def test_head_and_options(client, station):
    response = client.head(f"{ROOT}/Things({station.pk})")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == "application/json; charset=utf-8"

    response = client.options(f"{ROOT}/Things")
    assert response.status_code == 200
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, POST, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert "Access-Control-Allow-Credentials" not in response


def test_a_thing_of_another_station_is_not_reached_through_a_wrong_parent(client, station):
    other = new_station(name="Elsewhere")
    observation = other.datastreams.get().observations.first()
    stream = station.datastreams.get()
    response = client.get(f"{ROOT}/Datastreams({stream.pk})/Observations({observation.pk})")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        f"Datastreams({stream.pk})/Observations({observation.pk}) does not exist"
    )
