"""The concerns pages, at ``/concerns/`` (URL names ``concerns:...``): the citizens' pages
(``web/citizen_urls.py``) and the back office (``web/office_urls.py``)."""

from smartcity.concerns.web import citizen_urls, office_urls

app_name = "concerns"
urlpatterns = [*office_urls.urlpatterns, *citizen_urls.urlpatterns]
