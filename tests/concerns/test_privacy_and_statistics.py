"""DSGVO export and erasure, and the back-office statistics."""

import pytest
from django.utils import timezone

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from smartcity.concerns.services.statistics import percentile
from smartcity.core import privacy

pytestmark = pytest.mark.django_db


def test_a_citizens_export_holds_their_reports_and_follows(submit, staff, citizen, areas):
    concern = submit(reporter=citizen, contact=services.Contact(email="c@example.org"))
    services.follow(citizen, area=areas["Altstadt"])
    section = privacy.export_user_data(citizen)["sections"]["concerns"]
    (report,) = section["reports"]
    assert report["service_request_id"] == concern.service_request_id
    assert report["contact"]["email"] == "c@example.org"
    assert section["follows"][0]["area"] == "Altstadt"


def test_deleting_the_account_keeps_the_report_without_the_person(submit, staff, citizen):
    concern = submit(reporter=citizen, contact=services.Contact(name="Erika"))
    services.add_note(concern, "Danke", staff, public=True)
    privacy.erase_user(citizen)
    concern.refresh_from_db()
    assert (concern.reporter, concern.contact_name) == (None, "")
    assert concern.events.filter(kind="anonymisation").exists()


def test_percentiles_are_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([4, 1, 3, 2], 50) == 2
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile([7], 90) == 7


def test_statistics_of_processing_times_target_times_and_forwarding(worked):
    figures = services.statistics(Concern.objects.all())
    assert figures.total == 4
    assert figures.closed == 3
    assert figures.median_hours == pytest.approx(20)
    assert figures.p90_hours == pytest.approx(100)
    assert figures.target_met_share == pytest.approx(2 / 3)
    assert figures.first_assignment_share == pytest.approx(2 / 3)
    assert figures.by_category == [("Schlagloch", 4)]
    assert figures.by_area == [("Altstadt", 3), ("Neustadt", 1)]
    months = {f"{timezone.localtime(c.submitted_at):%Y-%m}" for c in Concern.objects.all()}
    assert {month for month, _count in figures.by_month} == months
    assert sum(count for _month, count in figures.by_month) == 4
