from django.urls import path

from smartcity.core import datasets_views as views

app_name = "datasets"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>.csv", views.download_csv, name="csv"),
    path("<slug:slug>.geojson", views.download_geojson, name="geojson"),
]
