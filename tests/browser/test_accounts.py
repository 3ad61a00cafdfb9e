"""The account journeys of a citizen and of staff, in the browser."""

import json
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from smartcity.core.accounts.models import User
from tests.browser.conftest import assert_accessible, login
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _path_of_link_in_last_mail():
    return re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)


def test_registration_with_confirmation_mail(page):
    page.goto("/")
    page.get_by_role("link", name="Registrieren").click()
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.get_by_label("Passwort:", exact=True).fill(PASSWORD)
    page.get_by_label("Passwort (Wiederholung):", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Registrieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bestätigen Sie Ihre E-Mail-Adresse")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["erika@example.org"]
    page.goto(_path_of_link_in_last_mail())
    assert_accessible(page)
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()
    assert User.objects.get(email="erika@example.org").emailaddress_set.get().verified


def test_login_and_logout(page):
    make_user("buerger@example.org")
    page.goto("/accounts/login/")
    assert_accessible(page)
    login(page, "buerger@example.org", PASSWORD)
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()
    page.get_by_role("banner").get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
    expect(page.get_by_role("link", name="Mein Konto")).to_have_count(0)


def test_wrong_password_shows_an_error(page):
    make_user("buerger@example.org")
    login(page, "buerger@example.org", "falsch")
    expect(
        page.get_by_text("Die E-Mail-Adresse und/oder das Passwort sind leider falsch.")
    ).to_be_visible()
    assert_accessible(page)


def test_password_reset(page):
    make_user("vergesslich@example.org")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Passwort vergessen?").click()
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill("vergesslich@example.org")
    page.get_by_role("button", name="Passwort zurücksetzen").click()
    page.wait_for_load_state()
    page.goto(_path_of_link_in_last_mail())
    page.get_by_label("Neues Passwort:", exact=True).fill("ein-neues-passwort-4711")
    page.get_by_label("Neues Passwort (Wiederholung):", exact=True).fill("ein-neues-passwort-4711")
    page.get_by_role("button", name="Passwort ändern").click()
    page.wait_for_load_state()
    login(page, "vergesslich@example.org", "ein-neues-passwort-4711")
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()


def test_profile_export_and_account_deletion(page):
    make_user("loeschen@example.org")
    login(page, "loeschen@example.org", PASSWORD)
    page.get_by_role("link", name="Mein Konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Meine Daten herunterladen").click()
    download = download_info.value
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["sections"]["account"]["email"] == "loeschen@example.org"

    page.get_by_role("link", name="Mein Konto löschen").click()
    assert_accessible(page)
    page.get_by_label("Ihr Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Mein Konto endgültig löschen").click()
    expect(
        page.get_by_text("Ihr Konto und Ihre persönlichen Daten wurden gelöscht.")
    ).to_be_visible()
    assert not User.objects.filter(email="loeschen@example.org").exists()


def test_staff_only_page_is_refused_for_a_citizen(page):
    make_user("buerger@example.org")
    login(page, "buerger@example.org", PASSWORD)
    expect(page.get_by_role("link", name="Mitarbeiterbereich")).to_have_count(0)
    response = page.goto("/staff/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zugriff verweigert")
    assert_accessible(page)
