"""Open311 GeoReport v2 URLs (namespace ``open311``), each resource in ``.json`` and
``.xml``; and the platform admins' page of API keys."""

from django.urls import path, re_path

from smartcity.concerns.open311 import key_views, views

FORMAT = r"\.(?P<fmt>json|xml)$"

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.service_list, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/]+?)" + FORMAT, views.service_definition, name="service"
    ),
    re_path(r"^requests" + FORMAT, views.request_list, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+?)" + FORMAT, views.request_detail, name="request"
    ),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FORMAT, views.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FORMAT, views.update_list, name="updates"),
    path("keys/", key_views.key_list, name="keys"),
    path("keys/<int:pk>/revoke/", key_views.key_revoke, name="key-revoke"),
    re_path(r"^(?P<path>.*)$", views.unknown),
]
