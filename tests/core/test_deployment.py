"""Production mode and the command line, run as a city's IT department would run them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SMARTCITY = str(Path(sys.executable).with_name("smartcity"))


def run(*args, env=None, tmp_path=None):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "TASKS_BACKEND",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            # The command-line tests run on their own SQLite database in tmp_path.
            "DATABASE_URL",
        }
    }
    environment["SMARTCITY_ENV"] = "development"
    if tmp_path is not None:
        environment["SMARTCITY_VAR_DIR"] = str(tmp_path)
    environment.update(env or {})
    return subprocess.run(
        [SMARTCITY, *args], env=environment, capture_output=True, text=True, timeout=300
    )


def test_production_refuses_to_start_without_secret_and_hosts(tmp_path):
    result = run("check", env={"SMARTCITY_ENV": "production"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert (
        "SMARTCITY_ENV=production needs these environment variables: SECRET_KEY, ALLOWED_HOSTS"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


PRODUCTION = {
    "SMARTCITY_ENV": "production",
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "smartcity.dresden.example",
}


def test_production_passes_check_deploy(tmp_path):
    result = run("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_unknown_environment_name_is_refused(tmp_path):
    result = run("check", env={"SMARTCITY_ENV": "staging"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SMARTCITY_ENV must be development, production or test" in result.stderr


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    assert run("check", tmp_path=tmp_path).returncode == 0
    first = (tmp_path / "secret_key").read_text()
    assert run("check", tmp_path=tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == first and len(first) >= 50


def test_cli_runs_django_commands_with_hyphens(tmp_path):
    result = run("migrate", "--no-input", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "smartcity.sqlite3").exists()
    result = run("demo", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "admin@demo.smartcity-dresden.de" in result.stdout
    # Idempotent: a second run changes nothing and still succeeds.
    again = run("demo", tmp_path=tmp_path)
    assert again.returncode == 0 and again.stdout == result.stdout
    assert run("compile-translations", tmp_path=tmp_path).returncode == 0


def test_demo_data_is_refused_in_production(tmp_path):
    result = run("demo", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "demo data" in result.stderr


@pytest.mark.django_db
def test_production_error_pages_hide_stack_traces(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Seite nicht gefunden" in content or "Page not found" in content
    assert "Traceback" not in content
