from django.urls import path

from smartcity.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("imprint/", views.imprint, name="imprint"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("accessibility/feedback/", views.accessibility_feedback, name="accessibility_feedback"),
    path("staff/", views.staff_area, name="staff"),
]
