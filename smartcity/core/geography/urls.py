from django.urls import path

from smartcity.core.geography import views

app_name = "geography"
urlpatterns = [
    path("", views.area_list, name="list"),
    path("<slug:slug>/", views.area_detail, name="detail"),
]
