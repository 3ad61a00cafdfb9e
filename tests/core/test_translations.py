"""German first, English second: every UI string has its German translation."""

import subprocess
import sys
from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "smartcity" / "locale" / "de" / "LC_MESSAGES" / "django.po"
IGNORE = [".venv", "node_modules", "var", "tests", "build", "benchmarks", "scripts"]


def _open_entries(catalogue):
    return [e.msgid for e in catalogue.untranslated_entries()] + [
        e.msgid for e in catalogue.fuzzy_entries()
    ]


def test_german_catalogue_has_no_open_entries():
    assert _open_entries(polib.pofile(str(CATALOGUE))) == []


def test_german_catalogue_covers_every_string_in_the_code():
    """Extract the strings afresh (GNU gettext); none may be missing from the catalogue."""
    committed = CATALOGUE.read_bytes()
    smartcity = str(Path(sys.executable).with_name("smartcity"))
    try:
        subprocess.run(
            [smartcity, "makemessages", "-l", "de", *(f"--ignore={i}" for i in IGNORE)],
            cwd=settings.BASE_DIR,
            check=True,
            capture_output=True,
            timeout=600,
        )
        missing = _open_entries(polib.pofile(str(CATALOGUE)))
    finally:
        CATALOGUE.write_bytes(committed)
    assert missing == [], "untranslated strings; run `make messages` and translate them"
