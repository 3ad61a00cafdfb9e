"""Catalogue editing through the services: who may change which part, validation, and the
audit log."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from smartcity.concerns import services
from smartcity.concerns.models import Category, CategoryAttribute, ResponseTemplate, RoutingRule
from smartcity.concerns.services import catalogue
from smartcity.core.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def entries(obj, pk=None):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(pk or obj.pk)
    )


def test_department_admins_of_a_routed_department_edit_texts_only(
    pothole, department_admin, staff, other_department
):
    pothole.name = "Schlagloch (Fahrbahn)"
    pothole.target_hours = 24
    catalogue.save_category(pothole, department_admin)
    entry = entries(pothole).get()
    assert entry.actor == department_admin
    assert entry.before["name"] == "Schlagloch" and entry.after["name"] == "Schlagloch (Fahrbahn)"
    pothole.service_code = "loch"
    with pytest.raises(PermissionDenied):
        catalogue.save_category(pothole, department_admin)
    pothole.refresh_from_db()
    pothole.name = "Von Mitarbeitenden"
    with pytest.raises(PermissionDenied):
        catalogue.save_category(pothole, staff)  # staff, not admin
    assert Category.objects.get(pk=pothole.pk).service_code == "schlagloch"


def test_only_platform_admins_create_categories_and_change_routing_and_questions(
    pothole, department_admin, platform_admin, department, areas
):
    new = Category(service_code="baum", name="Baum")
    with pytest.raises(PermissionDenied):
        catalogue.save_category(new, department_admin)
    catalogue.save_category(new, platform_admin)
    assert entries(new).get().action == "create"
    rule = RoutingRule(category=pothole, area=areas["Pieschen"], organisation=department)
    with pytest.raises(PermissionDenied):
        catalogue.save_part(rule, department_admin)
    catalogue.save_part(rule, platform_admin)
    attribute = pothole.attributes.get()
    pk = attribute.pk
    with pytest.raises(PermissionDenied):
        catalogue.delete_part(attribute, department_admin)
    catalogue.delete_part(attribute, platform_admin)
    assert entries(attribute, pk).get().action == "delete"
    assert catalogue.editable_categories(department_admin).get() == pothole
    assert set(catalogue.editable_categories(platform_admin)) == {pothole, new}


def test_saving_checks_the_model_rules(pothole, platform_admin, department):
    with pytest.raises(ValidationError) as error:
        catalogue.save_category(Category(service_code="schlagloch", name="Doppelt"), platform_admin)
    assert "service_code" in error.value.message_dict
    attribute = CategoryAttribute(
        category=pothole, code="art", description="Art", datatype="singlevaluelist", values=[]
    )
    with pytest.raises(ValidationError) as error:
        catalogue.save_part(attribute, platform_admin)
    assert "values" in error.value.message_dict
    with pytest.raises(ValidationError):
        catalogue.save_part(
            RoutingRule(category=pothole, organisation=department), platform_admin
        )  # a second city-wide rule


def test_response_templates_belong_to_the_departments_admins(pothole, department_admin, staff):
    template = ResponseTemplate(category=pothole, title="Erledigt", text="Repariert.")
    with pytest.raises(PermissionDenied):
        catalogue.save_part(template, staff)
    catalogue.save_part(template, department_admin)
    pk = template.pk
    catalogue.delete_part(template, department_admin)
    assert [e.action for e in entries(template, pk).order_by("pk")] == ["create", "delete"]


def test_a_workflow_is_validated_and_the_default_stored_as_empty(pothole, platform_admin):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        catalogue.set_workflow(pothole, [{"from": "open", "to": "fixed"}], platform_admin)
    assert "could never be closed" in " ".join(error.value.message_dict["transitions"])
    own = [
        {"from": "submitted", "to": "open", "public_note": False},
        {"from": "open", "to": "fixed", "public_note": True},
    ]
    catalogue.set_workflow(pothole, own, platform_admin)
    assert pothole.transitions == own
    default = pothole.get_workflow().default().to_config()
    catalogue.set_workflow(pothole, default, platform_admin)
    assert Category.objects.get(pk=pothole.pk).transitions == []


def test_a_workflow_may_not_strand_open_concerns(pothole, platform_admin, submit, staff):
    services.change_state(services.change_state(submit(), "open", staff), "in_progress", staff)
    own = [
        {"from": "submitted", "to": "open", "public_note": False},
        {"from": "open", "to": "fixed", "public_note": False},
    ]
    with translation.override("en"), pytest.raises(ValidationError) as error:
        catalogue.set_workflow(pothole, own, platform_admin)
    assert error.value.message_dict["transitions"] == [
        "1 open concern is in progress, a state this workflow cannot leave."
    ]
