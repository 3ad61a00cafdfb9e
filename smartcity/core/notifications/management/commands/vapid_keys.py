"""``smartcity vapid-keys``: make the P-256 key pair that signs Web Push messages (RFC 8292)."""

from django.core.management.base import BaseCommand, CommandError

from smartcity.core.notifications.vapid import key_file, write_key_file
from smartcity.core.notifications.webpush import generate_vapid_keys


class Command(BaseCommand):
    help = (
        "Create a VAPID key pair for Web Push in VAR_DIR/vapid.json, or with --print-env print "
        "it as VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY lines for the production environment."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace an existing key file. Every browser then has to subscribe again.",
        )
        parser.add_argument(
            "--print-env",
            action="store_true",
            help="Print a new pair as environment variable lines and write no file.",
        )

    def handle(self, *args, force=False, print_env=False, **options):
        keys = generate_vapid_keys()
        if print_env:
            self.stdout.write(f"VAPID_PRIVATE_KEY={keys.private_key}")
            self.stdout.write(f"VAPID_PUBLIC_KEY={keys.public_key}")
            return
        path = key_file()
        try:
            write_key_file(keys, path, overwrite=force)
        except FileExistsError:
            raise CommandError(
                f"{path} exists already. Replacing it cuts off every browser that enabled push "
                "notifications; use --force if that is what you want."
            ) from None
        self.stdout.write(f"Wrote a new VAPID key pair to {path}")
        self.stdout.write(f"Public key (applicationServerKey): {keys.public_key}")
