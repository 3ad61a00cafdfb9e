"""The catalogue: categories (Open311 services), their questions, templates and routing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import ngettext

from smartcity.concerns import workflow
from smartcity.concerns.attributes import validate_answers
from smartcity.concerns.models import (
    Category,
    CategoryAttribute,
    ResponseTemplate,
    RoutingRule,
    State,
)
from smartcity.concerns.services._common import reason_text
from smartcity.core.audit.context import acting_as
from smartcity.core.permissions import can, is_platform_admin, organisation_ids, require


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


# --- Editing the catalogue -----------------------------------------------------------------
#
# Admins of a department a category routes to edit its texts, its target time and its
# response templates; routing, attributes, the workflow and new categories are the platform
# admins' (smartcity.concerns.policies.CategoryPolicy). Each write runs as its actor, so the
# audit log records it with the values before and after.

CATEGORY_TEXT_FIELDS = ("name", "description", "group", "keywords", "target_hours")


def editable_categories(user):
    """The categories whose texts and templates ``user`` may edit."""
    if is_platform_admin(user):
        return Category.objects.all()
    return Category.objects.filter(
        routing_rules__organisation_id__in=organisation_ids(user, admin_only=True)
    ).distinct()


def may_edit_texts(user, category: Category) -> bool:
    return can(user, "change", category)


def may_manage(user, category: Category | None = None) -> bool:
    """Routing, attributes, workflow, new categories: platform admins."""
    return can(user, "manage", category or Category())


def _changed_fields(instance) -> set[str]:
    if instance.pk is None:
        return {f.name for f in instance._meta.concrete_fields}
    stored = type(instance).objects.get(pk=instance.pk)
    return {
        f.name
        for f in instance._meta.concrete_fields
        if f.value_from_object(stored) != f.value_from_object(instance)
    }


def _store(instance, actor):
    with transaction.atomic(), acting_as(actor):
        instance.full_clean()
        instance.save()
    return instance


def save_category(category: Category, actor) -> Category:
    """Create or change a category (an unsaved or edited instance); ValidationError keyed
    by field, PermissionDenied where the actor may not change what they changed."""
    changed = _changed_fields(category) - {"created_at", "updated_at"}
    if category.pk is None or changed - set(CATEGORY_TEXT_FIELDS):
        require(actor, "manage", category)
    else:
        require(actor, "change", category)
    return _store(category, actor)


# Who may change each part of a category. Deleting a question leaves the answers already
# given with their concerns; changing a routing rule leaves concerns already routed with
# their department.
PART_ACTIONS = {CategoryAttribute: "manage", RoutingRule: "manage", ResponseTemplate: "change"}


def may_change_part(user, model, category: Category) -> bool:
    return can(user, PART_ACTIONS[model], category)


def save_part(part, actor):
    """Create or change a question, routing rule or response template of its category."""
    require(actor, PART_ACTIONS[type(part)], part.category)
    return _store(part, actor)


def delete_part(part, actor) -> None:
    require(actor, PART_ACTIONS[type(part)], part.category)
    with transaction.atomic(), acting_as(actor):
        part.delete()


def set_workflow(category: Category, transitions: list[dict] | None, actor) -> Category:
    """Give the category its own transitions (``[{"from", "to", "public_note"}, ...]``), or
    the default workflow for None or the default's own transitions. Refused when the
    workflow is unusable or would strand open concerns of the category in a state it
    cannot leave."""
    require(actor, "manage", category)
    try:
        flow = workflow.Workflow.from_config(transitions or [])
    except workflow.WorkflowConfigError as error:
        raise ValidationError(
            {"transitions": [reason_text(reason) for reason in error.reasons]}
        ) from error
    stranded = (
        category.concerns.open()
        .values("state")
        .annotate(n=Count("pk"))
        .order_by("state")
        .values_list("state", "n")
    )
    problems = [
        ngettext(
            "%(count)d open concern is %(state)s, a state this workflow cannot leave.",
            "%(count)d open concerns are %(state)s, a state this workflow cannot leave.",
            count,
        )
        % {"count": count, "state": State(state).label}
        for state, count in stranded
        if not flow.targets(state)
    ]
    if problems:
        raise ValidationError({"transitions": problems})
    default = workflow.Workflow.default().to_config()
    category.transitions = [] if flow.to_config() == default else flow.to_config()
    return _store(category, actor)
