import pytest


@pytest.mark.django_db
def test_error_reasons_follow_accept_language(client):
    german = client.get("/sta/v1.1/Thingies", HTTP_ACCEPT_LANGUAGE="de")
    english = client.get("/sta/v1.1/Thingies", HTTP_ACCEPT_LANGUAGE="en")
    assert german.status_code == english.status_code == 404
    assert (
        "ist keine Entitätsmenge" in german.json()["detail"]
        or german.json()["detail"] != (english.json()["detail"])
    )
    assert "is not an entity set of this service" in english.json()["detail"]
