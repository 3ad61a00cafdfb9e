"""Creating SensorThings entities: validation, deep insert, links, Observation rules."""

from datetime import UTC, datetime

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.sta import write
from smartcity.sensors.sta.write import STAError
from tests.sensors.sta.write_helpers import (
    MOVED,
    POINT,
    UNIT,
    datastream_payload,
    location_payload,
    make_datastream,
    make_multi_datastream,
    make_thing,
    observe,
    property_payload,
    sensor_payload,
)

pytestmark = pytest.mark.django_db

# The deep-insert example of OGC 18-088 section 10.2.1.2 (a Thing with its Location and a
# Datastream with Sensor, ObservedProperty and an Observation with its FeatureOfInterest).
OVEN = {
    "name": "oven",
    "description": "This is an oven with a temperature datastream.",
    "properties": {"owner": "Noah Liang"},
    "Locations": [
        {
            "name": "CCIT",
            "description": "Calgary Centre for Innovative Technologies",
            "encodingType": "application/vnd.geo+json",
            "location": {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10, 10]}},
        }
    ],
    "Datastreams": [
        {
            "name": "oven temperature",
            "description": "This is a datastream for an oven's internal temperature.",
            "unitOfMeasurement": UNIT,
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "observedArea": {
                "type": "Polygon",
                "coordinates": [[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]],
            },
            "phenomenonTime": "2009-01-11T16:22:25.00Z/2011-08-21T08:32:10.00Z",
            "Observations": [
                {
                    "phenomenonTime": "2012-06-26T03:42:02-0600",
                    "result": 70.4,
                    "FeatureOfInterest": {
                        "name": "CCIT #361",
                        "description": "This is CCIT #361, Noah's dad's office",
                        "encodingType": "application/vnd.geo+json",
                        "feature": {
                            "type": "Feature",
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [
                                    [[100, 50], [10, 9], [23, 4], [100, 50]],
                                    [[30, 20], [10, 4], [4, 22], [30, 20]],
                                ],
                            },
                        },
                    },
                },
                {"phenomenonTime": "2012-06-26T04:42:02-0600", "result": 71},
            ],
            "ObservedProperty": {
                "name": "DewPoint Temperature",
                "definition": "http://sweet.jpl.nasa.gov/ontology/property.owl#DewPointTemperature",
                "description": "The dewpoint temperature is the temperature to which the air "
                "must be cooled, at constant pressure, for dew to form.",
            },
            "Sensor": {
                "name": "DS18B20",
                "description": "DS18B20 is an air temperature sensor",
                "encodingType": "application/pdf",
                "metadata": "http://datasheets.maxim-ic.com/en/ds/DS18B20.pdf",
            },
        }
    ],
}


def error_of(entity_set, payload, **kwargs) -> STAError:
    with pytest.raises(STAError) as caught:
        write.create(entity_set, payload, **kwargs)
    return caught.value


def test_deep_insert_of_the_standards_example_creates_the_whole_tree():
    thing = write.create("Things", OVEN)

    assert thing.name == "oven"
    assert thing.properties == {"owner": "Noah Liang"}
    location = thing.locations.get()
    assert location.name == "CCIT"
    assert location.encoding_type == "application/vnd.geo+json"
    datastream = thing.datastreams.get()
    assert datastream.sensor.name == "DS18B20"
    assert datastream.observed_property.name == "DewPoint Temperature"
    assert datastream.unit_of_measurement == UNIT
    assert datastream.observed_area["type"] == "Polygon"
    first, second = datastream.observations.order_by("phenomenon_time_start")
    assert first.result == 70.4
    assert first.phenomenon_time_start == datetime(2012, 6, 26, 9, 42, 2, tzinfo=UTC)
    assert first.feature_of_interest.name == "CCIT #361"
    # The second Observation names no feature: it gets one made from the Thing's Location.
    assert second.result == 71
    assert second.feature_of_interest.source_location == location
    assert second.feature_of_interest.feature == location.location
    assert m.HistoricalLocation.objects.get(thing=thing).locations.get() == location
    # Extents: the Datastream's own period widened by its Observations.
    datastream.refresh_from_db()
    assert datastream.phenomenon_time_start == datetime(2009, 1, 11, 16, 22, 25, tzinfo=UTC)
    assert datastream.phenomenon_time_end == datetime(2012, 6, 26, 10, 42, 2, tzinfo=UTC)


def test_deep_insert_is_all_or_nothing():
    payload = {**OVEN, "Datastreams": [{**OVEN["Datastreams"][0], "unitOfMeasurement": "°C"}]}
    error = error_of("Things", payload)
    assert str(error) == (
        "Datastreams[0].unitOfMeasurement: must be an object with name, symbol and definition"
    )
    assert error.status == 400
    for model in (m.Thing, m.Location, m.Sensor, m.ObservedProperty, m.FeatureOfInterest):
        assert not model.objects.exists()


def test_to_one_deep_insert_and_links_by_id():
    sensor = write.create("Sensors", sensor_payload())
    datastream = write.create(
        "Datastreams",
        datastream_payload(
            Thing={"name": "Station", "description": "new", "Locations": [location_payload()]},
            Sensor={"@iot.id": sensor.pk},
            ObservedProperty=property_payload(),
        ),
    )
    assert datastream.sensor == sensor
    assert datastream.thing.name == "Station"
    assert datastream.thing.locations.count() == 1


def test_to_many_lists_of_links_and_new_entities():
    first, second = make_thing(name="A"), make_thing(name="B")
    location = write.create(
        "Locations",
        {**location_payload(), "Things": [{"@iot.id": first.pk}, {"@iot.id": second.pk}]},
    )
    assert set(location.things.all()) == {first, second}
    datastream = make_datastream(first)
    sensor = write.create(
        "Sensors", {**sensor_payload("New"), "Datastreams": [{"@iot.id": datastream.pk}]}
    )
    datastream.refresh_from_db()
    assert datastream.sensor == sensor


def test_created_under_a_parent_is_linked_to_it():
    thing = make_thing()
    datastream = write.create(
        "Datastreams",
        datastream_payload(Sensor=sensor_payload(), ObservedProperty=property_payload()),
        parent=thing,
    )
    assert datastream.thing == thing
    observation = write.create("Observations", {"result": 3}, parent=datastream)
    assert observation.datastream == datastream


def test_parent_and_an_explicit_link_to_it_conflict():
    thing, other = make_thing(), make_thing(name="Other")
    error = error_of(
        "Datastreams",
        datastream_payload(
            Thing={"@iot.id": other.pk},
            Sensor=sensor_payload(),
            ObservedProperty=property_payload(),
        ),
        parent=thing,
    )
    assert error.path == "Thing"


def test_entity_that_cannot_live_under_the_parent_is_refused():
    error = error_of("Sensors", sensor_payload(), parent=make_thing())
    assert "cannot be created under a Thing" in str(error)


def test_unknown_property_is_refused_with_the_known_names():
    error = error_of("Things", {"name": "x", "description": "y", "colour": "red"})
    assert error.path == "colour"
    assert "known are: name, description, properties, Locations" in error.message


def test_annotations_and_ids_in_the_body_are_ignored():
    thing = write.create(
        "Things",
        {
            "@iot.id": 999,
            "@iot.selfLink": "x",
            "Datastreams@iot.navigationLink": "y",
            "name": "a",
            "description": "b",
        },
    )
    assert thing.name == "a"
    assert not m.Thing.objects.filter(pk=999).exists()


@pytest.mark.parametrize(
    ("payload", "path", "message"),
    [
        ({"name": 5, "description": "d"}, "name", "must be a string, not number"),
        ({"description": "d"}, "name", "is required"),
        (
            {"name": "n", "description": "d", "properties": [1]},
            "properties",
            "must be a JSON object",
        ),
        ({"name": "x" * 256, "description": "d"}, "name", "at most 255 characters"),
        ({"name": "n\x00", "description": "d"}, "name", "NUL"),
    ],
)
def test_thing_property_types(payload, path, message):
    error = error_of("Things", payload)
    assert error.path == path
    assert message in error.message


@pytest.mark.parametrize(
    ("location", "path"),
    [
        ({"type": "Point"}, "location.coordinates"),
        ({"type": "Point", "coordinates": [1]}, "location.coordinates"),
        ({"type": "Circle", "coordinates": [1, 2]}, "location"),
        ({"type": "Polygon", "coordinates": [[1, 2], [3, 4]]}, "location.coordinates[0][0]"),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["a", 1]}},
            "location.geometry.coordinates",
        ),
        ("Altmarkt", "location"),
    ],
)
def test_geojson_locations_are_checked(location, path):
    error = error_of("Locations", {**location_payload(), "location": location})
    assert error.path == path


def test_other_location_encodings_take_any_json():
    location = write.create(
        "Locations", {**location_payload(), "encodingType": "text/plain", "location": "Room 361"}
    )
    assert location.location == "Room 361"


def test_geometry_collection_and_feature_are_accepted():
    collection = {
        "type": "GeometryCollection",
        "geometries": [POINT, {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}],
    }
    assert (
        write.create("Locations", {**location_payload(), "location": collection}).location
        == collection
    )
    feature = {"type": "Feature", "geometry": POINT, "properties": {"floor": 2}}
    payload = {
        "name": "f",
        "description": "d",
        "encodingType": "application/geo+json",
        "feature": feature,
    }
    assert write.create("FeaturesOfInterest", payload).feature == feature


def test_unit_of_measurement_values_may_be_null_but_keys_are_required():
    thing = make_thing()
    links = {
        "Thing": {"@iot.id": thing.pk},
        "Sensor": sensor_payload(),
        "ObservedProperty": property_payload(),
    }
    truth = {"name": None, "symbol": None, "definition": None}
    assert (
        write.create(
            "Datastreams", datastream_payload(unitOfMeasurement=truth, **links)
        ).unit_of_measurement
        == truth
    )
    error = error_of("Datastreams", datastream_payload(unitOfMeasurement={"name": "x"}, **links))
    assert str(error) == "unitOfMeasurement: must be an object with name, symbol and definition"


@pytest.mark.parametrize("missing", ["Thing", "Sensor", "ObservedProperty"])
def test_datastream_needs_its_three_links(missing):
    links = {
        "Thing": {"@iot.id": make_thing().pk},
        "Sensor": sensor_payload(),
        "ObservedProperty": property_payload(),
    }
    del links[missing]
    error = error_of("Datastreams", datastream_payload(**links))
    assert error.path == missing
    assert error.message.startswith("is required")


def test_link_to_a_missing_entity_names_set_and_id():
    error = error_of(
        "Datastreams",
        datastream_payload(
            Thing={"@iot.id": 4711}, Sensor=sensor_payload(), ObservedProperty=property_payload()
        ),
    )
    assert str(error) == "Thing: Things(4711) does not exist"
    assert error.status == 400


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ({"@iot.id": "1"}, "@iot.id must be an integer"),
        ({"@iot.id": 1, "name": "x"}, "takes no other properties"),
        ("Things(1)", "must be a JSON object"),
    ],
)
def test_malformed_links(link, message):
    links = {"Sensor": sensor_payload(), "ObservedProperty": property_payload()}
    error = error_of("Datastreams", datastream_payload(Thing=link, **links))
    assert message in error.message


def test_unknown_entity_set_is_404():
    assert error_of("Gadgets", {}).status == 404


def test_observation_needs_a_datastream():
    error = error_of("Observations", {"result": 1, "phenomenonTime": "2024-05-01T00:00:00Z"})
    assert error.path == "Datastream"
    assert "exactly one Datastream or MultiDatastream" in error.message


def test_observation_cannot_have_both_streams():
    datastream = make_datastream()
    multi = make_multi_datastream(datastream.thing)
    error = error_of(
        "Observations",
        {
            "result": [1, 2],
            "Datastream": {"@iot.id": datastream.pk},
            "MultiDatastream": {"@iot.id": multi.pk},
        },
    )
    assert error.path == "Datastream"


def test_observation_needs_a_result():
    error = error_of("Observations", {"Datastream": {"@iot.id": make_datastream().pk}})
    assert str(error) == "result: is required"


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("yesterday", "is not an ISO 8601 date-time"),
        ("2024-05-01T10:00:00", "needs a time zone offset"),
        ("2024-05-02T00:00:00Z/2024-05-01T00:00:00Z", "ends before it starts"),
        (20240501, "must be an ISO 8601 date-time string"),
    ],
)
def test_phenomenon_time_must_be_iso_8601(time, message):
    error = error_of(
        "Observations",
        {"result": 1, "phenomenonTime": time, "Datastream": {"@iot.id": make_datastream().pk}},
    )
    assert error.path == "phenomenonTime"
    assert message in error.message


def test_phenomenon_time_interval_and_valid_time_are_stored():
    observation = observe(
        make_datastream(),
        1,
        time="2024-05-01T10:00:00+02:00/2024-05-01T11:00:00+02:00",
        resultTime="2024-05-01T09:00:30Z",
        validTime="2024-05-01T00:00:00Z/2024-06-01T00:00:00Z",
        parameters={"calibrated": True},
        resultQuality={"DQ_Status": "ok"},
    )
    assert observation.phenomenon_time_start == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert observation.phenomenon_time_end == datetime(2024, 5, 1, 9, tzinfo=UTC)
    assert observation.result_time == datetime(2024, 5, 1, 9, 0, 30, tzinfo=UTC)
    assert observation.valid_time_end == datetime(2024, 6, 1, tzinfo=UTC)
    assert observation.parameters == {"calibrated": True}
    assert observation.result_quality == {"DQ_Status": "ok"}


def test_valid_time_must_be_an_interval_and_result_time_may_be_null():
    datastream = make_datastream()
    error = error_of(
        "Observations",
        {
            "result": 1,
            "validTime": "2024-05-01T00:00:00Z",
            "Datastream": {"@iot.id": datastream.pk},
        },
    )
    assert error.path == "validTime"
    assert observe(datastream, 1, resultTime=None).result_time is None


def test_phenomenon_time_defaults_to_server_time():
    before = datetime.now(UTC)
    observation = write.create(
        "Observations", {"result": 1, "Datastream": {"@iot.id": make_datastream().pk}}
    )
    assert before <= observation.phenomenon_time_start <= datetime.now(UTC)
    assert observation.result_time is None


@pytest.mark.parametrize(
    "value", [5, 5.0, -0.5, 12345678901234567890, "x", "", True, False, {"a": 1}, [1, 2], None]
)
def test_result_keeps_its_json_type(value):
    observation = observe(make_datastream(), value)
    stored = m.Observation.objects.get(pk=observation.pk)
    assert stored.result == value
    assert type(stored.result) is type(value)


def test_non_finite_results_are_refused():
    error = error_of(
        "Observations", {"result": float("nan"), "Datastream": {"@iot.id": make_datastream().pk}}
    )
    assert str(error) == "result: must be a finite number"


def test_feature_of_interest_is_derived_from_the_location_and_reused():
    datastream = make_datastream()
    first = observe(datastream, 1)
    second = observe(datastream, 2, time="2024-05-01T10:10:00Z")
    location = datastream.thing.locations.get()
    feature = first.feature_of_interest
    assert second.feature_of_interest == feature
    assert m.FeatureOfInterest.objects.count() == 1
    assert (feature.name, feature.description, feature.encoding_type, feature.feature) == (
        location.name,
        location.description,
        location.encoding_type,
        location.location,
    )
    assert feature.source_location == location


def test_feature_of_interest_is_regenerated_after_the_thing_moves():
    datastream = make_datastream()
    thing = datastream.thing
    before = observe(datastream, 1).feature_of_interest
    new_location = write.create("Locations", location_payload("Neumarkt", MOVED))
    write.update(thing, {"Locations": [{"@iot.id": new_location.pk}]})
    after = observe(datastream, 2).feature_of_interest
    assert after != before
    assert after.feature == MOVED
    assert after.source_location == new_location
    assert observe(datastream, 3).feature_of_interest == after


def test_feature_of_interest_is_regenerated_after_the_location_is_edited():
    datastream = make_datastream()
    location = datastream.thing.locations.get()
    before = observe(datastream, 1).feature_of_interest
    write.update(location, {"location": MOVED})
    after = observe(datastream, 2).feature_of_interest
    assert after != before
    assert after.feature == MOVED


def test_given_feature_of_interest_is_used():
    datastream = make_datastream()
    feature = write.create(
        "FeaturesOfInterest",
        {
            "name": "Elbe",
            "description": "River",
            "encodingType": "application/geo+json",
            "feature": MOVED,
        },
    )
    observation = observe(datastream, 1, FeatureOfInterest={"@iot.id": feature.pk})
    assert observation.feature_of_interest == feature


def test_thing_without_location_needs_an_explicit_feature():
    datastream = make_datastream(make_thing(located=False))
    error = error_of("Observations", {"result": 1, "Datastream": {"@iot.id": datastream.pk}})
    assert error.path == "FeatureOfInterest"
    assert "has no Location" in error.message
    assert not m.Observation.objects.exists()


def test_observations_widen_the_datastream_extents():
    datastream = make_datastream()
    observe(datastream, 1, time="2024-05-01T10:00:00Z", resultTime="2024-05-01T10:00:05Z")
    observe(datastream, 2, time="2024-04-30T08:00:00Z/2024-05-02T00:00:00Z")
    observe(datastream, 3, time="2024-05-01T12:00:00Z", resultTime="2024-05-01T12:00:09Z")
    datastream.refresh_from_db()
    assert datastream.phenomenon_time_start == datetime(2024, 4, 30, 8, tzinfo=UTC)
    assert datastream.phenomenon_time_end == datetime(2024, 5, 2, tzinfo=UTC)
    assert datastream.result_time_start == datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)
    assert datastream.result_time_end == datetime(2024, 5, 1, 12, 0, 9, tzinfo=UTC)


def test_datastream_created_with_observations_returns_fresh_extents():
    thing = make_thing()
    datastream = write.create(
        "Datastreams",
        datastream_payload(
            Thing={"@iot.id": thing.pk},
            Sensor=sensor_payload(),
            ObservedProperty=property_payload(),
            Observations=[{"phenomenonTime": "2024-05-01T10:00:00Z", "result": 1}],
        ),
    )
    assert datastream.phenomenon_time_start == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_thing_created_with_locations_gets_a_historical_location():
    thing = make_thing()
    historical = m.HistoricalLocation.objects.get(thing=thing)
    assert list(historical.locations.all()) == list(thing.locations.all())


def test_thing_linked_to_an_existing_location_gets_a_historical_location():
    location = write.create("Locations", location_payload())
    thing = write.create(
        "Things", {"name": "t", "description": "d", "Locations": [{"@iot.id": location.pk}]}
    )
    assert m.HistoricalLocation.objects.get(thing=thing).locations.get() == location


def test_location_created_under_a_thing_records_where_the_thing_is():
    thing = make_thing(located=False)
    assert not m.HistoricalLocation.objects.exists()
    location = write.create("Locations", location_payload(), parent=thing)
    assert list(thing.locations.all()) == [location]
    assert m.HistoricalLocation.objects.get(thing=thing).locations.get() == location


def test_location_created_with_things_records_each_thing():
    first, second = make_thing(located=False, name="A"), make_thing(located=False, name="B")
    write.create(
        "Locations",
        {**location_payload(), "Things": [{"@iot.id": first.pk}, {"@iot.id": second.pk}]},
    )
    assert m.HistoricalLocation.objects.filter(thing__in=[first, second]).count() == 2


def test_historical_location_can_be_created_directly():
    thing = make_thing()
    location = thing.locations.get()
    historical = write.create(
        "HistoricalLocations",
        {
            "time": "2020-01-01T00:00:00Z",
            "Thing": {"@iot.id": thing.pk},
            "Locations": [{"@iot.id": location.pk}],
        },
    )
    assert historical.time == datetime(2020, 1, 1, tzinfo=UTC)
    assert historical.locations.get() == location
    assert m.HistoricalLocation.objects.filter(thing=thing).count() == 2


def test_historical_location_needs_time_and_thing():
    assert error_of("HistoricalLocations", {"Thing": {"@iot.id": make_thing().pk}}).path == "time"
    assert error_of("HistoricalLocations", {"time": "2020-01-01T00:00:00Z"}).path == "Thing"


def test_multi_datastream_keeps_the_order_of_its_observed_properties():
    existing = write.create("ObservedProperties", property_payload("Gusts"))
    multi = write.create(
        "MultiDatastreams",
        {
            "name": "Wind",
            "description": "d",
            "multiObservationDataTypes": ["om:a", "om:b", "om:c"],
            "unitOfMeasurements": [UNIT, UNIT, UNIT],
            "Thing": {"@iot.id": make_thing().pk},
            "Sensor": sensor_payload(),
            "ObservedProperties": [
                property_payload("Speed"),
                {"@iot.id": existing.pk},
                property_payload("Direction"),
            ],
        },
    )
    assert multi.observation_type == m.OM_COMPLEX
    columns = m.MultiDatastreamProperty.objects.filter(multi_datastream=multi).order_by("position")
    assert [c.observed_property.name for c in columns] == ["Speed", "Gusts", "Direction"]


def test_multi_datastream_arrays_must_match_its_observed_properties():
    payload = {
        "name": "Wind",
        "description": "d",
        "multiObservationDataTypes": ["om:a", "om:b"],
        "unitOfMeasurements": [UNIT],
        "Thing": {"@iot.id": make_thing().pk},
        "Sensor": sensor_payload(),
        "ObservedProperties": [property_payload("Speed"), property_payload("Direction")],
    }
    error = error_of("MultiDatastreams", payload)
    assert (
        str(error)
        == "unitOfMeasurements: has 1 entries, but the MultiDatastream has 2 ObservedProperties"
    )
    assert not m.MultiDatastream.objects.exists()
    assert error_of(
        "MultiDatastreams",
        {**payload, "unitOfMeasurements": [UNIT, UNIT], "ObservedProperties": []},
    ).path == ("ObservedProperties")
    missing = dict(payload, unitOfMeasurements=[UNIT, UNIT])
    del missing["ObservedProperties"]
    assert error_of("MultiDatastreams", missing).path == "ObservedProperties"
    wrong_type = dict(payload, unitOfMeasurements=[UNIT, UNIT], observationType="om:Measurement")
    assert error_of("MultiDatastreams", wrong_type).path == "observationType"


def test_observed_properties_join_multi_datastreams_only_through_its_list():
    multi = make_multi_datastream()
    assert "cannot be created under" in str(
        error_of("ObservedProperties", property_payload(), parent=multi)
    )
    error = error_of(
        "ObservedProperties", {**property_payload(), "MultiDatastreams": [{"@iot.id": multi.pk}]}
    )
    assert error.path == "MultiDatastreams"


def test_multi_datastream_observation_result_is_an_array_of_its_width():
    multi = make_multi_datastream()
    observation = write.create(
        "Observations", {"result": [3.5, 270], "MultiDatastream": {"@iot.id": multi.pk}}
    )
    assert m.Observation.objects.get(pk=observation.pk).result == [3.5, 270]
    assert observation.feature_of_interest.source_location == multi.thing.locations.get()
    error = error_of("Observations", {"result": [3.5], "MultiDatastream": {"@iot.id": multi.pk}})
    assert str(error) == (
        "result: must be an array of 2 values, one per ObservedProperty of the MultiDatastream"
    )
    multi.refresh_from_db()
    assert multi.phenomenon_time_start == observation.phenomenon_time_start


def test_deep_insert_error_paths_name_nested_positions():
    payload = {
        "name": "t",
        "description": "d",
        "Datastreams": [
            datastream_payload(Sensor=sensor_payload(), ObservedProperty=property_payload()),
            datastream_payload(
                Sensor=sensor_payload(), ObservedProperty={"name": "p", "description": "d"}
            ),
        ],
    }
    assert (
        str(error_of("Things", payload))
        == "Datastreams[1].ObservedProperty.definition: is required"
    )


def test_historical_locations_can_be_deep_inserted_with_a_thing():
    thing = write.create(
        "Things",
        {
            "name": "t",
            "description": "d",
            "HistoricalLocations": [
                {"time": "2019-01-01T00:00:00Z", "Locations": [location_payload()]}
            ],
        },
    )
    historical = thing.historical_locations.get()
    assert historical.locations.get().name == "Altmarkt"
    assert not thing.locations.exists()


def test_thing_with_several_locations_derives_the_feature_from_its_geojson_one():
    room = {**location_payload("Room 361"), "encodingType": "text/plain", "location": "Room 361"}
    thing = write.create(
        "Things", {"name": "t", "description": "d", "Locations": [room, location_payload()]}
    )
    datastream = make_datastream(thing)
    feature = observe(datastream, 1).feature_of_interest
    assert feature.source_location.name == "Altmarkt"
    assert feature.encoding_type == "application/geo+json"


def test_historical_location_time_is_the_time_of_the_request():
    before = datetime.now(UTC)
    thing = make_thing()
    assert before <= m.HistoricalLocation.objects.get(thing=thing).time <= datetime.now(UTC)
