"""The sensor web pages, included at ``sensors/``."""

from django.urls import path, register_converter

from smartcity.sensors import views
from smartcity.sensors.mqtt import views as mqtt_views


class IdConverter:
    """A database id: at most 18 digits, so that it always fits a 64-bit integer column (a
    longer number would overflow it and fail in the database instead of answering 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "sensors_id")

app_name = "sensors"

urlpatterns = [
    path("", views.sensor_map, name="map"),
    path("datastreams/<sensors_id:pk>/", views.datastream_detail, name="datastream"),
    path("datastreams/<sensors_id:pk>/series.json", views.datastream_series, name="series"),
    path("datastreams/<sensors_id:pk>/series.csv", views.datastream_csv, name="series-csv"),
    path("alerts/", views.alert_dashboard, name="alerts"),
    path(
        "alerts/<sensors_id:pk>/acknowledge/",
        views.alert_action,
        {"action": "acknowledge"},
        name="alert-acknowledge",
    ),
    path(
        "alerts/<sensors_id:pk>/close/", views.alert_action, {"action": "close"}, name="alert-close"
    ),
    path("staff/", views.staff_overview, name="staff"),
    path("staff/things/", views.thing_list, name="things"),
    path("staff/things/<sensors_id:pk>/", views.thing_edit, name="thing-edit"),
    path("staff/tokens/", views.token_list, name="tokens"),
    path("staff/tokens/<sensors_id:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("staff/dead-letters/", mqtt_views.dead_letter_list, name="dead-letters"),
    path("staff/dead-letters/purge/", mqtt_views.dead_letter_purge, name="dead-letters-purge"),
    path("staff/dead-letters/<sensors_id:pk>/", mqtt_views.dead_letter_detail, name="dead-letter"),
    path(
        "staff/dead-letters/<sensors_id:pk>/delete/",
        mqtt_views.dead_letter_delete,
        name="dead-letter-delete",
    ),
    path("staff/rules/", views.rule_list, name="rules"),
    path("staff/rules/new/", views.rule_create, name="rule-create"),
    path("staff/rules/<sensors_id:pk>/", views.rule_edit, name="rule-edit"),
    path(
        "staff/rules/<sensors_id:pk>/deactivate/",
        views.rule_switch,
        {"active": False},
        name="rule-deactivate",
    ),
    path(
        "staff/rules/<sensors_id:pk>/activate/",
        views.rule_switch,
        {"active": True},
        name="rule-activate",
    ),
]
