from django.core.management.base import BaseCommand
from django.db import transaction

from smartcity.core import demo
from smartcity.core.demo.users import DEMO_PASSWORD, logins


class Command(BaseCommand):
    help = "Load the Dresden demo data (safe to run again: it updates what is there)."

    def handle(self, *args, **options):
        with transaction.atomic():
            results = demo.load_all()
        for name, summary in results:
            self.stdout.write(f"  {name}: {summary}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins():
            self.stdout.write(f"  {role:<16} {email}")
