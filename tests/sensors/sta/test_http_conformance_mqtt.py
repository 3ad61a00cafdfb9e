import pytest

MQTT_CLASSES = {
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates",
}


@pytest.mark.django_db
def test_mqtt_conformance_only_with_a_broker(client, settings):
    settings.MQTT_URL = ""
    conformance = set(client.get("/sta/v1.1/").json()["serverSettings"]["conformance"])
    assert not conformance & MQTT_CLASSES
    settings.MQTT_URL = "mqtt://user:secret@127.0.0.1:1883"
    body = client.get("/sta/v1.1/").json()["serverSettings"]
    assert set(body["conformance"]) >= MQTT_CLASSES
    endpoints = [e for cls in MQTT_CLASSES for e in body[cls]["endpoints"]]
    assert endpoints and all("secret" not in e for e in endpoints)
