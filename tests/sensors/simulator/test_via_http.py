"""``smartcity sensors simulate --via http``: the demo network fed to a live SensorThings
server over HTTP, and the errors an operator sees."""

import io
import socket

import pytest
from django.core.management import CommandError, call_command

from smartcity.config import cli
from smartcity.sensors import access
from smartcity.sensors import models as m
from smartcity.sensors.simulator import via_http

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_STREAMS = 12  # every simulated stream but the hospital meter's


def simulate(*args) -> str:
    out = io.StringIO()
    call_command("sensors", "simulate", "--via", "http", *args, stdout=out)
    return out.getvalue()


def closed_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def service_root(live_server):
    return f"{live_server.url}/sta/v1.1"


def test_the_network_is_created_and_fed_over_http(service_root, department, client):
    _token, secret = access.issue_token("simulator", organisation=department)

    output = simulate(
        "--url", service_root, "--token", secret, "--hours", "1", "--step-minutes", "30"
    )

    assert output.splitlines()[0] == (
        f"9 stations, {PUBLIC_STREAMS * 3} observations sent to {service_root} (demo data)"
    )
    assert "left out the private station Stromzähler Städtisches Klinikum" in output
    # What a client reads afterwards from the server's API.
    answer = client.get(
        "/sta/v1.1/Datastreams",
        {
            "$filter": "properties/simulator eq 'no2'",
            "$expand": "Thing($select=name),Observations($orderby=phenomenonTime)",
            "$orderby": "id",
        },
    ).json()
    stations = [stream["Thing"]["name"] for stream in answer["value"]]
    assert stations == ["Luftmessstation Dresden-Nord (Demo)", "Luftmessstation Bergstraße (Demo)"]
    values = [o["result"] for o in answer["value"][0]["Observations"]]
    assert len(values) == 3 and all(2 <= value <= 150 for value in values)
    count = client.get("/sta/v1.1/Observations", {"$count": "true", "$top": "0"}).json()
    assert count["@iot.count"] == PUBLIC_STREAMS * 3
    # The Things belong to the token's organisation; the private meter was not made public.
    assert set(m.Thing.objects.values_list("organisation", flat=True)) == {department.pk}
    assert not m.Thing.objects.filter(properties__simulator="klinikum-meter").exists()
    # Stations share ObservedProperties and Sensors, as the in-process feed does.
    assert m.ObservedProperty.objects.filter(name="NO2").count() == 1
    assert m.Sensor.objects.filter(name="NO2-Analysator").count() == 1


def test_a_second_run_reuses_the_stations_and_sends_only_new_values(service_root, department):
    _token, secret = access.issue_token("simulator", organisation=department)
    simulate("--url", service_root, "--token", secret, "--hours", "2", "--step-minutes", "30")
    things, observations = m.Thing.objects.count(), m.Observation.objects.count()

    simulate("--url", service_root, "--token", secret, "--hours", "2", "--step-minutes", "30")

    assert m.Thing.objects.count() == things == 9
    assert m.Datastream.objects.count() == PUBLIC_STREAMS
    # Within the same minute nothing is new; a minute later one step per stream at most.
    assert m.Observation.objects.count() - observations <= PUBLIC_STREAMS


def test_a_wrong_token_is_a_clear_error(service_root):
    with pytest.raises(CommandError) as error:
        simulate("--url", service_root, "--token", "st_not-a-token", "--hours", "0")
    message = str(error.value)
    assert "HTTP 401" in message and "--token" in message
    assert "\n" not in message
    assert not m.Thing.objects.exists()


def test_a_thing_token_may_not_create_stations(service_root, department):
    thing = m.Thing.objects.create(name="Elsewhere", description="", organisation=department)
    _token, secret = access.issue_token("one thing", thing=thing)

    with pytest.raises(CommandError) as error:
        simulate("--url", service_root, "--token", secret, "--hours", "0")

    message = str(error.value)
    # The server's reason comes in the server's language; the hint is the command's.
    assert "refused POST Things (HTTP 403 Forbidden): " in message
    assert "creating Things needs a platform or organisation token" in message
    assert not m.Thing.objects.exclude(pk=thing.pk).exists()


def test_an_unreachable_server_is_one_line_and_a_failed_exit(capsys):
    url = f"http://127.0.0.1:{closed_port()}/sta/v1.1"

    with pytest.raises(SystemExit) as exit_:
        cli.main(["smartcity", "sensors", "simulate", "--via", "http", "--url", url])

    assert exit_.value.code != 0
    error = capsys.readouterr().err
    assert error.startswith(f"CommandError: cannot reach the SensorThings server at {url}: ")
    assert error.count("\n") == 1 and "Traceback" not in error


def test_a_url_that_is_not_http_is_refused():
    with pytest.raises(CommandError, match="--url must be an http:// or https:// URL"):
        simulate("--url", "file:///etc/passwd")


def test_options_of_other_paths_are_refused():
    with pytest.raises(CommandError, match="--url is for --via http"):
        call_command("sensors", "simulate", "--url", "http://127.0.0.1:8000/sta/v1.1")
    with pytest.raises(CommandError, match="--token is for --via http and --via mqtt"):
        call_command("sensors", "simulate", "--token", "st_x")


def test_long_data_arrays_are_split_into_bounded_requests():
    groups = [
        {
            "Datastream": {"@iot.id": 1},
            "components": ["result"],
            "dataArray": [[n] for n in range(5)],
        },
        {"Datastream": {"@iot.id": 2}, "components": ["result"], "dataArray": [[9], [8]]},
    ]

    requests = list(via_http._chunks(groups, 3))

    assert [[(g["Datastream"]["@iot.id"], len(g["dataArray"])) for g in r] for r in requests] == [
        [(1, 3)],
        [(1, 2)],
        [(2, 2)],
    ]
    assert [row for r in requests for g in r for row in g["dataArray"]] == [
        [0],
        [1],
        [2],
        [3],
        [4],
        [9],
        [8],
    ]
