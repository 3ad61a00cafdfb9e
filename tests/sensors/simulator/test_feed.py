import io

import pytest
from django.core.management import call_command

from smartcity.core.accounts.models import Organisation
from smartcity.sensors import models as m


@pytest.fixture
def organisations(db):
    for short in ["UA", "STA", "BKA", "SEDD", "SSD", "SKD"]:
        Organisation.objects.create(name=f"Org {short}", short_name=short, slug=short.lower())


@pytest.mark.django_db
def test_simulate_creates_the_demo_network_and_backfills(organisations):
    out = io.StringIO()
    call_command("sensors", "simulate", "--hours", "6", "--step-minutes", "30", stdout=out)
    assert "10 stations" in out.getvalue() and "(demo data)" in out.getvalue()
    assert m.Thing.objects.count() == 10
    no2 = m.Datastream.objects.get(name__startswith="NO2 – Luftmessstation Dresden-Nord")
    assert no2.unit_of_measurement["symbol"] == "µg/m³"
    assert no2.observations.count() == 13  # 6 h every 30 min, both ends included
    values = [o.result for o in no2.observations.all()]
    assert all(isinstance(v, float) and 2 <= v <= 150 for v in values)
    meter = m.Thing.objects.get(properties__simulator="klinikum-meter")
    assert meter.is_private and meter.organisation.short_name == "SKD"
    # Sensors and observed properties are shared between stations, not duplicated.
    assert m.ObservedProperty.objects.filter(name="NO2").count() == 1
    assert m.Location.objects.count() == 10


@pytest.mark.django_db
def test_simulate_again_adds_only_new_values(organisations):
    call_command(
        "sensors", "simulate", "--hours", "2", "--step-minutes", "30", stdout=io.StringIO()
    )
    before = m.Observation.objects.count()
    call_command(
        "sensors", "simulate", "--hours", "2", "--step-minutes", "30", stdout=io.StringIO()
    )
    assert m.Thing.objects.count() == 10
    assert m.Observation.objects.count() - before <= 15  # at most one new step per stream


@pytest.mark.django_db
def test_flood_scenario_raises_the_elbe(organisations):
    call_command("sensors", "simulate", "--hours", "0", "--flood", stdout=io.StringIO())
    level = m.Datastream.objects.get(thing__properties__simulator="elbe-dresden")
    assert level.observations.get().result > 250
