"""What every benchmark script records: the machine it ran on, and the result file."""

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path


def machine(**versions) -> dict:
    """The machine and the software versions (``sqlite=…``, ``postgresql=…``, ``django=…``)."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        **versions,
    }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_result(path: Path, result: dict) -> None:
    """Write ``result`` as JSON to ``path`` (benchmarks/results/…) and print it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
