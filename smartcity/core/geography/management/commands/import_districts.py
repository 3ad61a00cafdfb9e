import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smartcity.core.geography import services


class Command(BaseCommand):
    help = (
        "Import official area boundaries (city, Stadtbezirke, Ortschaften) from a GeoJSON "
        "FeatureCollection in WGS84, or in ETRS89 / UTM 33N when its crs member names "
        "EPSG:25833. Areas are matched by name; by default areas of the imported kinds that "
        "the file does not contain (such as the demo areas) are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON FeatureCollection file")
        parser.add_argument(
            "--name-property", default="name", help="feature property with the area name"
        )
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument(
            "--kind-property",
            default="kind",
            help="feature property with the kind: city, stadtbezirk or ortschaft",
        )
        kind.add_argument(
            "--kind",
            choices=["city", "stadtbezirk", "ortschaft"],
            help="the kind of every feature in the file",
        )
        parser.add_argument(
            "--code-property", default="code", help="feature property with the official code"
        )
        parser.add_argument(
            "--keep-others",
            action="store_true",
            help="keep areas of the imported kinds that the file does not contain",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report; change nothing"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text: {exc.reason}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from exc
        try:
            summary = services.import_areas(
                data,
                replace=not options["keep_others"],
                dry_run=options["dry_run"],
                name_property=options["name_property"],
                kind_property=options["kind_property"],
                kind=options["kind"],
                code_property=options["code_property"],
                source=path.name,
                is_demo=False,
            )
        except ValueError as exc:
            raise CommandError(f"{path} was not imported: {exc}") from exc
        self.stdout.write(f"{path.name}: {summary}")
        for label, names in (
            ("created", summary.created),
            ("updated", summary.updated),
            ("removed", summary.removed),
        ):
            if names:
                self.stdout.write(f"  {label}: {', '.join(names)}")
