"""A realistic sample of Dresden's departments (Ämter), municipal enterprises and partners.

Names follow the city's administrative structure; they are sample data, not the official
organisation chart, and are marked ``is_sample``.
"""

from django.utils.text import slugify

from smartcity.core.accounts.models import Organisation

DEPARTMENT = Organisation.Kind.DEPARTMENT
ENTERPRISE = Organisation.Kind.MUNICIPAL_ENTERPRISE
PARTNER = Organisation.Kind.PARTNER

SAMPLE_ORGANISATIONS = [
    ("Amt für Wirtschaftsförderung", "WiFö", DEPARTMENT),
    ("Umweltamt", "UA", DEPARTMENT),
    ("Straßen- und Tiefbauamt", "STA", DEPARTMENT),
    ("Amt für Stadtgrün und Abfallwirtschaft", "ASA", DEPARTMENT),
    ("Stadtplanungsamt", "SPA", DEPARTMENT),
    ("Amt für Geodaten und Kataster", "AGK", DEPARTMENT),
    ("Bürger- und Ordnungsamt", "BOA", DEPARTMENT),
    ("Brand- und Katastrophenschutzamt", "BKA", DEPARTMENT),
    ("Amt für Hochbau und Immobilienverwaltung", "AHI", DEPARTMENT),
    ("Sportstätten Dresden", "SSD", ENTERPRISE),
    ("Stadtentwässerung Dresden", "SEDD", ENTERPRISE),
    ("Städtisches Klinikum Dresden", "SKD", ENTERPRISE),
    ("Lokale Agenda 21 für Dresden e. V.", "LA21", PARTNER),
    ("Technische Universität Dresden", "TUD", PARTNER),
    ("Hochschule für Technik und Wirtschaft Dresden", "HTW", PARTNER),
]


def organisation(short_name: str) -> Organisation:
    return Organisation.objects.get(short_name=short_name, is_sample=True)


def load() -> str:
    for name, short_name, kind in SAMPLE_ORGANISATIONS:
        Organisation.objects.update_or_create(
            slug=slugify(short_name),
            defaults={"name": name, "short_name": short_name, "kind": kind, "is_sample": True},
        )
    return f"{len(SAMPLE_ORGANISATIONS)} sample organisations"
