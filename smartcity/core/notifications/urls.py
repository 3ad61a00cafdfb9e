from django.shortcuts import render
from django.urls import path

app_name = "notifications"
urlpatterns = [path("", lambda r: render(r, "base.html"), name="inbox"), path("settings/", lambda r: render(r, "base.html"), name="settings")]
