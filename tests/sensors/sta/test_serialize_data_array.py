"""The data-array result format (OGC 18-088 section 14.3)."""

import pytest

from smartcity.sensors import models as m
from smartcity.sensors.odata import QueryError
from smartcity.sensors.sta.entities import ENTITY_SETS
from smartcity.sensors.sta.reading import read_collection
from tests.sensors.sta.read_helpers import BASE, follow, get, get_one, network, options, wind

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(department):
    return network(department)


def test_observations_of_one_datastream(net):
    stream = net["temperature"]
    body = read_collection(
        stream.observations.all(),
        ENTITY_SETS["Observations"],
        options("$resultFormat=dataArray&$select=id,phenomenonTime,result&$count=true"),
        base_url=BASE,
        request_path=f"/sta/v1.1/Datastreams({stream.pk})/Observations",
        user=None,
    )
    ids = list(stream.observations.order_by("phenomenon_time_start").values_list("pk", flat=True))
    assert body == {
        "@iot.count": 3,
        "value": [
            {
                "Datastream@iot.navigationLink": f"{BASE}/Datastreams({stream.pk})",
                "components": ["id", "phenomenonTime", "result"],
                "dataArray@iot.count": 3,
                "dataArray": [
                    [ids[0], "2024-05-01T10:00:00Z", 18.5],
                    [ids[1], "2024-05-01T11:00:00Z", 21.0],
                    [ids[2], "2024-05-01T12:00:00Z", 23.5],
                ],
            }
        ],
    }


def test_grouped_per_stream_with_default_components(net):
    body = get("Observations", "$resultFormat=dataArray&$filter=hour(phenomenonTime) eq 11")
    groups = body["value"]
    assert [g["Datastream@iot.navigationLink"] for g in groups] == [
        f"{BASE}/Datastreams({net[key].pk})"
        for key in ("temperature", "door", "zwinger_temperature")
    ]
    assert groups[0]["components"] == [
        "id",
        "phenomenonTime",
        "resultTime",
        "result",
        "resultQuality",
        "validTime",
        "parameters",
    ]
    door = groups[1]["dataArray"]
    assert door[0][1:] == ["2024-05-01T11:00:00Z", "2024-05-01T11:00:05Z", False, None, None, None]
    assert [g["dataArray@iot.count"] for g in groups] == [1, 1, 1]


def test_feature_of_interest_component_and_multidatastreams(net):
    multi = wind("Wind", net["zwinger"], "2024-05-03T10:00:00Z")
    body = get(
        "Observations",
        "$resultFormat=dataArray&$select=result,FeatureOfInterest/id"
        "&$filter=phenomenonTime gt 2024-05-02T00:00:00Z",
    )
    feature = m.FeatureOfInterest.objects.get(name="Zwinger")
    assert body["value"] == [
        {
            "MultiDatastream@iot.navigationLink": f"{BASE}/MultiDatastreams({multi.pk})",
            "components": ["result", "FeatureOfInterest/id"],
            "dataArray@iot.count": 1,
            "dataArray": [[[3.5, 270], feature.pk]],
        }
    ]


def test_paging_keeps_the_format(net):
    first = get("Observations", "$resultFormat=dataArray&$select=result&$top=4")
    assert first["@iot.nextLink"] == (
        f"{BASE}/Observations?$select=result&$top=4&$skip=4&$resultFormat=dataArray"
    )
    second = follow(first["@iot.nextLink"])
    # Rows 5-8 in the default order (21.0, false, the JSON result, 23.5), grouped per
    # Datastream in the order the streams first appear.
    assert [group["dataArray"] for group in second["value"]] == [
        [[21.0], [23.5]],
        [[False]],
        [[{"max": 21, "min": 17}]],
    ]


@pytest.mark.parametrize(
    ("entity_set", "query", "option", "message"),
    [
        ("Things", "$resultFormat=dataArray", "$resultFormat", "for Observations only"),
        (
            "Observations",
            "$resultFormat=dataArray&$expand=Datastream",
            "$resultFormat",
            "$expand cannot be combined",
        ),
        (
            "Observations",
            "$resultFormat=dataArray&$select=id,Datastream",
            "$select",
            "Datastream cannot be a data array component",
        ),
    ],
)
def test_errors(net, entity_set, query, option, message):
    with pytest.raises(QueryError) as caught:
        get(entity_set, query)
    assert caught.value.option == option
    assert message in caught.value.message
    with pytest.raises(QueryError, match="applies to collections"):
        get_one(net["temperature"].observations.first(), "$resultFormat=dataArray")
