"""Who may see and change what: every role against every core object type."""

import pytest

from smartcity.core.accounts.models import Membership
from smartcity.core.audit.models import AuditEntry
from smartcity.core.permissions import can, require, role_of

ROLES = ["anonymous", "citizen", "staff", "department_admin", "platform_admin"]

# expected[object][action] = set of roles allowed
EXPECTED = {
    "own_department": {
        "view": set(ROLES),
        "change": {"department_admin", "platform_admin"},
        "delete": {"platform_admin"},
        "manage": {"department_admin", "platform_admin"},
    },
    "other_department": {
        "view": set(ROLES),
        "change": {"platform_admin"},
        "delete": {"platform_admin"},
        "manage": {"platform_admin"},
    },
    "membership_in_department": {
        "view": {"staff", "department_admin", "platform_admin"},
        "change": {"department_admin", "platform_admin"},
        "delete": {"department_admin", "platform_admin"},
        "manage": {"department_admin", "platform_admin"},
    },
    "citizen_account": {
        "view": {"citizen", "platform_admin"},
        "change": {"citizen", "platform_admin"},
        "delete": {"citizen", "platform_admin"},
        "manage": {"platform_admin"},
    },
    "audit_entry": {
        "view": {"platform_admin"},
        "change": set(),
        "delete": set(),
        "manage": set(),
    },
}


@pytest.fixture
def objects(users, department, other_department, staff):
    from django.contrib.contenttypes.models import ContentType

    entry = AuditEntry.objects.create(
        actor=None,
        actor_label="system",
        action="create",
        content_type=ContentType.objects.get_for_model(department),
        object_id=str(department.pk),
        object_repr=str(department),
    )
    return {
        "own_department": department,
        "other_department": other_department,
        "membership_in_department": Membership.objects.get(user=staff),
        "citizen_account": users["citizen"],
        "audit_entry": entry,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("obj_name", sorted(EXPECTED))
@pytest.mark.parametrize("action", ["view", "change", "delete", "manage"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(users, objects, obj_name, action, role):
    allowed = role in EXPECTED[obj_name][action]
    assert can(users[role], action, objects[obj_name]) is allowed


@pytest.mark.django_db
def test_roles_are_named(users):
    assert {name: role_of(user) for name, user in users.items()} == {r: r for r in ROLES}


@pytest.mark.django_db
def test_require_raises_permission_denied(users, department):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        require(users["citizen"], "change", department)
    require(users["department_admin"], "change", department)


@pytest.mark.django_db
def test_inactive_admin_loses_every_right(users, department):
    admin = users["platform_admin"]
    admin.is_active = False
    admin.save()
    assert not can(admin, "view", AuditEntry(action="create", actor_label="x", object_id="1"))
    assert not can(admin, "change", department)


@pytest.mark.django_db
def test_unknown_action_is_an_error(users, department):
    with pytest.raises(ValueError, match="unknown action"):
        can(users["citizen"], "steal", department)
