"""The public sensor map: every visible Thing on the map and in the table, with its state."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from smartcity.sensors.alerting import services as alerting
from smartcity.sensors.models import Observation
from smartcity.sensors.timeseries import services as timeseries
from tests.sensors.web.conftest import member_of, section, stream, thing

pytestmark = pytest.mark.django_db


def _geojson(response) -> dict:
    html = response.content.decode()
    match = re.search(
        r'<script id="sensor-things-geojson" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))


def test_map_lists_the_demo_things_with_their_latest_values(english, network):
    response = english.get("/sensors/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sensors in Dresden</h1>" in html
    elbe = stream("elbe-dresden")
    latest = timeseries.latest([elbe.pk])[elbe.pk]
    row = section(html, f"thing-{elbe.thing_id}")
    assert "Pegel Dresden, Elbe (Demo)" in row
    assert 'class="badge demo-label">Demo data<' in row
    assert f">{latest.value}<" in row  # English number format: 190.3
    assert ">cm<" in row
    assert f'href="/sensors/datastreams/{elbe.pk}/"' in row
    assert ">OK<" in row
    # Every public station of the network, each once in the table and on the map.
    features = _geojson(response)["features"]
    assert len(features) == 9
    assert {f["properties"]["state"] for f in features} == {"ok"}
    elbe_feature = next(f for f in features if f["id"] == elbe.thing_id)
    assert elbe_feature["geometry"] == {"type": "Point", "coordinates": [13.7388, 51.0545]}
    assert elbe_feature["properties"]["values"] == [
        {
            "label": "Wasserstand",
            "text": f"{latest.value} cm",
            "url": f"/sensors/datastreams/{elbe.pk}/",
        }
    ]
    assert html.count('<tbody id="thing-') == 9
    assert "9 sensor stations with their measurements" in html


def test_a_private_thing_is_hidden_from_the_public_and_shown_to_members(english, network):
    meter = thing("klinikum-meter")
    anonymous = english.get("/sensors/").content.decode()
    assert meter.name not in anonymous
    assert f"thing-{meter.pk}" not in anonymous
    english.force_login(member_of("SKD", "klinikum@example.org"))
    member = english.get("/sensors/").content.decode()
    assert meter.name in section(member, f"thing-{meter.pk}")
    assert ">private<" in section(member, f"thing-{meter.pk}")
    assert len(_geojson(english.get("/sensors/"))["features"]) == 10


def test_stale_and_alert_states_show_as_text(english, network, department_admin):
    rain = stream("rain-cotta")
    Observation.objects.filter(
        datastream=rain, phenomenon_time_start__gt=timezone.now() - timedelta(hours=2, minutes=5)
    ).delete()
    elbe = stream("elbe-dresden")
    alerting.create_rule(
        department_admin,
        elbe,
        name="Elbe above 50 cm",
        kind="threshold",
        parameters={"level": 50},
    )
    html = english.get("/sensors/").content.decode()
    assert "Stale: no value for 2 hours" in section(html, f"thing-{rain.thing_id}")
    assert "Alert open" in section(html, f"thing-{elbe.thing_id}")
    states = {
        f["id"]: f["properties"]["stateLabel"]
        for f in _geojson(english.get("/sensors/"))["features"]
    }
    assert states[rain.thing_id] == "Stale: no value for 2 hours"
    assert states[elbe.thing_id] == "Alert open"
    # The legend counts the stations per state.
    assert "Alert open</span> 1 sensor</li>" in html
    assert "Stale: no value for 2 hours</span> 1 sensor</li>" in html
    assert "OK</span> 7 sensors</li>" in html
