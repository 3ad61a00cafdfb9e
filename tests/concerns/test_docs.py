"""docs/concerns.md matches the code: the workflow diagram and the settings table."""

import re
from pathlib import Path

from django.conf import settings

from smartcity.concerns import workflow

DOC = (Path(__file__).resolve().parents[2] / "docs" / "concerns.md").read_text(encoding="utf-8")


def test_the_workflow_diagram_is_the_default_workflow():
    diagram = DOC[DOC.index("```mermaid") : DOC.index("```", DOC.index("```mermaid") + 3)]
    drawn = {
        (source, target, note == ": note")
        for source, target, note in re.findall(r"^\s+(\w+) --> (\w+)(: note)?$", diagram, re.M)
    }
    assert drawn == {(e.source, e.target, e.public_note) for e in workflow.DEFAULT_EDGES}


def test_the_settings_table_names_every_setting_with_its_default():
    rows = re.findall(r"^\| `((?:CONCERNS|OPEN311)_\w+)` \| `([^`]+)` \|", DOC, re.M)
    documented = {name: default for name, default in rows}
    defined = {name for name in dir(settings) if name.startswith(("CONCERNS_", "OPEN311_"))}
    assert set(documented) == defined
    for name, default in documented.items():
        assert str(getattr(settings, name)) == default, name
