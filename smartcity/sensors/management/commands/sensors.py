"""``smartcity sensors <subcommand>``: operating the sensor backbone from the shell."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from smartcity.core.accounts.models import Organisation
from smartcity.sensors import access
from smartcity.sensors.models import Thing
from smartcity.sensors.simulator import feed
from smartcity.sensors.simulator import stations as simulator


class Command(BaseCommand):
    help = "Sensor backbone commands: create-token, simulate."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        token = commands.add_parser(
            "create-token",
            help="Print a new sensor write token (shown once).",
            description=(
                "Without --department or --thing the token may write to every Thing "
                "(for the platform's own integrations)."
            ),
        )
        scope = token.add_mutually_exclusive_group()
        scope.add_argument("--department", metavar="CODE", help="short name or slug")
        scope.add_argument("--thing", metavar="ID", type=int, help="a Thing's @iot.id")
        token.add_argument("--name", default="", help="what the token is for")

        simulate = commands.add_parser(
            "simulate",
            help="Feed the demo sensor network's synthetic streams (DEMO DATA).",
        )
        simulate.add_argument("--hours", type=float, default=48, help="history to backfill")
        simulate.add_argument("--step-minutes", type=float, default=15)
        simulate.add_argument(
            "--live", action="store_true", help="keep sending new values every step"
        )
        simulate.add_argument(
            "--flood", action="store_true", help="stage an Elbe flood peaking in 24 h"
        )
        simulate.add_argument(
            "--rain-burst", action="store_true", help="stage a cloudburst starting now"
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "create-token":
            self.create_token(options["department"], options["thing"], options["name"])
        elif subcommand == "simulate":
            self.simulate(**options)

    def simulate(self, *, hours, step_minutes, live, flood, rain_burst, **_options):
        if hours < 0 or step_minutes <= 0:
            raise CommandError("--hours must be >= 0 and --step-minutes > 0")
        now = timezone.now().replace(second=0, microsecond=0)
        step = timedelta(minutes=step_minutes)
        stations = simulator.network(
            flood_at=now + timedelta(hours=24) if flood else None,
            rain_burst_at=now if rain_burst else None,
        )
        entities = feed.ensure_stations(stations)
        base_url = settings.SITE_URL.rstrip("/") + "/sta/v1.1"
        sent = feed.backfill(entities, now - timedelta(hours=hours), now, step, base_url=base_url)
        self.stdout.write(f"{len(entities)} stations, {sent} observations sent (demo data)")
        while live:
            time.sleep(step.total_seconds())
            now = timezone.now()
            entities = feed.ensure_stations(stations)
            sent = feed.backfill(entities, now - step, now, step, base_url=base_url)
            self.stdout.write(f"{now:%H:%M:%S} {sent} observations sent")

    def create_token(self, department, thing_id, name):
        organisation = thing = None
        if department:
            organisation = Organisation.objects.filter(
                Q(short_name__iexact=department) | Q(slug__iexact=department)
            ).first()
            if organisation is None:
                raise CommandError(f"no organisation with the short name or slug {department!r}")
        if thing_id is not None:
            thing = Thing.objects.filter(pk=thing_id).first()
            if thing is None:
                raise CommandError(f"no Thing with @iot.id {thing_id}")
        scope = (
            f"Thing {thing.pk} ({thing.name})"
            if thing
            else organisation.name
            if organisation
            else "the whole platform"
        )
        token, secret = access.issue_token(
            name or f"command line token for {scope}", organisation=organisation, thing=thing
        )
        self.stderr.write(f"Sensor token {token.prefix}… for {scope}. It is shown only once:")
        self.stdout.write(secret)
