from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from smartcity.core import demo
from smartcity.core.demo.users import DEMO_PASSWORD, logins


class Command(BaseCommand):
    help = "Load the Dresden demo data (safe to run again: it updates what is there)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo data even with SMARTCITY_ENV=production (a demo server).",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to load demo data (with its public demo passwords) in production; "
                "pass --allow-production for a demo server."
            )
        with transaction.atomic():
            results = demo.load_all()
        for name, summary in results:
            self.stdout.write(f"  {name}: {summary}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins():
            self.stdout.write(f"  {role:<16} {email}")
