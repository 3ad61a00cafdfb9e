"""Alert rules (create, edit, switch off) and the alert dashboard (acknowledge, close)."""

import pytest

from smartcity.core.audit.models import AuditEntry
from smartcity.sensors.alerting import services as alerting
from smartcity.sensors.alerting.models import Alert, AlertRule
from smartcity.sensors.timeseries import services as timeseries
from tests.sensors.web.conftest import member_of, section, stream

pytestmark = pytest.mark.django_db


def _rule_data(datastream, organisation, **changes):
    data = {
        "datastream": datastream.pk,
        "name": "NO2 above 200",
        "organisation": organisation.pk,
        "severity": "warning",
        "notify_organisation": "on",
        "is_active": "on",
        "kind": "threshold",
        "threshold__level": "200",
        "threshold__direction": "above",
        "threshold__hysteresis": "",
    }
    data.update(changes)
    return data


def test_staff_create_a_threshold_rule(english, staff, department, network):
    no2 = stream("air-nord")
    english.force_login(staff)
    form = english.get(f"/sensors/staff/rules/new/?datastream={no2.pk}").content.decode()
    assert f'<option value="{no2.pk}" selected>' in form
    # Every kind's parameters are in the page, labelled, for browsers without JavaScript.
    for legend in (
        "Threshold",
        "Consecutive exceedances",
        "Rate of rise",
        "Rolling sum",
        "Staleness",
    ):
        assert f"Parameters for “{legend}”" in form
    assert '<label for="id_rolling_sum__window_minutes">Window in minutes:</label>' in form
    response = english.post(
        "/sensors/staff/rules/new/",
        # Fields of other kinds are ignored, even when they are filled in wrongly.
        _rule_data(no2, department, **{"staleness__minutes": "-5"}),
        follow=True,
    )
    assert response.status_code == 200
    assert "The alert rule “NO2 above 200” was created." in response.content.decode()
    rule = AlertRule.objects.get()
    assert (rule.datastream, rule.organisation, rule.created_by) == (no2, department, staff)
    assert rule.parameters == {"direction": "above", "level": 200.0, "hysteresis": 0.0}
    assert AuditEntry.objects.filter(content_type__model="alertrule", action="create").exists()
    assert "NO2 above 200" in english.get("/sensors/staff/rules/").content.decode()


def test_invalid_rule_parameters_show_german_form_errors(client, staff, department, network):
    no2 = stream("air-nord")
    client.force_login(staff)
    response = client.post(
        "/sensors/staff/rules/new/",
        _rule_data(no2, department, **{"threshold__level": "", "threshold__hysteresis": "-1"}),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Dieses Feld ist zwingend erforderlich." in html  # level
    assert "Dieser Wert muss größer oder gleich 0 sein." in html  # hysteresis
    response = client.post(
        "/sensors/staff/rules/new/",
        _rule_data(no2, department, kind="rate_of_rise", **{"rate_of_rise__rise": "viel"}),
    )
    assert response.status_code == 400
    assert "Bitte eine Zahl eingeben." in response.content.decode()
    assert not AlertRule.objects.exists()


def test_rule_parameter_errors_of_the_rule_itself_are_shown_at_the_field(
    english, staff, department, network
):
    no2 = stream("air-nord")
    english.force_login(staff)
    response = english.post(
        "/sensors/staff/rules/new/",
        _rule_data(
            no2,
            department,
            kind="rolling_sum",
            **{
                "rolling_sum__limit": "15",
                "rolling_sum__window_minutes": "60",
                "rolling_sum__hysteresis": "20",
            },
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="id_rolling_sum__hysteresis_helptext"') :]
    assert "The parameter hysteresis must be smaller than limit." in errors[:600]


def test_edit_and_switch_off_a_rule(english, staff, department, network):
    no2 = stream("air-nord")
    rule = alerting.create_rule(
        staff, no2, name="NO2 above 200", kind="threshold", parameters={"level": 200}
    )
    english.force_login(staff)
    page = english.get(f"/sensors/staff/rules/{rule.pk}/").content.decode()
    assert 'name="threshold__level" value="200.0"' in page
    response = english.post(
        f"/sensors/staff/rules/{rule.pk}/",
        {
            key: value
            for key, value in _rule_data(no2, department, name="NO2 above 180").items()
            if key != "datastream"
        }
        | {"threshold__level": "180"},
        follow=True,
    )
    assert "The alert rule “NO2 above 180” was saved." in response.content.decode()
    rule.refresh_from_db()
    assert rule.name == "NO2 above 180" and rule.parameters["level"] == 180.0
    response = english.post(f"/sensors/staff/rules/{rule.pk}/deactivate/", follow=True)
    assert "The alert rule “NO2 above 180” was switched off." in response.content.decode()
    rule.refresh_from_db()
    assert not rule.is_active
    assert "switched off" in english.get("/sensors/staff/rules/").content.decode()


def test_other_department_cannot_change_the_rule(client, staff, other_staff, network):
    rule = alerting.create_rule(
        staff, stream("air-nord"), name="NO2", kind="threshold", parameters={"level": 200}
    )
    client.force_login(other_staff)
    assert client.get(f"/sensors/staff/rules/{rule.pk}/").status_code == 403
    assert client.post(f"/sensors/staff/rules/{rule.pk}/deactivate/").status_code == 403
    assert "NO2" not in client.get("/sensors/staff/rules/").content.decode()
    rule.refresh_from_db()
    assert rule.is_active


@pytest.fixture
def elbe_alert(network):
    """The Elbe gauge's Brand- und Katastrophenschutzamt, its rule below the simulated level
    (the lowest simulated level is 60 cm) and the alert it opened."""
    bka = member_of("BKA", "lagezentrum@example.org")
    elbe = stream("elbe-dresden")
    rule = alerting.create_rule(
        bka, elbe, name="Elbe above 50 cm", kind="threshold", parameters={"level": 50}
    )
    return bka, elbe, rule, Alert.objects.get(rule=rule)


def test_alert_dashboard_shows_the_alert_and_acknowledges_it(english, elbe_alert):
    bka, elbe, _rule, alert = elbe_alert
    latest = timeseries.latest([elbe.pk])[elbe.pk]
    english.force_login(bka)
    html = english.get("/sensors/alerts/").content.decode()
    card = section(html, f"alert-{alert.pk}-title")
    assert "Elbe above 50 cm" in card
    assert f"<dd>{latest.value} cm</dd>" in card  # the value that tripped it
    assert f"Value {latest.value} is above the level 50." in card
    assert f'href="/sensors/datastreams/{elbe.pk}/"' in card
    assert ">Open (1)<" in html

    response = english.post(
        f"/sensors/alerts/{alert.pk}/acknowledge/",
        {"filter": "open", f"alert-{alert.pk}-note": "Pegel wird beobachtet."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/sensors/alerts/?status=open"
    assert "The alert “Elbe above 50 cm” was acknowledged." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == bka
    assert alert.acknowledge_note == "Pegel wird beobachtet."
    acknowledged = english.get("/sensors/alerts/?status=acknowledged").content.decode()
    assert "Pegel wird beobachtet." in section(acknowledged, f"alert-{alert.pk}-title")
    assert AuditEntry.objects.filter(
        content_type__model="alert", object_id=str(alert.pk), action="update", actor=bka
    ).exists()

    response = english.post(
        f"/sensors/alerts/{alert.pk}/close/",
        {"filter": "acknowledged", f"alert-{alert.pk}-note": "Fehlalarm: Regel zu niedrig."},
        follow=True,
    )
    assert "The alert “Elbe above 50 cm” was closed." in response.content.decode()
    closed = english.get("/sensors/alerts/?status=closed").content.decode()
    assert "Fehlalarm: Regel zu niedrig." in section(closed, f"alert-{alert.pk}-title")


def test_acknowledging_twice_says_so(english, elbe_alert):
    bka, _elbe, _rule, alert = elbe_alert
    alerting.acknowledge(alert, bka)
    english.force_login(bka)
    response = english.post(f"/sensors/alerts/{alert.pk}/acknowledge/", {"filter": "open"})
    assert response.status_code == 400
    assert "This alert is acknowledged already." in response.content.decode()


def test_a_too_long_note_is_refused(english, elbe_alert):
    bka, _elbe, _rule, alert = elbe_alert
    english.force_login(bka)
    response = english.post(
        f"/sensors/alerts/{alert.pk}/acknowledge/", {f"alert-{alert.pk}-note": "x" * 2001}
    )
    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "open"


def test_other_departments_neither_see_nor_acknowledge_the_alert(client, staff, elbe_alert):
    _bka, _elbe, _rule, alert = elbe_alert
    client.force_login(staff)  # Umweltamt, not the gauge's department
    assert "Elbe above 50 cm" not in client.get("/sensors/alerts/").content.decode()
    assert client.post(f"/sensors/alerts/{alert.pk}/acknowledge/").status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open"


def test_platform_admin_sees_every_alert(english, platform_admin, elbe_alert):
    english.force_login(platform_admin)
    assert "Elbe above 50 cm" in english.get("/sensors/alerts/").content.decode()
