"""Updating SensorThings entities: PATCH, PUT and JSON-Patch (OGC 18-088, section 10.3)."""

from datetime import UTC, datetime

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.sta import write
from smartcity.sensors.sta.write import STAError
from tests.sensors.sta.write_helpers import (
    MOVED,
    UNIT,
    location_payload,
    make_datastream,
    make_multi_datastream,
    make_thing,
    observe,
    property_payload,
    sensor_payload,
)

pytestmark = pytest.mark.django_db


def error_of(function, *args, **kwargs) -> STAError:
    with pytest.raises(STAError) as caught:
        function(*args, **kwargs)
    return caught.value


def test_patch_changes_only_the_given_properties():
    thing = write.create(
        "Things", {"name": "oven", "description": "old", "properties": {"owner": "Noah"}}
    )
    write.update(thing, {"description": "This thing is an oven."})
    thing.refresh_from_db()
    assert (thing.name, thing.description, thing.properties) == (
        "oven",
        "This thing is an oven.",
        {"owner": "Noah"},
    )


def test_patch_validates_like_create_and_changes_nothing_on_error():
    thing = make_thing()
    error = error_of(write.update, thing, {"description": "new", "name": None})
    assert str(error) == "name: is required and cannot be null"
    error = error_of(write.update, thing, {"colour": "red"})
    assert error.path == "colour"
    thing.refresh_from_db()
    assert thing.description == "A weather station"


def test_patch_ignores_the_id_in_the_body():
    thing = make_thing()
    write.update(thing, {"@iot.id": thing.pk + 100, "name": "renamed"})
    thing.refresh_from_db()
    assert thing.name == "renamed"


def test_put_resets_missing_optional_properties_and_needs_required_ones():
    thing = write.create("Things", {"name": "a", "description": "b", "properties": {"k": 1}})
    write.update(thing, {"name": "c", "description": "d"}, replace=True)
    thing.refresh_from_db()
    assert (thing.name, thing.description, thing.properties) == ("c", "d", None)
    error = error_of(write.update, thing, {"name": "only"}, replace=True)
    assert str(error) == "description: is required"


def test_put_of_an_observation_resets_optional_times():
    datastream = make_datastream()
    observation = observe(
        datastream,
        1,
        resultTime="2024-05-01T10:00:00Z",
        validTime="2024-05-01T00:00:00Z/2024-05-02T00:00:00Z",
        parameters={"a": 1},
    )
    write.update(observation, {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 2}, replace=True)
    observation = m.Observation.objects.get(pk=observation.pk)
    assert observation.result == 2
    assert observation.result_time is None
    assert observation.valid_time_start is None
    assert observation.parameters is None
    assert observation.datastream == datastream


def test_put_of_a_datastream_recomputes_its_times_from_the_observations():
    datastream = make_datastream()
    observe(datastream, 1, time="2024-05-01T10:00:00Z")
    write.update(datastream, {"phenomenonTime": "2000-01-01T00:00:00Z/2030-01-01T00:00:00Z"})
    assert datastream.phenomenon_time_start == datetime(2000, 1, 1, tzinfo=UTC)
    write.update(
        datastream,
        {
            "name": "n",
            "description": "d",
            "observationType": "om:Measurement",
            "unitOfMeasurement": UNIT,
        },
        replace=True,
    )
    assert datastream.phenomenon_time_start == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert datastream.phenomenon_time_end == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert datastream.observed_area is None


def test_patch_relinks_a_datastream_to_another_sensor():
    datastream = make_datastream()
    sensor = write.create("Sensors", sensor_payload("SHT31"))
    write.update(datastream, {"Sensor": {"@iot.id": sensor.pk}})
    datastream.refresh_from_db()
    assert datastream.sensor == sensor


def test_patch_cannot_remove_or_create_linked_entities():
    datastream = make_datastream()
    assert error_of(write.update, datastream, {"Sensor": None}).path == "Sensor"
    error = error_of(write.update, datastream, {"Sensor": sensor_payload()})
    assert "related entities cannot be created in an update" in error.message
    error = error_of(write.update, datastream, {"Sensor": {"@iot.id": 999}})
    assert str(error) == "Sensor: Sensors(999) does not exist"


def test_patch_adds_to_to_many_links():
    thing = make_thing()
    datastream = make_datastream(make_thing(name="Other"))
    write.update(thing, {"Datastreams": [{"@iot.id": datastream.pk}]})
    datastream.refresh_from_db()
    assert datastream.thing == thing


def test_changing_a_things_locations_replaces_them_and_records_history():
    thing = make_thing()
    old = thing.locations.get()
    new = write.create("Locations", location_payload("Neumarkt", MOVED))
    write.update(thing, {"Locations": [{"@iot.id": new.pk}]})
    assert list(thing.locations.all()) == [new]
    latest = m.HistoricalLocation.objects.filter(thing=thing).order_by("-time", "-pk").first()
    assert list(latest.locations.all()) == [new]
    assert m.HistoricalLocation.objects.filter(thing=thing, locations=old).exists()
    write.update(thing, {"Locations": [{"@iot.id": new.pk}]})
    assert m.HistoricalLocation.objects.filter(thing=thing).count() == 2


def test_linking_a_location_to_a_thing_records_history():
    thing = make_thing(located=False)
    location = write.create("Locations", location_payload())
    write.update(location, {"Things": [{"@iot.id": thing.pk}]})
    assert m.HistoricalLocation.objects.get(thing=thing).locations.get() == location


def test_location_update_checks_geojson_against_its_encoding():
    location = write.create("Locations", location_payload())
    error = error_of(write.update, location, {"location": {"type": "Point"}})
    assert error.path == "location.coordinates"
    write.update(location, {"encodingType": "text/plain", "location": "Room 1"})
    assert error_of(write.update, location, {"encodingType": "application/geo+json"}).path == (
        "location"
    )


def test_observation_result_update_keeps_the_type():
    observation = observe(make_datastream(), 5)
    for value in (5.0, "5", True, {"a": 1}, [1, 2], None, 7):
        write.update(observation, {"result": value})
        stored = m.Observation.objects.get(pk=observation.pk).result
        assert stored == value
        assert type(stored) is type(value)


def test_observation_moved_to_another_datastream_updates_both_extents():
    first = make_datastream()
    second = make_datastream(first.thing)
    observe(first, 1, time="2024-05-01T10:00:00Z")
    late = observe(first, 2, time="2024-05-03T10:00:00Z")
    write.update(late, {"Datastream": {"@iot.id": second.pk}})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.phenomenon_time_end == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert second.phenomenon_time_start == datetime(2024, 5, 3, 10, tzinfo=UTC)


def test_observation_time_change_shrinks_and_widens_extents():
    datastream = make_datastream()
    observe(datastream, 1, time="2024-05-01T10:00:00Z")
    late = observe(datastream, 2, time="2024-05-09T10:00:00Z")
    write.update(late, {"phenomenonTime": "2024-05-02T10:00:00Z"})
    datastream.refresh_from_db()
    assert datastream.phenomenon_time_end == datetime(2024, 5, 2, 10, tzinfo=UTC)
    write.update(late, {"phenomenonTime": "2024-04-02T10:00:00Z"})
    datastream.refresh_from_db()
    assert datastream.phenomenon_time_start == datetime(2024, 4, 2, 10, tzinfo=UTC)


def test_observation_moved_to_a_multi_datastream_needs_an_array_result():
    datastream = make_datastream()
    multi = make_multi_datastream(datastream.thing)
    observation = observe(datastream, 1)
    error = error_of(write.update, observation, {"MultiDatastream": {"@iot.id": multi.pk}})
    assert error.path == "result"
    write.update(observation, {"MultiDatastream": {"@iot.id": multi.pk}, "result": [1, 2]})
    observation = m.Observation.objects.get(pk=observation.pk)
    assert (observation.datastream, observation.multi_datastream) == (None, multi)


def test_multi_datastream_columns_can_be_replaced_in_order_until_it_has_observations():
    multi = make_multi_datastream()
    a = write.create("ObservedProperties", property_payload("A"))
    b = write.create("ObservedProperties", property_payload("B"))
    write.update(multi, {"ObservedProperties": [{"@iot.id": b.pk}, {"@iot.id": a.pk}]})
    columns = m.MultiDatastreamProperty.objects.filter(multi_datastream=multi)
    assert [c.observed_property for c in columns.order_by("position")] == [b, a]
    error = error_of(write.update, multi, {"ObservedProperties": [{"@iot.id": a.pk}]})
    assert error.path == "multiObservationDataTypes"
    error = error_of(write.update, multi, {"unitOfMeasurements": [UNIT]})
    assert str(error) == (
        "unitOfMeasurements: has 1 entries, but the MultiDatastream has 2 ObservedProperties"
    )
    write.create("Observations", {"result": [1, 2], "MultiDatastream": {"@iot.id": multi.pk}})
    error = error_of(
        write.update,
        multi,
        {
            "ObservedProperties": [{"@iot.id": a.pk}],
            "multiObservationDataTypes": ["om:a"],
            "unitOfMeasurements": [UNIT],
        },
    )
    assert "has Observations" in error.message


# --- JSON-Patch ----------------------------------------------------------------------------


def test_json_patch_changes_properties_inside_properties():
    thing = write.create(
        "Things", {"name": "oven", "description": "d", "properties": {"owner": "Noah"}}
    )
    write.apply_json_patch(
        thing,
        [
            {"op": "test", "path": "/properties/owner", "value": "Noah"},
            {"op": "replace", "path": "/properties/owner", "value": "Ada"},
            {"op": "add", "path": "/properties/rooms", "value": ["kitchen"]},
            {"op": "add", "path": "/properties/rooms/-", "value": "hall"},
            {"op": "copy", "from": "/name", "path": "/properties/label"},
            {"op": "move", "from": "/properties/label", "path": "/properties/old~1label"},
            {"op": "replace", "path": "/description", "value": "This thing is an oven."},
        ],
    )
    thing.refresh_from_db()
    assert thing.description == "This thing is an oven."
    assert thing.properties == {"owner": "Ada", "rooms": ["kitchen", "hall"], "old/label": "oven"}


def test_json_patch_remove_sets_optional_properties_to_null():
    thing = write.create("Things", {"name": "a", "description": "b", "properties": {"k": 1}})
    write.apply_json_patch(thing, [{"op": "remove", "path": "/properties"}])
    thing.refresh_from_db()
    assert thing.properties is None
    error = error_of(write.apply_json_patch, thing, [{"op": "remove", "path": "/name"}])
    assert str(error) == "name: is required and cannot be null"


def test_failing_test_operation_applies_nothing():
    thing = write.create("Things", {"name": "a", "description": "b", "properties": {"k": 1}})
    error = error_of(
        write.apply_json_patch,
        thing,
        [
            {"op": "replace", "path": "/name", "value": "changed"},
            {"op": "test", "path": "/properties/k", "value": 2},
        ],
    )
    assert error.path == "[1]"
    assert "test failed" in error.message
    thing.refresh_from_db()
    assert thing.name == "a"


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        ([{"op": "remove", "path": "/properties/missing"}], "does not exist"),
        ([{"op": "replace", "path": "name", "value": 1}], "must start with '/'"),
        ([{"op": "jump", "path": "/name"}], "unknown operation"),
        ([{"op": "add", "path": "/colour", "value": "red"}], "unknown property of a Thing"),
        ([{"op": "add", "path": "/Locations", "value": []}], "change links with a merge PATCH"),
        ([{"op": "replace", "path": "/name", "value": 5}], "must be a string"),
        ({"op": "replace"}, "must be an array of operations"),
    ],
)
def test_json_patch_errors(operations, message):
    thing = write.create("Things", {"name": "a", "description": "b", "properties": {"k": 1}})
    error = error_of(write.apply_json_patch, thing, operations)
    assert message in error.message
    thing.refresh_from_db()
    assert (thing.name, thing.properties) == ("a", {"k": 1})


def test_json_patch_on_observation_result_and_times():
    observation = observe(make_datastream(), [1, 2], time="2024-05-01T10:00:00Z")
    write.apply_json_patch(
        observation,
        [
            {"op": "test", "path": "/phenomenonTime", "value": "2024-05-01T12:00:00+02:00"},
            {"op": "add", "path": "/result/1", "value": 1.5},
            {"op": "replace", "path": "/phenomenonTime", "value": "2024-05-01T11:00:00Z"},
        ],
    )
    observation = m.Observation.objects.get(pk=observation.pk)
    assert observation.result == [1, 1.5, 2]
    assert observation.phenomenon_time_start == datetime(2024, 5, 1, 11, tzinfo=UTC)


def test_entity_document_is_the_sta_properties():
    observation = observe(make_datastream(), 5, time="2024-05-01T10:00:00Z")
    assert write.entity_document(observation) == {
        "phenomenonTime": "2024-05-01T10:00:00Z",
        "result": 5,
        "resultTime": None,
        "resultQuality": None,
        "validTime": None,
        "parameters": None,
    }


def test_patch_relinks_an_observation_to_another_feature():
    observation = observe(make_datastream(), 1)
    feature = write.create(
        "FeaturesOfInterest",
        {"name": "Elbe", "description": "River", "encodingType": "text/plain", "feature": "Elbe"},
    )
    write.update(observation, {"FeatureOfInterest": {"@iot.id": feature.pk}})
    assert m.Observation.objects.get(pk=observation.pk).feature_of_interest == feature
    error = error_of(write.update, observation, {"FeatureOfInterest": None})
    assert error.path == "FeatureOfInterest"
