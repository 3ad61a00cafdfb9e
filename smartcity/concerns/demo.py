"""Demo part "concerns": a Dresden catalogue of 21 categories and 40 sample concerns.

The data lies in ``data/dresden_demo_catalogue.json`` (categories with their questions,
response templates, routing) and ``data/dresden_demo_concerns.json``. The catalogue
follows what Dresden's departments handle, routed to the sample organisations of the core
demo data; the concerns are invented, spread over the demo districts in every state with
their histories, numbered ``DEMO-0001`` onwards and marked ``is_demo``. Running the loader
again updates the catalogue and leaves existing demo concerns alone.
"""

import json
import math
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from smartcity.concerns import workflow
from smartcity.concerns.models import (
    Category,
    CategoryAttribute,
    Concern,
    ConcernEvent,
    ResponseTemplate,
    RoutingRule,
)
from smartcity.concerns.services import catalogue as catalogue_services
from smartcity.core.accounts.models import Organisation, User
from smartcity.core.demo.users import DEMO_USERS
from smartcity.core.geography import geo
from smartcity.core.geography import services as geography

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE_FILE = DATA_DIR / "dresden_demo_catalogue.json"
CONCERNS_FILE = DATA_DIR / "dresden_demo_concerns.json"
ATTRIBUTE_DEFAULTS = {"required": False, "values": [], "datatype_description": ""}

CITIZEN = next(email for email, _name, role, _org in DEMO_USERS if role == "citizen")
STAFF_BY_ORGANISATION = {org: email for email, _name, role, org in DEMO_USERS if role == "staff"}

# Each final state, reached through the default workflow: (state, public note or "").
PATHS = {
    "submitted": [],
    "open": [("open", "")],
    "in_progress": [("open", ""), ("in_progress", "Auftrag erteilt")],
    "planned": [("open", ""), ("planned", "In Planung")],
    "fixed": [("open", ""), ("in_progress", ""), ("fixed", "Erledigt")],
    "rejected": [("rejected", "Privatgrund")],
    "not_responsible": [("open", ""), ("not_responsible", "Andere Stelle zuständig")],
    "reopened": [("open", ""), ("fixed", "Erledigt"), ("reopened", "")],
    "duplicate": [("open", ""), ("duplicate", "")],
}
DUPLICATE_OF = {"DEMO-0003": "DEMO-0002"}
REOPEN_REASON = "Der neue Papierkorb ist schon wieder abgerissen."
EXTERNAL_BODY = "Staatsbetrieb Sächsisches Immobilien- und Baumanagement (Schlossgarten)"


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _load_catalogue(data: dict) -> dict[str, Category]:
    organisations = {org.short_name: org for org in Organisation.objects.filter(is_sample=True)}
    areas = {area.name: area for area in geography.list_areas()}
    categories = {}
    for item in data["categories"]:
        category, _created = Category.objects.update_or_create(
            service_code=item["service_code"],
            defaults={
                field: item[field]
                for field in ("name", "group", "target_hours", "keywords", "description")
            }
            | {"is_demo": True},
        )
        categories[category.service_code] = category
        for order, attribute in enumerate(item["attributes"]):
            CategoryAttribute.objects.update_or_create(
                category=category,
                code=attribute["code"],
                defaults=ATTRIBUTE_DEFAULTS
                | {key: value for key, value in attribute.items() if key != "code"}
                | {"order": order},
            )
        for order, template in enumerate(data["response_templates"]):
            ResponseTemplate.objects.update_or_create(
                category=category,
                title=template["title"],
                defaults={"text": template["text"], "state": template["state"], "order": order},
            )
        RoutingRule.objects.update_or_create(
            category=category,
            area=None,
            defaults={"organisation": organisations[item["organisation"]]},
        )
    for route in data["district_routes"]:
        if route["area"] in areas:
            RoutingRule.objects.update_or_create(
                category=categories[route["service_code"]],
                area=areas[route["area"]],
                defaults={"organisation": organisations[route["organisation"]]},
            )
    return categories


def _place(area, index: int) -> tuple[float, float]:
    """A point inside ``area`` near its middle, spread by ``index`` (golden-angle spiral)."""
    centre = geo.to_shape(area.geometry).representative_point()
    x, y = geo.to_utm33n(centre.x, centre.y)
    angle, distance = math.radians(index * 137.5), 150 + (index % 5) * 120
    lon, lat = geo.from_utm33n(x + distance * math.cos(angle), y + distance * math.sin(angle))
    found = geography.area_at(lon, lat)
    if found is None or found.pk != area.pk:
        return round(centre.y, 6), round(centre.x, 6)
    return round(lat, 6), round(lon, 6)


def _history(concern: Concern, final: str, staff, days_ago: int, templates: dict) -> None:
    """The concern's events along its path, spread over the days since it was filed."""
    steps = PATHS[final]
    concern.events.create(
        kind=ConcernEvent.Kind.STATE_CHANGE,
        to_state=workflow.SUBMITTED,
        is_public=True,
        actor=concern.reporter,
        created_at=concern.submitted_at,
    )
    state = workflow.SUBMITTED
    span = timedelta(days=days_ago) - timedelta(hours=2)
    for number, (target, title) in enumerate(steps, start=1):
        at = concern.submitted_at + span * number / (len(steps) + 1)
        reopening = target == workflow.REOPENED
        concern.events.create(
            kind=ConcernEvent.Kind.STATE_CHANGE,
            from_state=state,
            to_state=target,
            text=REOPEN_REASON if reopening else templates.get(title, ""),
            is_public=True,
            actor=concern.reporter if reopening else staff,
            organisation=None if reopening else concern.organisation,
            created_at=at,
        )
        if advance(concern, target, at, staff):
            concern.events.create(
                kind=ConcernEvent.Kind.ASSIGNMENT,
                actor=staff,
                organisation=concern.organisation,
                data={"assignee": staff.pk, "name": str(staff)},
                created_at=at,
            )
        state = target
    concern.state = state
    concern.save()


def advance(concern: Concern, target: str, at, staff) -> bool:
    """Set the fields a step of a made-up history to ``target`` at ``at`` changes (not the
    state itself): opening assigns ``staff``, closing stamps the time, reopening sets a new
    due time. True where ``staff`` was assigned, so the caller records that event too."""
    assigned = target == workflow.OPEN and staff is not None
    if assigned:
        concern.assignee, concern.first_assigned_at = staff, at
    if workflow.is_closed(target):
        concern.closed_at = at
    elif target == workflow.REOPENED:
        concern.closed_at = None
        concern.due_at = concern.category.due_from(at)
    return assigned


@transaction.atomic
def load() -> str:
    catalogue = _read(CATALOGUE_FILE)
    reports = _read(CONCERNS_FILE)["concerns"]
    categories = _load_catalogue(catalogue)
    templates = {t["title"]: t["text"] for t in catalogue["response_templates"]}
    areas = {area.name: area for area in geography.list_areas()}
    users = {
        user.email: user
        for user in User.objects.filter(email__endswith="@demo.smartcity-dresden.de")
    }
    now = timezone.now()
    for index, report in enumerate(reports):
        number = f"DEMO-{index + 1:04d}"
        category, area = categories[report["service_code"]], areas.get(report["area"])
        if area is None or Concern.objects.filter(service_request_id=number).exists():
            continue
        lat, lon = _place(area, index)
        organisation = catalogue_services.route(category, area).organisation
        staff = users.get(STAFF_BY_ORGANISATION.get(organisation.short_name, ""))
        submitted = now - timedelta(days=report["days_ago"], hours=3 + index % 7)
        final = report["state"]
        # Every third report comes from the demo citizen's account, the others by e-mail.
        by_citizen = index % 3 == 0
        original = DUPLICATE_OF.get(number)
        concern = Concern.objects.create(
            service_request_id=number,
            category=category,
            lat=lat,
            lon=lon,
            area=area,
            address=f"{report['street']}, Dresden",
            description=report["description"],
            attributes=report["attributes"],
            reporter=users.get(CITIZEN) if by_citizen else None,
            contact_name="" if by_citizen else "Erika Beispiel (Demo)",
            contact_email="" if by_citizen else f"hinweis{index + 1}@example.org",
            organisation=organisation,
            submitted_at=submitted,
            due_at=category.due_from(submitted),
            # Older concerns passed review; the newest still wait for it.
            published_at=None if final == "submitted" else submitted + timedelta(hours=20),
            forwarded_to=EXTERNAL_BODY if final == "not_responsible" else "",
            duplicate_of=(
                Concern.objects.filter(service_request_id=original).first() if original else None
            ),
            is_demo=True,
        )
        _history(concern, final, staff, report["days_ago"], templates)
        if concern.duplicate_of is not None:
            concern.duplicate_of.events.create(
                kind=ConcernEvent.Kind.MERGE,
                is_public=True,
                actor=staff,
                organisation=organisation,
                data={"merged": number},
                created_at=concern.closed_at,
            )
    return f"{len(categories)} demo concern categories, {len(reports)} demo concerns"
