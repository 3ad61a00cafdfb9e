"""GET /sta/v1.1/Datastreams(id)/Aggregates: the JSON a client reads, and its 400s."""

import pytest

from .conftest import UNIT, add, make_stream, utc

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url(pk):
    return f"/sta/v1.1/Datastreams({pk})/Aggregates"


def test_hourly_aggregates_as_json(client, stream):
    add(stream, [(utc(2024, 5, 1, 10, 15), 10.0), (utc(2024, 5, 1, 10, 45), 12.0)])
    add(stream, [(utc(2024, 5, 1, 11, 5), 20.0)])
    response = client.get(
        url(stream.pk),
        {
            "interval": "hour",
            "start": "2024-05-01T12:00:00+02:00",
            "end": "2024-05-01T12:00:00Z",
            "functions": "min,max,mean",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "datastream": stream.pk,
        "interval": "hour",
        "start": "2024-05-01T10:00:00Z",
        "end": "2024-05-01T12:00:00Z",
        "timeZone": "Europe/Berlin",
        "unitOfMeasurement": UNIT,
        "functions": ["min", "max", "mean"],
        "value": [
            {
                "start": "2024-05-01T10:00:00Z",
                "end": "2024-05-01T11:00:00Z",
                "count": 2,
                "min": 10.0,
                "max": 12.0,
                "mean": 11.0,
            },
            {
                "start": "2024-05-01T11:00:00Z",
                "end": "2024-05-01T12:00:00Z",
                "count": 1,
                "min": 20.0,
                "max": 20.0,
                "mean": 20.0,
            },
        ],
    }


def test_all_functions_by_default_and_days_at_local_midnight(client, stream):
    add(stream, [(utc(2024, 3, 30, 23, 30), 1.0), (utc(2024, 3, 31, 21, 30), 3.0)])
    response = client.get(
        url(stream.pk),
        {
            "interval": "day",
            "start": "2024-03-31T00:00:00+01:00",
            "end": "2024-04-01T00:00:00+02:00",
        },
    )
    assert response.json()["value"] == [
        {
            "start": "2024-03-30T23:00:00Z",
            "end": "2024-03-31T22:00:00Z",
            "count": 2,
            "min": 1.0,
            "max": 3.0,
            "mean": 2.0,
            "sum": 4.0,
        }
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"interval": "fortnight"},
            "Unknown interval “fortnight”; use one of: 1min, 2min, 3min, 4min, 5min, 6min, "
            "10min, 12min, 15min, 20min, 30min, hour, day, week, month.",
        ),
        (
            {"start": "2024-05-02T00:00:00Z", "end": "2024-05-01T00:00:00Z"},
            "start must be before end.",
        ),
        (
            {"interval": "1min", "start": "2020-01-01T00:00:00Z"},
            "This range holds more than 100,000 buckets of 1min; choose a shorter range or a "
            "longer interval.",
        ),
        (
            {"start": "2024-05-01"},
            "start “2024-05-01” is not an ISO 8601 date and time with a time zone, such as "
            "2024-05-01T00:00:00Z.",
        ),
        ({"end": ""}, "Give end, a date and time such as 2024-05-01T00:00:00Z."),
        (
            {"functions": "min,median"},
            "Unknown function “median”; use any of: min, max, mean, count, sum.",
        ),
        ({"functions": ""}, "Ask for at least one function."),
        (
            {"$filter": "result gt 3"},
            "Unknown parameter “$filter”; this resource takes interval, start, end, functions.",
        ),
    ],
)
def test_bad_parameters_are_a_400_with_a_message(client, stream, params, message):
    query = {"start": "2024-05-01T00:00:00Z", "end": "2024-05-02T00:00:00Z", **params}
    response = client.get(url(stream.pk), query, **ENGLISH)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": message, "detail": message}


def test_private_datastreams_are_hidden_from_others(client, department, staff, citizen):
    stream = make_stream(private=True)
    stream.thing.organisation = department
    stream.thing.save()
    query = {"start": "2024-05-01T00:00:00Z", "end": "2024-05-02T00:00:00Z"}

    assert client.get(url(stream.pk), query, **ENGLISH).status_code == 404
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    client.force_login(citizen)
    response = client.get(url(stream.pk), query, **ENGLISH)
    assert response.status_code == 404
    assert response.json()["message"] == f"Datastreams({stream.pk}) does not exist."
    client.force_login(staff)
    assert client.get(url(stream.pk), query, **ENGLISH).status_code == 200


def test_unknown_and_absurd_ids_are_404(client, db):
    query = {"start": "2024-05-01T00:00:00Z", "end": "2024-05-02T00:00:00Z"}
    assert client.get(url(4711), query).status_code == 404
    assert client.get(url("9" * 40), query).status_code == 404


def test_only_get(client, stream):
    assert client.post(url(stream.pk)).status_code == 405
