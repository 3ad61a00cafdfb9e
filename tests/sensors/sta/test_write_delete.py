"""Deleting SensorThings entities and the cascade of OGC 18-088 section 10.4."""

from datetime import UTC, datetime

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.sta import write
from tests.sensors.sta.write_helpers import (
    MOVED,
    location_payload,
    make_datastream,
    make_multi_datastream,
    make_thing,
    observe,
    property_payload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A Thing with a Datastream and a MultiDatastream, each with an Observation."""
    datastream = make_datastream()
    multi = make_multi_datastream(datastream.thing)
    observation = observe(datastream, 1)
    multi_observation = write.create(
        "Observations", {"result": [1, 2], "MultiDatastream": {"@iot.id": multi.pk}}
    )
    return {
        "thing": datastream.thing,
        "datastream": datastream,
        "multi": multi,
        "observation": observation,
        "multi_observation": multi_observation,
    }


def exists(instance) -> bool:
    return type(instance).objects.filter(pk=instance.pk).exists()


def test_thing_takes_datastreams_multidatastreams_and_history_but_not_locations(world):
    thing = world["thing"]
    location = thing.locations.get()
    write.delete(thing)
    assert not exists(world["datastream"])
    assert not exists(world["multi"])
    assert not exists(world["observation"])
    assert not m.HistoricalLocation.objects.exists()
    assert exists(location)
    assert exists(world["datastream"].sensor)


def test_location_takes_the_historical_locations_that_list_only_it():
    thing = make_thing()
    first = thing.locations.get()
    second = write.create("Locations", location_payload("Neumarkt", MOVED))
    write.update(thing, {"Locations": [{"@iot.id": first.pk}, {"@iot.id": second.pk}]})
    both = m.HistoricalLocation.objects.get(locations=second)
    only_first = m.HistoricalLocation.objects.exclude(pk=both.pk).get()
    write.delete(first)
    assert not exists(only_first)
    assert exists(both)
    assert list(both.locations.all()) == [second]
    assert list(thing.locations.all()) == [second]


def test_location_deletion_keeps_derived_features(world):
    feature = world["observation"].feature_of_interest
    write.delete(world["thing"].locations.get())
    feature.refresh_from_db()
    assert feature.source_location is None
    assert exists(world["observation"])


def test_datastream_takes_its_observations_only(world):
    write.delete(world["datastream"])
    assert not exists(world["observation"])
    assert exists(world["multi_observation"])
    assert exists(world["thing"])
    assert exists(world["observation"].feature_of_interest)


def test_multi_datastream_takes_its_observations_and_columns(world):
    multi = world["multi"]
    observed = list(multi.observed_properties.all())
    write.delete(multi)
    assert not exists(world["multi_observation"])
    assert not m.MultiDatastreamProperty.objects.exists()
    assert all(exists(prop) for prop in observed)
    assert exists(world["observation"])


def test_sensor_takes_datastreams_and_multidatastreams_using_it(world):
    datastream, multi = world["datastream"], world["multi"]
    write.delete(datastream.sensor)
    assert not exists(datastream)
    assert exists(multi)
    write.delete(multi.sensor)
    assert not exists(multi)


def test_observed_property_takes_the_streams_that_use_it(world):
    datastream, multi = world["datastream"], world["multi"]
    wind_speed = multi.observed_properties.order_by("multidatastreamproperty__position").first()
    write.delete(wind_speed)
    assert not exists(multi)
    assert not exists(world["multi_observation"])
    assert exists(datastream)
    write.delete(datastream.observed_property)
    assert not exists(datastream)
    assert not exists(world["observation"])


def test_unused_observed_property_takes_nothing(world):
    lonely = write.create("ObservedProperties", property_payload("Noise"))
    write.delete(lonely)
    assert exists(world["datastream"]) and exists(world["multi"])


def test_feature_of_interest_takes_its_observations_and_shrinks_extents():
    datastream = make_datastream()
    observe(datastream, 1, time="2024-05-01T10:00:00Z")
    elbe = write.create(
        "FeaturesOfInterest",
        {
            "name": "Elbe",
            "description": "River",
            "encodingType": "application/geo+json",
            "feature": MOVED,
        },
    )
    late = observe(
        datastream, 2, time="2024-05-09T10:00:00Z", FeatureOfInterest={"@iot.id": elbe.pk}
    )
    write.delete(elbe)
    assert not exists(late)
    datastream.refresh_from_db()
    assert datastream.phenomenon_time_end == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert m.Observation.objects.count() == 1


def test_observation_takes_nothing_and_shrinks_extents(world):
    datastream = world["datastream"]
    late = observe(datastream, 2, time="2030-01-01T00:00:00Z", resultTime="2030-01-01T00:00:01Z")
    write.delete(late)
    datastream.refresh_from_db()
    assert datastream.phenomenon_time_end == world["observation"].phenomenon_time_start
    assert datastream.result_time_end is None
    assert exists(world["observation"].feature_of_interest)
    write.delete(world["observation"])
    datastream.refresh_from_db()
    assert datastream.phenomenon_time_start is None


def test_historical_location_takes_nothing(world):
    historical = m.HistoricalLocation.objects.get()
    location = historical.locations.get()
    write.delete(historical)
    assert exists(location)
    assert exists(world["thing"])
