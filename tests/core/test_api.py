import pytest


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.")
    assert "/api/accounts/me" in body["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    content = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in content
    assert "cdn" not in content.lower()


@pytest.mark.django_db
def test_unauthenticated_request_gets_json_401(client):
    response = client.get("/api/accounts/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.django_db
def test_unknown_api_path_gets_json_404(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"]}


@pytest.mark.django_db
def test_session_authentication(client, staff, department):
    client.force_login(staff)
    response = client.get("/api/accounts/me")
    assert response.status_code == 200
    assert response.json() == {
        "email": staff.email,
        "display_name": "",
        "language": "",
        "role": "staff",
        "organisations": [department.pk],
    }


@pytest.mark.django_db
def test_invalid_bearer_token_is_refused(client):
    response = client.get("/api/accounts/me", HTTP_AUTHORIZATION="Bearer sc_not-a-token")
    assert response.status_code == 401


@pytest.mark.django_db
def test_web_404_is_a_localised_page(client):
    response = client.get("/nirgendwo/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/nirgendwo/")
    assert "Page not found" in response.content.decode()
