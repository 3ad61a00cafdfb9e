"""CreateObservations of the data-array extension (OGC 18-088, section 14.4)."""

import re
from datetime import UTC, datetime

import pytest
from django.db import DataError

from smartcity.sensors import models as m
from smartcity.sensors.sta import bulk, write
from smartcity.sensors.sta.write import STAError
from tests.sensors.sta.write_helpers import (
    MOVED,
    make_datastream,
    make_multi_datastream,
    make_thing,
)

pytestmark = pytest.mark.django_db

BASE = "http://example.org/sta/v1.1"
LINK = re.compile(r"^http://example\.org/sta/v1\.1/Observations\((\d+)\)$")


def stored(result: list) -> list[m.Observation]:
    ids = [int(LINK.match(link).group(1)) for link in result if link != "error"]
    found = {o.pk: o for o in m.Observation.objects.filter(pk__in=ids)}
    return [found[pk] for pk in ids]


def elbe():
    return write.create(
        "FeaturesOfInterest",
        {
            "name": "Elbe",
            "description": "River",
            "encodingType": "application/geo+json",
            "feature": MOVED,
        },
    )


def test_rows_become_observations_with_self_links():
    datastream = make_datastream()
    result = write.create_observations(
        [
            {
                "Datastream": {"@iot.id": datastream.pk},
                "components": ["phenomenonTime", "result", "resultTime"],
                "dataArray@iot.count": 2,
                "dataArray": [
                    ["2024-05-01T10:00:00Z", 20, "2024-05-01T10:00:05Z"],
                    ["2024-05-01T10:10:00+02:00", 20.5, None],
                ],
            }
        ],
        base_url=BASE + "/",
    )
    assert all(LINK.match(link) for link in result)
    first, second = stored(result)
    assert (first.result, type(first.result)) == (20, int)
    assert second.result == 20.5
    assert first.result_time == datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)
    assert second.phenomenon_time_start == datetime(2024, 5, 1, 8, 10, tzinfo=UTC)
    assert first.datastream == datastream
    # Both rows share the FeatureOfInterest derived from the Thing's Location.
    assert first.feature_of_interest == second.feature_of_interest
    assert first.feature_of_interest.source_location == datastream.thing.locations.get()


def test_bad_rows_become_error_and_good_rows_are_stored():
    datastream = make_datastream()
    result = write.create_observations(
        [
            {
                "Datastream": {"@iot.id": datastream.pk},
                "components": ["phenomenonTime", "result"],
                "dataArray": [
                    ["2024-05-01T10:00:00Z", 1],
                    ["not a time", 2],
                    ["2024-05-01T10:20:00Z"],
                    ["2024-05-01T10:30:00Z", float("inf")],
                    "row",
                    ["2024-05-01T10:40:00Z", {"x": [1, "y"]}],
                ],
            }
        ],
        base_url=BASE,
    )
    assert [link if link == "error" else "ok" for link in result] == [
        "ok",
        "error",
        "error",
        "error",
        "error",
        "ok",
    ]
    assert [o.result for o in stored(result)] == [1, {"x": [1, "y"]}]
    assert result.errors[1].startswith("[0].dataArray[1].phenomenonTime: 'not a time'")
    assert result.errors[2] == "[0].dataArray[2]: must be an array of 2 values, one per component"
    assert result.errors[3] == "[0].dataArray[3].result: must be a finite number"
    assert m.Observation.objects.count() == 2


def test_feature_of_interest_column_and_defaults():
    datastream = make_datastream()
    river = elbe()
    result = write.create_observations(
        [
            {
                "Datastream": {"@iot.id": datastream.pk},
                "components": ["result", "FeatureOfInterest/id", "phenomenonTime"],
                "dataArray": [
                    [1, river.pk, "2024-05-01T10:00:00Z"],
                    [2, 99999, "2024-05-01T10:00:00Z"],
                    [3, None, "2024-05-01T10:00:00Z"],
                    [4, "1", "2024-05-01T10:00:00Z"],
                ],
            }
        ],
        base_url=BASE,
    )
    assert result[1] == result[3] == "error"
    assert result.errors[1] == (
        "[0].dataArray[1].FeatureOfInterest/id: FeaturesOfInterest(99999) does not exist"
    )
    first, third = stored(result)
    assert first.feature_of_interest == river
    assert third.feature_of_interest.source_location == datastream.thing.locations.get()


def test_all_components_and_server_time_default():
    datastream = make_datastream()
    before = datetime.now(UTC)
    result = write.create_observations(
        [
            {
                "Datastream": {"@iot.id": datastream.pk},
                "components": ["result", "resultQuality", "validTime", "parameters"],
                "dataArray": [
                    [True, {"q": 1}, "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", {"p": "x"}],
                    ["text", None, None, None],
                    [1, None, "2024-05-01T00:00:00Z", None],
                    [1, None, None, ["not", "an", "object"]],
                ],
            }
        ],
        base_url=BASE,
    )
    assert result[2] == result[3] == "error"
    first, second = stored(result)
    assert (first.result, first.result_quality, first.parameters) == (True, {"q": 1}, {"p": "x"})
    assert first.valid_time_end == datetime(2024, 5, 2, tzinfo=UTC)
    assert second.result == "text"
    assert before <= first.phenomenon_time_start <= datetime.now(UTC)


def test_multi_datastream_rows_need_one_value_per_column():
    multi = make_multi_datastream()
    result = write.create_observations(
        [
            {
                "MultiDatastream": {"@iot.id": multi.pk},
                "components": ["phenomenonTime", "result"],
                "dataArray": [
                    ["2024-05-01T10:00:00Z", [3.5, 270]],
                    ["2024-05-01T10:10:00Z", [3.5]],
                ],
            }
        ],
        base_url=BASE,
    )
    assert result[1] == "error"
    (observation,) = stored(result)
    assert observation.multi_datastream == multi
    assert observation.result == [3.5, 270]
    multi.refresh_from_db()
    assert multi.phenomenon_time_start == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_several_groups_answer_in_request_order_and_update_each_extent():
    first = make_datastream()
    second = make_datastream(first.thing)
    result = write.create_observations(
        [
            {
                "Datastream": {"@iot.id": first.pk},
                "components": ["phenomenonTime", "result", "resultTime"],
                "dataArray": [
                    ["2024-05-03T00:00:00Z", 1, "2024-05-03T00:00:01Z"],
                    ["2024-05-01T00:00:00Z/2024-05-05T00:00:00Z", 2, None],
                ],
            },
            {
                "Datastream": {"@iot.id": second.pk},
                "components": ["result", "phenomenonTime"],
                "dataArray": [[3, "2023-01-01T00:00:00Z"]],
            },
        ],
        base_url=BASE,
    )
    assert [o.result for o in stored(result)] == [1, 2, 3]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.phenomenon_time_start, first.phenomenon_time_end) == (
        datetime(2024, 5, 1, tzinfo=UTC),
        datetime(2024, 5, 5, tzinfo=UTC),
    )
    assert (
        first.result_time_start
        == first.result_time_end
        == datetime(2024, 5, 3, 0, 0, 1, tzinfo=UTC)
    )
    assert second.phenomenon_time_end == datetime(2023, 1, 1, tzinfo=UTC)
    assert second.result_time_start is None


STREAM = object()  # stands for a link to the test's Datastream


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"components": ["result"], "dataArray": []}, "needs exactly one of Datastream"),
        (
            {"Datastream": {"@iot.id": 4711}, "components": ["result"], "dataArray": []},
            "Datastreams(4711) does not exist",
        ),
        ({"Datastream": None, "components": ["result"], "dataArray": []}, "must be a link"),
        ({"Datastream": STREAM, "components": ["id", "result"], "dataArray": []}, "'id'"),
        ({"Datastream": STREAM, "components": ["phenomenonTime"], "dataArray": []}, "result"),
        ({"Datastream": STREAM, "components": ["result", "result"], "dataArray": []}, "twice"),
        ({"Datastream": STREAM, "components": ["result"], "dataArray": {}}, "array of rows"),
        (
            {
                "Datastream": STREAM,
                "components": ["result"],
                "dataArray": [[1]],
                "dataArray@iot.count": 2,
            },
            "must be the number of rows",
        ),
        (
            {"Datastream": STREAM, "components": ["result"], "dataArray": [], "x": 1},
            "unknown member",
        ),
    ],
)
def test_malformed_groups_reject_the_request(group, message):
    datastream = make_datastream()
    link = {"@iot.id": datastream.pk}
    group = {key: link if value is STREAM else value for key, value in group.items()}
    good = {"Datastream": link, "components": ["result"], "dataArray": [[1]]}
    with pytest.raises(STAError) as caught:
        write.create_observations([good, group], base_url=BASE)
    assert message in caught.value.message
    assert caught.value.path.startswith("[1]")
    assert not m.Observation.objects.exists()


def test_request_must_be_an_array():
    with pytest.raises(STAError) as caught:
        write.create_observations({"dataArray": []}, base_url=BASE)
    assert caught.value.status == 400


def test_thing_without_location_needs_a_feature_column():
    datastream = make_datastream(make_thing(located=False))
    group = {"Datastream": {"@iot.id": datastream.pk}, "components": ["result"], "dataArray": [[1]]}
    with pytest.raises(STAError) as caught:
        write.create_observations([group], base_url=BASE)
    assert str(caught.value) == (
        "[0].FeatureOfInterest: is required, because the Thing of this Datastream has no "
        "Location to derive it from"
    )
    river = elbe()
    result = write.create_observations(
        [
            {
                "Datastream": {"@iot.id": datastream.pk},
                "components": ["result", "FeatureOfInterest/id"],
                "dataArray": [[1, river.pk], [2, None], [3, None]],
            }
        ],
        base_url=BASE,
    )
    assert result[1:] == ["error", "error"]
    assert result.errors[2] == (
        "[0].dataArray[2].FeatureOfInterest: is required, because the Thing of this "
        "Datastream has no Location to derive it from"
    )
    assert stored(result)[0].feature_of_interest == river


def test_rows_refused_by_the_database_are_retried_one_by_one(monkeypatch):
    datastream = make_datastream()

    def refuse(*args, **kwargs):
        raise DataError("simulated refusal of the batch")

    monkeypatch.setattr(bulk, "insert_observations", refuse)
    result = write.create_observations(
        [
            {
                "Datastream": {"@iot.id": datastream.pk},
                "components": ["result"],
                "dataArray": [[1], [2]],
            }
        ],
        base_url=BASE,
    )
    assert [o.result for o in stored(result)] == [1, 2]
