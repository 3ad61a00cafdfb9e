import os

import pytest


@pytest.mark.django_db
def test_home_page_is_german_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="de">' in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    # CI runs this suite twice; the PostgreSQL run must really be on PostgreSQL.
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert body["checks"]["database"]["vendor"] == expected
    assert body["checks"]["tasks"]["status"] == "ok"
