from django.urls import path

from smartcity.core.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("settings/", views.preferences, name="settings"),
    path(
        "settings/browsers/<int:pk>/remove/",
        views.remove_subscription,
        name="remove_subscription",
    ),
    path("sw.js", views.service_worker, name="service_worker"),
]
