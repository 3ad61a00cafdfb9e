import json
import re

import pytest
from django.core import mail

from smartcity.core.accounts.models import ApiToken, User
from tests.conftest import PASSWORD


def _link_in_last_mail():
    return re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)


@pytest.mark.django_db
def test_registration_needs_confirmation_by_email(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "neu@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["neu@example.org"]
    # Not confirmed yet: logging in is refused with a pointer to the mail.
    client.logout()
    response = client.post("/accounts/login/", {"login": "neu@example.org", "password": PASSWORD})
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    confirm_path = _link_in_last_mail()
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert User.objects.get(email="neu@example.org").emailaddress_set.get().verified


@pytest.mark.django_db
def test_login_with_email_and_wrong_password(client, citizen):
    response = client.post("/accounts/login/", {"login": citizen.email, "password": "wrong"})
    assert response.status_code == 200
    assert (
        "Die E-Mail-Adresse und/oder das Passwort sind leider falsch." in response.content.decode()
    )
    response = client.post("/accounts/login/", {"login": citizen.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client, citizen):
    for _ in range(5):
        client.post("/accounts/login/", {"login": citizen.email, "password": "wrong"})
    # From the sixth failure on, even the right password is refused for a while.
    response = client.post("/accounts/login/", {"login": citizen.email, "password": PASSWORD})
    assert "Zu viele gescheiterte Anmeldeversuche" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_by_mail(client, citizen):
    response = client.post("/accounts/password/reset/", {"email": citizen.email})
    assert response.status_code == 302
    reset_path = _link_in_last_mail()
    response = client.get(reset_path, follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else reset_path
    response = client.post(
        form_path, {"password1": "a-new-secret-7744", "password2": "a-new-secret-7744"}
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password("a-new-secret-7744")


@pytest.mark.django_db
def test_profile_change_and_language(client, citizen):
    client.force_login(citizen)
    response = client.post("/account/", {"display_name": "Erika", "language": "en"})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.display_name == "Erika" and citizen.language == "en"
    assert response.cookies["django_language"].value == "en"


@pytest.mark.django_db
def test_profile_requires_login(client):
    response = client.get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_data_export_contains_my_data_only(client, citizen, staff):
    client.force_login(citizen)
    response = client.get("/account/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    account = data["sections"]["account"]
    assert account["email"] == citizen.email
    assert staff.email not in response.content.decode()


@pytest.mark.django_db
def test_account_deletion_needs_password_and_removes_everything(client, citizen):
    client.force_login(citizen)
    ApiToken.objects.issue(citizen, "script")
    response = client.post("/account/delete/", {"password": "wrong"})
    assert response.status_code == 400
    assert User.objects.filter(pk=citizen.pk).exists()
    response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(email=citizen.email).exists()
    assert not ApiToken.objects.exists()
    assert client.get("/account/").status_code == 302  # logged out


@pytest.mark.django_db
def test_api_token_lifecycle(client, citizen):
    client.force_login(citizen)
    response = client.post("/account/tokens/", {"name": "Auswertung"})
    assert response.status_code == 200
    secret = re.search(r'data-testid="new-token">(sc_[^<]+)<', response.content.decode()).group(1)
    client.logout()
    api = client.get("/api/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    assert api.json()["email"] == citizen.email and api.json()["role"] == "citizen"
    token = ApiToken.objects.get()
    assert token.last_used_at is not None and secret not in token.key_hash
    client.force_login(citizen)
    client.post(f"/account/tokens/{token.pk}/revoke/")
    client.logout()
    api = client.get("/api/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 401
    assert api.json() == {"detail": api.json()["detail"]} and api.json()["detail"]


@pytest.mark.django_db
def test_cannot_revoke_someone_elses_token(client, citizen, staff):
    token, _secret = ApiToken.objects.issue(staff, "theirs")
    client.force_login(citizen)
    response = client.post(f"/account/tokens/{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_staff_area_refused_for_citizen_and_open_for_staff(client, citizen, staff):
    client.force_login(citizen)
    response = client.get("/staff/")
    assert response.status_code == 403
    assert (
        "Zugriff verweigert" in response.content.decode()
        or "Access denied" in response.content.decode()
    )
    client.force_login(staff)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert "Umweltamt" in response.content.decode()


@pytest.mark.django_db
def test_admin_only_for_platform_admins(client, staff, platform_admin):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302
    client.force_login(platform_admin)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_preferred_language_applies_without_a_cookie(client, citizen):
    citizen.language = "en"
    citizen.save()
    client.force_login(citizen)
    response = client.get("/account/")
    assert '<html lang="en">' in response.content.decode()
    assert response.cookies["django_language"].value == "en"
    # The switch in the header still wins.
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert '<html lang="de">' in client.get("/account/").content.decode()
