"""The bulk insert path of Observations (COPY on PostgreSQL, numbered executemany on SQLite)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, transaction

from smartcity.sensors import models as m
from smartcity.sensors.timeseries.storage import insert_observations
from tests.sensors.sta.write_helpers import make_datastream

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)


def observation(datastream, feature, index: int, result) -> m.Observation:
    row = m.Observation(
        datastream_id=datastream.pk,
        feature_of_interest_id=feature.pk,
        phenomenon_time_start=START + timedelta(minutes=index),
        result_quality={"flag": "ok"} if index == 0 else None,
    )
    row.set_result(result)
    return row


@pytest.fixture
def stream():
    datastream = make_datastream()
    feature = m.FeatureOfInterest.objects.create(
        name="Altmarkt", feature={"type": "Point", "coordinates": [13.74, 51.05]}
    )
    return datastream, feature


def test_rows_get_their_keys_in_order_and_keep_their_values(stream):
    results = [21.5, 7, True, "maintenance", {"min": 1, "max": 3}, None]
    rows = [observation(*stream, i, value) for i, value in enumerate(results)]
    with transaction.atomic():
        insert_observations(rows)
    keys = [row.id for row in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(rows)
    stored = {o.pk: o for o in m.Observation.objects.filter(pk__in=keys)}
    assert [stored[key].result for key in keys] == results
    assert stored[keys[0]].phenomenon_time_start == START
    assert stored[keys[0]].result_quality == {"flag": "ok"}
    assert stored[keys[5]].phenomenon_time_start == START + timedelta(minutes=5)


def test_a_refused_row_stores_nothing(stream):
    rows = [observation(*stream, i, i) for i in range(3)]
    rows[1].datastream_id = None  # an Observation of no stream: the check constraint refuses it
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_observations(rows)
    assert not m.Observation.objects.exists()
