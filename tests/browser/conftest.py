"""Playwright driving Debian's Chromium against the live test server.

There is no skip: without /usr/bin/chromium these tests fail, and `make test` installs it.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def chromium():
    # While Playwright's sync API is active its event loop counts as running in this
    # thread, so Django would refuse the tests' own (synchronous) ORM calls. The browser
    # lives per module, and the permission with it.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


_axe = Axe()


def assert_accessible(page):
    """axe-core on the current page: no serious or critical violation."""
    results = _axe.run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not violations, f"{page.url}:\n" + "\n".join(violations)


def login(page, email, password):
    page.goto("/accounts/login/")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort:", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
