from datetime import timedelta

import pytest
from django.utils import timezone

from smartcity.sensors.models import (
    Datastream,
    FeatureOfInterest,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)

CENTIMETRE = {
    "name": "centimetre",
    "symbol": "cm",
    "definition": "http://unitsofmeasure.org/ucum.html#para-30",
}


def make_datastream(organisation, *, name="Pegel Dresden", private=False):
    thing = Thing.objects.create(
        name=name, description="Elbe gauge", organisation=organisation, is_private=private
    )
    sensor = Sensor.objects.create(
        name="Radar level sensor",
        description="Water level radar",
        encoding_type="text/html",
        metadata="https://www.umwelt.sachsen.de/umwelt/infosysteme/hwims/portal/web/wasserstand-pegel-501060",
    )
    level = ObservedProperty.objects.create(
        name="Water level", definition="http://vocab.nerc.ac.uk/collection/P07/current/CFSN0721/"
    )
    return Datastream.objects.create(
        name=f"Water level {name}",
        description="15-minute water levels",
        thing=thing,
        sensor=sensor,
        observed_property=level,
        unit_of_measurement=CENTIMETRE,
    )


@pytest.fixture
def gauge(department):
    return make_datastream(department)


@pytest.fixture
def now():
    return timezone.now().replace(second=0, microsecond=0)


def minutes_ago(now, minutes):
    return now - timedelta(minutes=minutes)


def observe(datastream, time, value):
    """Store one Observation as ingest would, and return the (time, value) sample."""
    feature, _ = FeatureOfInterest.objects.get_or_create(
        name="Elbe at Augustusbrücke",
        defaults={
            "description": "Gauge location",
            "feature": {"type": "Point", "coordinates": [13.7414, 51.0545]},
        },
    )
    observation = Observation(
        datastream=datastream, feature_of_interest=feature, phenomenon_time_start=time
    )
    observation.set_result(value)
    observation.save()
    return (time, value)
