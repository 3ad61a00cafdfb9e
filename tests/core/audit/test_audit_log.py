import pytest

from smartcity.core.accounts.models import Membership, Organisation
from smartcity.core.audit.context import acting_as
from smartcity.core.audit.models import AuditEntry, AuditLogIsAppendOnly


@pytest.mark.django_db
def test_staff_change_through_admin_is_logged_with_before_and_after(
    client, platform_admin, department
):
    client.force_login(platform_admin)
    response = client.post(
        f"/admin/accounts/organisation/{department.pk}/change/",
        {
            "name": "Umweltamt Dresden",
            "short_name": "UA",
            "slug": "ua",
            "kind": "department",
            "description": "",
            "email": "",
            "website": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update")
    assert entry.actor == platform_admin
    assert entry.actor_label == platform_admin.email
    assert entry.before["name"] == "Umweltamt"
    assert entry.after["name"] == "Umweltamt Dresden"
    assert entry.changed_fields == ["name"]
    assert entry.request_path.startswith("/admin/accounts/organisation/")


@pytest.mark.django_db
def test_create_and_delete_by_staff_are_logged(department_admin, department, citizen):
    with acting_as(department_admin):
        membership = Membership.objects.create(user=citizen, organisation=department)
        membership.delete()
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["create", "delete"]
    deleted = AuditEntry.objects.get(action="delete")
    assert deleted.before["user"] == str(citizen.pk) and deleted.after is None


@pytest.mark.django_db
def test_citizen_and_system_writes_are_not_staff_writes(citizen):
    with acting_as(citizen):
        citizen.display_name = "Erika"
        citizen.save()
    Organisation.objects.create(name="Neu", slug="neu", kind="partner")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_password_change_is_logged_without_the_hash(platform_admin, staff):
    with acting_as(platform_admin):
        staff.set_password("another-secret-123")
        staff.save()
    entry = AuditEntry.objects.get()
    assert entry.before["password"] == "••••"
    assert entry.after["password"] == "•••• (changed)"
    assert "md5" not in str(entry.before) + str(entry.after)


@pytest.mark.django_db
def test_saving_unchanged_object_writes_nothing(platform_admin, department):
    with acting_as(platform_admin):
        department.save()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted(platform_admin, department):
    with acting_as(platform_admin):
        department.name = "X"
        department.save()
    entry = AuditEntry.objects.get()
    entry.object_repr = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().update(object_repr="forged")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()


@pytest.mark.django_db
def test_admin_shows_filterable_log_read_only(client, platform_admin, department, staff):
    with acting_as(platform_admin):
        department.name = "Umweltamt (neu)"
        department.save()
    client.force_login(platform_admin)
    listing = client.get("/admin/audit/auditentry/?action__exact=update")
    assert listing.status_code == 200
    assert "Umweltamt (neu)" in listing.content.decode()
    entry = AuditEntry.objects.get()
    detail = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert (
        client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    client.force_login(staff)
    assert client.get("/admin/audit/auditentry/").status_code == 302
