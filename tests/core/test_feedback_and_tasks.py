import pytest
from django.core import mail
from django.core.management import call_command

from smartcity.core.models import AccessibilityFeedback

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db
def test_barrier_report_is_stored_and_mailed(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "barrierefreiheit@dresden.example"
    response = client.post(
        "/accessibility/feedback/",
        {"page_url": "/districts/", "description": "Die Karte ist mit Tastatur nicht bedienbar."},
    )
    assert response.status_code == 302
    assert AccessibilityFeedback.objects.get().page_url == "/districts/"
    assert mail.outbox[0].to == ["barrierefreiheit@dresden.example"]
    assert "Tastatur" in mail.outbox[0].body


@pytest.mark.django_db
def test_barrier_report_without_description_is_refused(client):
    response = client.post("/accessibility/feedback/", {"page_url": "/"})
    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert not AccessibilityFeedback.objects.exists()


@pytest.mark.django_db
def test_barrier_reports_are_rate_limited(client):
    statuses = [
        client.post("/accessibility/feedback/", {"description": f"Barriere {i}"}).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    assert AccessibilityFeedback.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_database_queue_runs_tasks_in_the_worker(client, settings):
    settings.TASKS = DATABASE_QUEUE
    settings.TASKS_BACKEND = "database"
    client.post("/accessibility/feedback/", {"description": "Kontrast zu schwach."})
    assert mail.outbox == []
    health = client.get("/healthz").json()["checks"]["tasks"]
    assert health["backend"] == "database" and health["waiting"] == 1
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert len(mail.outbox) == 1
    assert client.get("/healthz").json()["checks"]["tasks"]["waiting"] == 0
