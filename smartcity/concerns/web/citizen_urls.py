"""URLs of the citizens' pages, included by ``concerns/urls.py`` (namespace ``concerns``)."""

from django.urls import path, re_path

from smartcity.concerns.web import citizen_report, citizen_views

# Concern numbers such as K7QM-3XD2 or DEMO-0001: never a word such as "mine" or "report".
CONCERN = r"(?P<service_request_id>[A-Za-z0-9]+-[A-Za-z0-9]+)"

urlpatterns = [
    path("", citizen_views.concern_list, name="list"),
    path("markers.geojson", citizen_views.markers, name="markers"),
    path("follow-district/", citizen_views.follow_area, name="follow-area"),
    path("mine/", citizen_views.my_concerns, name="mine"),
    path("report/", citizen_report.report_start, name="report"),
    path("report/places.json", citizen_report.places, name="places"),
    path("report/<slug:service_code>/", citizen_report.report_form, name="report-form"),
    path("report/<slug:service_code>/place/", citizen_report.place_check, name="place-check"),
    re_path(rf"^{CONCERN}/$", citizen_views.concern_detail, name="detail"),
    re_path(rf"^{CONCERN}/received/$", citizen_report.submitted, name="submitted"),
    re_path(rf"^{CONCERN}/follow/$", citizen_views.follow_concern, name="follow"),
    re_path(rf"^{CONCERN}/reopen/$", citizen_views.reopen_concern, name="reopen"),
    re_path(rf"^{CONCERN}/fixed/$", citizen_views.answer_fixed, name="fixed"),
]
