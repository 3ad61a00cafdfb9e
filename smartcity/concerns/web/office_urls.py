"""URLs of the back office, included by ``concerns/urls.py`` (all under ``/concerns/office/``)."""

from django.urls import path, register_converter

from smartcity.concerns.web import (
    office_catalogue,
    office_detail,
    office_export,
    office_inbox,
    office_statistics,
)


class NumberConverter:
    """A concern number such as ``K7QM-3XD2`` or ``DEMO-0001``, never a word of a route."""

    regex = "[A-Za-z0-9]+-[A-Za-z0-9]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(NumberConverter, "concern_number")

urlpatterns = [
    path("office/", office_inbox.inbox, name="inbox"),
    path("office/bulk/", office_inbox.bulk, name="inbox-bulk"),
    path("office/export.csv", office_export.export_csv, name="export"),
    path("office/statistics/", office_statistics.statistics, name="statistics"),
    path("office/catalogue/", office_catalogue.category_list, name="catalogue"),
    path("office/catalogue/new/", office_catalogue.category_create, name="catalogue-create"),
    path(
        "office/catalogue/<slug:code>/",
        office_catalogue.category_detail,
        name="catalogue-category",
    ),
    path(
        "office/catalogue/<slug:code>/edit/",
        office_catalogue.category_edit,
        name="catalogue-edit",
    ),
    path(
        "office/catalogue/<slug:code>/workflow/",
        office_catalogue.workflow_edit,
        name="catalogue-workflow",
    ),
    *(
        route
        for part in office_catalogue.PARTS
        for route in (
            path(
                f"office/catalogue/<slug:code>/{part}/new/",
                office_catalogue.part_edit,
                {"part": part},
                name=f"catalogue-{part}-new",
            ),
            path(
                f"office/catalogue/<slug:code>/{part}/<int:pk>/",
                office_catalogue.part_edit,
                {"part": part},
                name=f"catalogue-{part}-edit",
            ),
            path(
                f"office/catalogue/<slug:code>/{part}/<int:pk>/delete/",
                office_catalogue.part_delete,
                {"part": part},
                name=f"catalogue-{part}-delete",
            ),
        )
    ),
    path("office/<concern_number:number>/", office_detail.detail, name="office-detail"),
    path(
        "office/<concern_number:number>/<slug:action>/",
        office_detail.act,
        name="office-action",
    ),
]
