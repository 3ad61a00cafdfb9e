"""Editing the catalogue in the back office: categories, questions with value lists,
routing, response templates and workflows, each change in the audit log."""

import pytest
from django.contrib.contenttypes.models import ContentType

from smartcity.concerns.models import Category, CategoryAttribute, ResponseTemplate, RoutingRule
from smartcity.core.audit.models import AuditEntry
from tests.concerns.web.office_support import client_of, messages_of, text_of

pytestmark = pytest.mark.django_db
__all__ = ["client_of"]  # fixtures

BASE = "/concerns/office/catalogue"


def audited(model, obj, actor) -> AuditEntry:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=str(obj.pk), actor=actor
    ).latest("pk")


def test_a_department_admin_edits_texts_and_target_time(client_of, department_admin, pothole):
    admin = client_of(department_admin)
    form = text_of(admin.get(f"{BASE}/schlagloch/edit/"))
    assert 'name="name"' in form and 'name="target_hours"' in form
    assert 'name="service_code"' not in form and 'name="is_active"' not in form
    response = admin.post(
        f"{BASE}/schlagloch/edit/",
        {"name": "Schlagloch oder Riss", "group": "Straßen", "target_hours": "48"},
        follow=True,
    )
    assert "The category “Schlagloch oder Riss” was saved." in messages_of(response)
    pothole.refresh_from_db()
    assert (pothole.name, pothole.target_hours) == ("Schlagloch oder Riss", 48)
    entry = audited(Category, pothole, department_admin)
    assert entry.action == "update"
    assert entry.before["target_hours"] == "72" and entry.after["target_hours"] == "48"
    # Fields beyond the form stay as they were, even when posted.
    admin.post(
        f"{BASE}/schlagloch/edit/",
        {"name": "Schlagloch", "target_hours": "48", "service_code": "neu", "is_active": ""},
    )
    pothole.refresh_from_db()
    assert (pothole.service_code, pothole.is_active) == ("schlagloch", True)


def test_bad_catalogue_input_gets_an_error_and_keeps_what_was_typed(
    client_of, department_admin, pothole
):
    response = client_of(department_admin).post(
        f"{BASE}/schlagloch/edit/", {"name": "Schlagloch neu", "target_hours": "0"}
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "Ensure this value is greater than or equal to 1." in page
    assert 'value="Schlagloch neu"' in page


def test_a_platform_admin_creates_a_category_with_its_parts(
    client_of, platform_admin, department, areas
):
    admin = client_of(platform_admin)
    response = admin.post(
        f"{BASE}/new/",
        {
            "service_code": "baum",
            "name": "Baum",
            "group": "Grün",
            "description": "Umgestürzte oder kranke Bäume",
            "keywords": "Ast, Baum",
            "target_hours": "96",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{BASE}/baum/"
    category = Category.objects.get(service_code="baum")
    assert audited(Category, category, platform_admin).action == "create"

    response = admin.post(
        f"{BASE}/baum/attributes/new/",
        {
            "code": "gefahr",
            "description": "Besteht Gefahr?",
            "datatype": "singlevaluelist",
            "required": "on",
            "variable": "on",
            "order": "1",
            "value_lines": "ja: Ja, akut\nnein: Nein",
        },
        follow=True,
    )
    attribute = CategoryAttribute.objects.get(category=category, code="gefahr")
    assert attribute.values == [{"key": "ja", "name": "Ja, akut"}, {"key": "nein", "name": "Nein"}]
    assert audited(CategoryAttribute, attribute, platform_admin).action == "create"
    assert "ja: Ja, akut; nein: Nein" in text_of(response)

    admin.post(f"{BASE}/baum/routing/new/", {"area": "", "organisation": department.pk})
    admin.post(
        f"{BASE}/baum/routing/new/",
        {"area": areas["Neustadt"].pk, "organisation": department.pk},
    )
    assert RoutingRule.objects.filter(category=category).count() == 2
    rule = RoutingRule.objects.get(category=category, area=areas["Neustadt"])
    assert audited(RoutingRule, rule, platform_admin).action == "create"

    admin.post(
        f"{BASE}/baum/templates/new/",
        {"title": "Gefällt", "state": "fixed", "text": "Der Baum wurde entfernt.", "order": "0"},
    )
    template = ResponseTemplate.objects.get(category=category)
    assert audited(ResponseTemplate, template, platform_admin).action == "create"

    page = text_of(admin.get(f"{BASE}/baum/"))
    for shown in ("Besteht Gefahr?", "The whole city → Umweltamt", "Neustadt → Umweltamt"):
        assert shown in page
    assert "Der Baum wurde entfernt." in page


def test_a_second_city_wide_rule_is_refused(client_of, platform_admin, pothole, department):
    response = client_of(platform_admin).post(
        f"{BASE}/schlagloch/routing/new/", {"area": "", "organisation": department.pk}
    )
    assert response.status_code == 400
    assert RoutingRule.objects.filter(category=pothole, area=None).count() == 1


def test_value_lists_are_checked(client_of, platform_admin, pothole):
    admin = client_of(platform_admin)
    base = {"code": "art", "description": "Welche Art?", "variable": "on", "order": "0"}
    cases = {
        "singlevaluelist": ("", "A choice needs at least one value."),
        "multivaluelist": ("a: A\na: B", "Each key may appear only once."),
        "number": ("a: A", "Only the choice types have values."),
        "string": ("ohne Doppelpunkt", "Line 1: write “key: name”."),
    }
    for datatype, (lines, error) in cases.items():
        response = admin.post(
            f"{BASE}/schlagloch/attributes/new/",
            base | {"datatype": datatype, "value_lines": lines},
        )
        assert response.status_code == 400, datatype
        assert error in text_of(response)
    assert not CategoryAttribute.objects.filter(code="art").exists()


def test_deleting_a_part(client_of, platform_admin, department_admin, pothole):
    attribute = pothole.attributes.get()
    response = client_of(department_admin).post(
        f"{BASE}/schlagloch/attributes/{attribute.pk}/delete/"
    )
    assert response.status_code == 403
    response = client_of(platform_admin).post(
        f"{BASE}/schlagloch/attributes/{attribute.pk}/delete/", follow=True
    )
    assert "“schlagloch/groesse” was deleted." in messages_of(response)
    assert not CategoryAttribute.objects.filter(pk=attribute.pk).exists()
    assert audited(CategoryAttribute, attribute, platform_admin).action == "delete"


def test_a_department_admin_manages_response_templates(client_of, department_admin, pothole):
    admin = client_of(department_admin)
    admin.post(
        f"{BASE}/schlagloch/templates/new/",
        {"title": "Geplant", "state": "planned", "text": "Wir reparieren im Mai.", "order": "0"},
    )
    template = ResponseTemplate.objects.get(category=pothole)
    admin.post(
        f"{BASE}/schlagloch/templates/{template.pk}/",
        {"title": "Geplant", "state": "planned", "text": "Wir reparieren im Juni.", "order": "0"},
    )
    template.refresh_from_db()
    assert template.text == "Wir reparieren im Juni."
    entry = audited(ResponseTemplate, template, department_admin)
    assert (entry.before["text"], entry.after["text"]) == (
        "Wir reparieren im Mai.",
        "Wir reparieren im Juni.",
    )


def workflow_post(rows, **extra):
    data = {
        "transitions-TOTAL_FORMS": str(len(rows)),
        "transitions-INITIAL_FORMS": "0",
        "transitions-MIN_NUM_FORMS": "0",
        "transitions-MAX_NUM_FORMS": "1000",
    }
    for index, (source, target, note) in enumerate(rows):
        data[f"transitions-{index}-source"] = source
        data[f"transitions-{index}-target"] = target
        if note:
            data[f"transitions-{index}-public_note"] = "on"
    return data | extra


def test_a_category_gets_its_own_workflow(client_of, platform_admin, pothole):
    admin = client_of(platform_admin)
    page = text_of(admin.get(f"{BASE}/schlagloch/workflow/"))
    assert 'name="transitions-TOTAL_FORMS" value="31"' in page  # 28 default rows + 3 empty
    rows = [("submitted", "open", False), ("open", "fixed", False), ("fixed", "reopened", True),
            ("reopened", "fixed", False), ("open", "rejected", True), ("", "", False)]  # fmt: skip
    response = admin.post(f"{BASE}/schlagloch/workflow/", workflow_post(rows), follow=True)
    assert "The workflow was saved." in messages_of(response)
    pothole.refresh_from_db()
    assert pothole.transitions[1] == {"from": "open", "to": "fixed", "public_note": False}
    assert "This category has its own workflow." in text_of(response)
    assert audited(Category, pothole, platform_admin).after["transitions"]
    response = admin.post(f"{BASE}/schlagloch/workflow/", {"default": "1"}, follow=True)
    assert "The category follows the default workflow again." in messages_of(response)
    pothole.refresh_from_db()
    assert pothole.transitions == []


def test_an_unusable_workflow_is_refused_with_its_reasons(client_of, platform_admin, pothole):
    rows = [("submitted", "open", False), ("open", "submitted", False), ("open", "", False)]
    response = client_of(platform_admin).post(f"{BASE}/schlagloch/workflow/", workflow_post(rows))
    assert response.status_code == 400
    assert "Choose both states of a transition, or neither." in text_of(response)
    rows = [("submitted", "open", False), ("open", "in_progress", False)]
    response = client_of(platform_admin).post(f"{BASE}/schlagloch/workflow/", workflow_post(rows))
    assert response.status_code == 400
    assert "The workflow was not saved:" in text_of(response)
    assert "could never be closed" in text_of(response)
    pothole.refresh_from_db()
    assert pothole.transitions == []
