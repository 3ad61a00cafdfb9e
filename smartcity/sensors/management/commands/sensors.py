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
from smartcity.sensors.simulator import feed, via_http, via_mqtt
from smartcity.sensors.simulator import stations as simulator

VIAS = ("direct", "http", "mqtt")


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
        simulate.add_argument(
            "--via",
            choices=VIAS,
            default="direct",
            help="direct: the write services in this process (default); http: POST to the "
            "SensorThings server at --url; mqtt: publish to the broker of MQTT_URL for "
            "smartcity mqtt-ingest",
        )
        simulate.add_argument(
            "--url",
            default=None,
            help=f"service root for --via http (default: {via_http.DEFAULT_URL})",
        )
        simulate.add_argument(
            "--token",
            default=None,
            help="sensor token for --via http (Authorization: Bearer) and --via mqtt",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "create-token":
            self.create_token(options["department"], options["thing"], options["name"])
        elif subcommand == "simulate":
            self.simulate(**options)

    def simulate(self, *, hours, step_minutes, live, flood, rain_burst, via, url, token, **_):
        if hours < 0 or step_minutes <= 0:
            raise CommandError("--hours must be >= 0 and --step-minutes > 0")
        if url is not None and via != "http":
            raise CommandError("--url is for --via http")
        if token is not None and via == "direct":
            raise CommandError("--token is for --via http and --via mqtt")
        now = timezone.now().replace(second=0, microsecond=0)
        step = timedelta(minutes=step_minutes)
        stations = simulator.network(
            flood_at=now + timedelta(hours=24) if flood else None,
            rain_burst_at=now if rain_burst else None,
        )
        try:
            target = self.feed_target(via, url, token)
        except feed.FeedError as problem:
            raise CommandError(str(problem)) from None
        try:
            entities = target.ensure_stations(stations)
            groups = feed.data_arrays(entities, now - timedelta(hours=hours), now, step)
            sent = target.send(groups)
            self.stdout.write(
                f"{len(entities)} stations, {sent} observations sent to {target.target} (demo data)"
            )
            for station in target.skipped:
                self.stdout.write(
                    f"left out the private station {station.name}: the SensorThings API "
                    "cannot create private Things"
                )
            while live:
                time.sleep(step.total_seconds())
                now = timezone.now()
                entities = target.ensure_stations(stations)
                sent = target.send(feed.data_arrays(entities, now - step, now, step))
                self.stdout.write(f"{now:%H:%M:%S} {sent} observations sent")
        except feed.FeedError as problem:
            raise CommandError(str(problem)) from None
        except KeyboardInterrupt:
            self.stdout.write("stopped")
        finally:
            target.close()

    def feed_target(self, via, url, token):
        if via == "http":
            return via_http.Server(url or via_http.DEFAULT_URL, token)
        if via == "mqtt":
            return via_mqtt.Publisher(token)
        return feed.Direct(base_url=settings.SITE_URL.rstrip("/") + "/sta/v1.1")

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
