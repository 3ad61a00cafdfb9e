import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartcity.core import permissions
from smartcity.core.privacy import export_user_data
from smartcity.core.uploads.models import ImageUpload
from smartcity.core.uploads.services import store_image
from tests.conftest import PASSWORD, make_user
from tests.core.uploads.images import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(citizen):
    data = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    return store_image(data, uploaded_by=citizen, alt_text="Broken bench")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("citizen", True),  # the uploader
        ("other_citizen", False),
        ("staff", False),
        ("department_admin", False),
        ("platform_admin", True),
    ],
)
def test_who_may_view_change_and_delete_an_upload(users, photo, role, allowed):
    user = make_user("other@example.org") if role == "other_citizen" else users[role]
    assert permissions.can(user, "view", photo) is allowed
    assert permissions.can(user, "change", photo) is allowed
    assert permissions.can(user, "delete", photo) is allowed
    assert permissions.can(user, "manage", photo) is (role == "platform_admin")


def test_admin_lists_thumbnails_read_only(client, platform_admin, photo):
    client.login(email=platform_admin.email, password=PASSWORD)
    response = client.get("/admin/uploads/imageupload/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'src="{photo.thumbnail_url}"' in body
    assert 'alt="Broken bench"' in body
    assert "64 × 32" in body
    assert client.get("/admin/uploads/imageupload/add/").status_code == 403
    detail = client.get(f"/admin/uploads/imageupload/{photo.pk}/change/")
    assert detail.status_code == 200
    assert 'name="alt_text"' not in detail.content.decode()


def test_admin_is_closed_to_department_staff(client, department_admin, photo):
    department_admin.is_staff = True
    department_admin.save()
    client.login(email=department_admin.email, password=PASSWORD)
    assert client.get("/admin/uploads/imageupload/").status_code == 403


def test_personal_data_export_lists_the_uploads(citizen, photo):
    section = export_user_data(citizen)["sections"]["uploads"]
    assert section == [
        {
            "id": photo.pk,
            "uploaded_at": photo.created_at.isoformat(),
            "content_type": "image/jpeg",
            "width": 64,
            "height": 32,
            "size_bytes": photo.size_bytes,
            "alt_text": "Broken bench",
            "url": photo.url,
        }
    ]
    assert ImageUpload.objects.count() == 1
