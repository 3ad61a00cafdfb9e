"""Demo part "areas": Dresden's approximate boundary, Stadtbezirke and Ortschaften.

The geometry comes from data/dresden_demo_areas.geojson (written by demo_geometry.py).
Demo areas of a kind are loaded only while no official (imported) area of that kind
exists, so running the demo loader again never overwrites official boundaries.
"""

import json
from collections import Counter

from smartcity.core.geography import services
from smartcity.core.geography.demo_geometry import DATA_FILE, SOURCE
from smartcity.core.geography.models import Area

KIND_WORDS = (("city", "city"), ("stadtbezirk", "Stadtbezirke"), ("ortschaft", "Ortschaften"))


def load() -> str:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    specs = services.parse_feature_collection(data, is_demo=True, source=SOURCE)
    official = set(Area.objects.filter(is_demo=False).values_list("kind", flat=True))
    demo_specs = [spec for spec in specs if spec.kind not in official]
    services.write_areas(demo_specs, replace=False)
    # The same words on every run: `smartcity demo` is expected to print the same twice.
    counts = Counter(spec.kind for spec in demo_specs)
    parts = ", ".join(f"{counts[kind]} {label}" for kind, label in KIND_WORDS if counts[kind])
    kept = f"; official areas kept for: {', '.join(sorted(official))}" if official else ""
    return f"{len(demo_specs)} demo areas ({parts}){kept}"
