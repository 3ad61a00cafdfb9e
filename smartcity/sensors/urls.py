"""The SensorThings API 1.1 service, included at ``sta/`` (URL names ``sta:root``,
``sta:resource``), with the aggregation extension ahead of the resource catch-all."""

from django.urls import path, re_path

from smartcity.sensors.sta import views
from smartcity.sensors.timeseries import views as timeseries_views

app_name = "sta"
urlpatterns = [
    path("v1.1/", views.resource, name="root"),
    re_path(
        r"^v1\.1/Datastreams\((?P<datastream_id>[0-9]+)\)/Aggregates$",
        timeseries_views.datastream_aggregates,
        name="datastream-aggregates",
    ),
    re_path(r"^v1\.1/(?P<resource>.+)$", views.resource, name="resource"),
]
