"""Demo logins, one for every role. Documented in README.md and docs/core.md."""

from allauth.account.models import EmailAddress

from smartcity.core.accounts.models import Membership, User
from smartcity.core.demo.organisations import organisation

DEMO_PASSWORD = "demo-dresden-2026"  # noqa: S105 - public by design, documented in README

# (e-mail, display name, role, organisation short name)
DEMO_USERS = [
    ("admin@demo.smartcity-dresden.de", "Plattform-Admin (Demo)", "platform_admin", None),
    ("amtsleitung.umwelt@demo.smartcity-dresden.de", "Amtsleitung Umweltamt (Demo)", "admin", "UA"),
    ("sachbearbeitung.umwelt@demo.smartcity-dresden.de", "Umweltamt (Demo)", "staff", "UA"),
    ("sachbearbeitung.strassen@demo.smartcity-dresden.de", "Straßenamt (Demo)", "staff", "STA"),
    ("partner.agenda@demo.smartcity-dresden.de", "Lokale Agenda (Demo)", "staff", "LA21"),
    ("buergerin@demo.smartcity-dresden.de", "Bürgerin (Demo)", "citizen", None),
]


def load() -> str:
    for email, name, role, org in DEMO_USERS:
        user, created = User.objects.get_or_create(email=email, defaults={"display_name": name})
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_superuser = user.is_staff = role == "platform_admin"
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if org is not None:
            Membership.objects.update_or_create(
                user=user,
                organisation=organisation(org),
                defaults={
                    "role": Membership.Role.ADMIN if role == "admin" else Membership.Role.STAFF
                },
            )
    return f"{len(DEMO_USERS)} demo users (password: {DEMO_PASSWORD})"


def logins() -> list[tuple[str, str]]:
    return [(email, role) for email, _name, role, _org in DEMO_USERS]
