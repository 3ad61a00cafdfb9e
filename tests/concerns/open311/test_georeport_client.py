"""A real third-party Open311 client, ``georeport`` from PyPI, against the live server.

It reads the service list, a service definition, the request list and one request, in
both of its formats (it parses XML with xmltodict, JSON with requests).
"""

import pytest
from georeport import GeoReport

from smartcity.concerns import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def concern(submit, platform_admin):
    concern = submit(address="Altmarkt 1")
    services.add_note(
        services.publish(concern, platform_admin), "Ist gemeldet", platform_admin, True
    )
    return concern


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_reads_services_a_definition_a_list_and_a_request(
    live_server, concern, output_format
):
    client = GeoReport(
        f"{live_server.url}/open311/v2/", jurisdiction="dresden.de", output_format=output_format
    )

    service_list = client.get_service_list()
    # xmltodict gives one element as a dict, several as a list.
    (service,) = service_list if isinstance(service_list, list) else [service_list]
    assert service["service_code"] == "schlagloch"
    assert service["service_name"] == "Schlagloch"
    assert str(service["metadata"]).lower() == "true"

    definition = client.get_service_definition("schlagloch")
    attribute = definition["attributes"]
    attribute = attribute["attribute"] if output_format == "xml" else attribute[0]
    assert attribute["code"] == "groesse"
    assert str(attribute["required"]).lower() == "true"
    values = attribute["values"]["value"] if output_format == "xml" else attribute["values"]
    assert [value["key"] for value in values] == ["klein", "gross"]

    listed = client.get_service_requests(service_code="schlagloch", status="open")
    listed = listed if isinstance(listed, list) else [listed]
    assert [item["service_request_id"] for item in listed] == [concern.service_request_id]

    single = client.get_service_request(concern.service_request_id)
    assert single["service_request_id"] == concern.service_request_id
    assert single["status"] == "open"
    assert single["status_notes"] == "Ist gemeldet"
    assert single["address"] == "Altmarkt 1"
    assert float(single["lat"]) == 51.047 and float(single["long"]) == 13.75
    assert single["requested_datetime"].endswith(("+01:00", "+02:00"))
