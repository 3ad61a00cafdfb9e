"""``smartcity mqtt-ingest``: the SensorThings MQTT ingest consumer (docs/sensors-mqtt.md)."""

import logging
import signal
import threading

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from smartcity.sensors.mqtt.ingest import KEY_TTL_DAYS, Consumer
from smartcity.sensors.mqtt.models import DeadLetter


class Command(BaseCommand):
    help = (
        "Create Observations from MQTT messages (SensorThings MQTT extension): subscribe to "
        "v1.1/Observations and v1.1/+/Observations (after MQTT_TOPIC_PREFIX) on the broker "
        "of MQTT_URL and store what sensors publish. Runs until stopped (SIGINT, SIGTERM)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--group",
            default="smartcity-ingest",
            help="shared-subscription group: consumers of one group split the messages "
            "(default: %(default)s)",
        )
        parser.add_argument(
            "--no-share", action="store_true", help="subscribe alone, not in a shared group"
        )
        parser.add_argument(
            "--client-id",
            default=None,
            help="MQTT client id, the name of the broker session; each running consumer "
            "needs its own (default: smartcity-ingest-<hostname>)",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="messages per batch")
        parser.add_argument(
            "--batch-ms", type=int, default=100, help="longest wait to fill a batch, ms"
        )
        parser.add_argument(
            "--session-expiry",
            type=int,
            default=86400,
            help="seconds the broker keeps the session (and queues messages) while the "
            "consumer is away (default: %(default)s)",
        )
        parser.add_argument(
            "--key-ttl-days",
            type=int,
            default=KEY_TTL_DAYS,
            help="days an ingest key guards against redelivery (default: %(default)s)",
        )
        parser.add_argument(
            "--dead-letters",
            type=int,
            metavar="N",
            default=None,
            help="print the N newest dead letters and exit",
        )

    def handle(self, *args, **options):
        if options["dead_letters"] is not None:
            self.show_dead_letters(options["dead_letters"])
            return
        if options["batch_size"] < 1 or options["batch_ms"] < 0 or options["key_ttl_days"] < 1:
            raise CommandError("--batch-size and --key-ttl-days must be >= 1, --batch-ms >= 0")
        logging.getLogger("smartcity.sensors.mqtt").setLevel(logging.INFO)
        try:
            consumer = Consumer(
                group=None if options["no_share"] else options["group"],
                client_id=options["client_id"],
                batch_size=options["batch_size"],
                batch_ms=options["batch_ms"],
                session_expiry_s=options["session_expiry"],
                key_ttl_days=options["key_ttl_days"],
            )
        except ImproperlyConfigured as problem:
            raise CommandError(str(problem)) from None
        stop = threading.Event()
        previous = {
            signum: signal.signal(signum, lambda *_args: stop.set())
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        self.stdout.write(
            f"mqtt-ingest: {consumer.broker.public_url}, client id {consumer.client_id}, "
            f"topics {', '.join(consumer.filters)}; "
            f"token required: {'yes' if consumer.require_token else 'no'}"
        )
        try:
            consumer.run(stop)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        totals = consumer.totals
        self.stdout.write(
            f"mqtt-ingest stopped: {totals.stored} stored, {totals.duplicates} duplicates, "
            f"{totals.dead_letters} dead letters"
        )

    def show_dead_letters(self, count: int) -> None:
        letters = DeadLetter.objects.all()[: max(count, 0)]
        if not letters:
            self.stdout.write("No dead letters.")
        for letter in letters:
            payload = letter.payload if len(letter.payload) <= 200 else letter.payload[:200] + "…"
            self.stdout.write(
                f"{letter.received_at:%Y-%m-%d %H:%M:%S} {letter.topic}\n"
                f"  reason: {letter.reason}\n  payload ({letter.payload_size} bytes): {payload}"
            )
