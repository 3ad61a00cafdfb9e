from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from smartcity.core import views as core_views
from smartcity.core.api import api

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("smartcity.core.accounts.urls")),
    path("notifications/", include("smartcity.core.notifications.urls")),
    path("districts/", include("smartcity.core.geography.urls")),
    path("data/", include("smartcity.core.datasets_urls")),
    path("sensors/", include("smartcity.sensors.web_urls")),
    path("sta/", include("smartcity.sensors.urls")),
    path("concerns/", include("smartcity.concerns.urls")),
    path("open311/v2/", include("smartcity.concerns.open311.urls")),
    path("", include("smartcity.core.urls")),
]

if not settings.PRODUCTION:
    # Uploaded files in development; production serves MEDIA_ROOT from the web server or S3.
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

handler400 = "smartcity.core.errors.bad_request"
handler403 = "smartcity.core.errors.permission_denied"
handler404 = "smartcity.core.errors.page_not_found"
handler500 = "smartcity.core.errors.server_error"
