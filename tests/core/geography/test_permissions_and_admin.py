"""Who may see and change areas, and the admin's edits landing in the audit log."""

import json

import pytest

from smartcity.core.audit.models import AuditEntry
from smartcity.core.geography.models import Area
from smartcity.core.permissions import can

ROLES = ["anonymous", "citizen", "staff", "department_admin", "platform_admin"]


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_view_only_platform_admins_change(users, demo_areas, role):
    area = Area.objects.get(slug="altstadt")
    user = users[role]
    assert can(user, "view", area)
    for action in ("change", "delete", "manage"):
        assert can(user, action, area) == (role == "platform_admin")


def admin_form(area, **changes):
    data = {
        "kind": area.kind,
        "name": area.name,
        "slug": area.slug,
        "code": area.code,
        "is_demo": "on" if area.is_demo else "",
        "source": area.source,
        "geometry": json.dumps(area.geometry),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_admin_lists_and_filters_areas(client, platform_admin, demo_areas):
    client.force_login(platform_admin)
    response = client.get("/admin/geography/area/", {"kind__exact": "ortschaft", "q": "Weixdorf"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Weixdorf" in page and "Altfranken" not in page


def test_admin_edit_is_audited_and_recomputes_the_area(client, platform_admin, demo_areas):
    client.force_login(platform_admin)
    area = Area.objects.get(slug="cotta")
    square = {
        "type": "Polygon",
        "coordinates": [
            [[13.66, 51.05], [13.68, 51.05], [13.68, 51.06], [13.66, 51.06], [13.66, 51.05]]
        ],
    }
    response = client.post(
        f"/admin/geography/area/{area.pk}/change/",
        admin_form(area, geometry=json.dumps(square), is_demo="", source="survey 2025"),
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.area_km2 == pytest.approx(1.556, abs=0.01)
    entry = AuditEntry.objects.get(action="update", object_id=str(area.pk))
    assert entry.actor == platform_admin
    assert {"geometry", "is_demo", "source", "area_km2"} <= set(entry.changed_fields)


def test_admin_rejects_an_invalid_geometry_with_the_reason(client, platform_admin, demo_areas):
    client.force_login(platform_admin)
    area = Area.objects.get(slug="cotta")
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[13.66, 51.05], [13.68, 51.06], [13.68, 51.05], [13.66, 51.06], [13.66, 51.05]]
        ],
    }
    response = client.post(
        f"/admin/geography/area/{area.pk}/change/", admin_form(area, geometry=json.dumps(bowtie))
    )
    assert response.status_code == 200
    assert "the geometry is not valid: Self-intersection" in response.content.decode()
    assert not AuditEntry.objects.filter(object_id=str(area.pk)).exists()
