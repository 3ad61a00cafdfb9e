"""The catalogue: categories (Open311 services), their questions, templates and routing."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from smartcity.concerns.attributes import validate_answers
from smartcity.concerns.models import Category, ResponseTemplate, RoutingRule
from smartcity.concerns.services._common import reason_text


def active_categories():
    """The categories citizens may choose, by group and name, with their attributes."""
    return Category.objects.filter(is_active=True).prefetch_related("attributes")


def category_by_code(service_code: str, *, active_only: bool = True) -> Category | None:
    categories = active_categories() if active_only else Category.objects.all()
    return categories.filter(service_code=str(service_code)).first()


def route(category: Category, area) -> RoutingRule | None:
    """The rule for the district, else the category's city-wide rule, else None."""
    where = Q(area__isnull=True) if area is None else Q(area=area) | Q(area__isnull=True)
    rules = {
        rule.area_id: rule
        for rule in RoutingRule.objects.select_related("organisation").filter(
            where, category=category
        )
    }
    return rules.get(getattr(area, "pk", None)) or rules.get(None)


def attribute_field(code: str) -> str:
    """The error key of an attribute answer: the Open311 parameter name."""
    return f"attribute[{code}]"


def validate_attributes(category: Category, answers) -> dict:
    """The answers to store; ValidationError keyed ``attribute[code]`` lists every problem."""
    values, problems = validate_answers(category.attribute_specs(), answers or {})
    if problems:
        raise ValidationError(
            {attribute_field(code): reason_text(reason) for code, reason in problems.items()}
        )
    return values


def response_templates(category: Category, state: str | None = None):
    """Templates for a state change to ``state`` (and those for any state)."""
    templates = ResponseTemplate.objects.filter(category=category)
    if state is not None:
        templates = templates.filter(Q(state=state) | Q(state=""))
    return templates
