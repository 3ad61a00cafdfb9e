"""Development secret key: generated once into ``var/`` so sessions survive restarts."""

from pathlib import Path

from django.core.management.utils import get_random_secret_key


def development_secret_key(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if not path.exists():
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()
