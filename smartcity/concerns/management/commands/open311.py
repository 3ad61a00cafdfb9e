"""``smartcity open311 <subcommand>``: the Open311 API from the shell."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from smartcity.concerns.open311 import keys


class Command(BaseCommand):
    help = "Open311 API commands: create-key."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        create = commands.add_parser(
            "create-key",
            help="Print a new API key for a partner app (shown once).",
            description="The key lets the partner app create requests (POST requests.json).",
        )
        create.add_argument("name", help="the partner app the key is for")

    def handle(self, *args, subcommand, **options):
        if subcommand == "create-key":
            self.create_key(options["name"])

    def create_key(self, name):
        try:
            key, secret = keys.issue_key(name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Open311 API key {key.prefix}… for {key.name}. It is shown only once:")
        self.stdout.write(secret)
