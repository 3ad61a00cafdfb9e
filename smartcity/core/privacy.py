"""DSGVO rights for citizens: data export (Art. 15 and 20) and erasure (Art. 17).

Each app that stores personal data registers an exporter (returns JSON-serialisable data
about one user) and, where deleting the user row is not enough, an eraser (anonymises
records that must outlive the account, such as a concern that stays public).
"""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

Exporter = Callable[[object], object]
Eraser = Callable[[object], None]

_exporters: dict[str, Exporter] = {}
_erasers: dict[str, Eraser] = {}


def register_exporter(section: str, exporter: Exporter) -> None:
    _exporters[section] = exporter


def register_eraser(name: str, eraser: Eraser) -> None:
    _erasers[name] = eraser


def export_user_data(user) -> dict:
    data = {
        "format": "smartcity-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "sections": {},
    }
    for section, exporter in sorted(_exporters.items()):
        data["sections"][section] = exporter(user)
    return data


@transaction.atomic
def erase_user(user) -> None:
    for eraser in _erasers.values():
        eraser(user)
    user.delete()
