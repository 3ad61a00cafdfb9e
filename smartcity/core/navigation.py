"""Where apps hook their pages into the shell: the main menu and the staff area.

Core must not know the apps, so each app registers its entries in ``AppConfig.ready()``:

    navigation.register_main(_("Sensors"), "sensors:map", order=30)
    navigation.register_staff(_("Sensor alerts"), "sensors:alerts")

An entry with ``platform_admins_only`` is listed to platform admins only, for pages no one
else may open.
"""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Entry:
    label: object  # a lazy translation
    url_name: str
    order: int = 50
    platform_admins_only: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_main: dict[str, Entry] = {}
_staff: dict[str, Entry] = {}


def register_main(label, url_name: str, order: int = 50) -> None:
    _main[url_name] = Entry(label, url_name, order)


def register_staff(
    label, url_name: str, order: int = 50, *, platform_admins_only: bool = False
) -> None:
    _staff[url_name] = Entry(label, url_name, order, platform_admins_only)


def main_entries() -> list[Entry]:
    return sorted(_main.values(), key=lambda e: (e.order, e.url_name))


def staff_entries() -> list[Entry]:
    return sorted(_staff.values(), key=lambda e: (e.order, e.url_name))
