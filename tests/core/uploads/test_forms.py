import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from smartcity.core.uploads.forms import ImageUploadField, MultipleImageUploadField
from smartcity.core.uploads.models import ImageUpload
from smartcity.core.uploads.services import store_image, store_images
from tests.core.uploads.images import jpeg_bytes, png_bytes, webp_bytes

pytestmark = pytest.mark.django_db


class PhotoForm(forms.Form):
    photo = ImageUploadField(label="Photo")


class ConcernPhotosForm(forms.Form):
    photos = MultipleImageUploadField(max_files=3, required=False, label="Photos")


class RequiredPhotosForm(forms.Form):
    photos = MultipleImageUploadField(max_files=2, label="Photos")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def jpeg(name="photo.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def test_renamed_pdf_shows_the_error_next_to_the_field():
    pdf = SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n%%EOF\n", content_type="image/jpeg")
    form = PhotoForm(data={}, files={"photo": pdf})
    assert not form.is_valid()
    message = (
        "The file is not a JPEG, PNG or WebP image. Please choose a photo in one of these formats."
    )
    assert form.errors == {"photo": [message]}
    html = form.as_div()
    assert message in html
    assert 'accept="image/jpeg,image/png,image/webp"' in html


def test_oversize_photo_shows_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    big = SimpleUploadedFile("big.jpg", b"\xff" * (3 * 1024 * 1024), content_type="image/jpeg")
    form = PhotoForm(data={}, files={"photo": big})
    assert not form.is_valid()
    assert form.errors["photo"] == ["The file is too large. Files may be at most 2 MB."]


def test_valid_photo_is_prepared_once_and_stored_from_the_form(memory_storage):
    form = PhotoForm(data={}, files={"photo": jpeg()})
    assert form.is_valid(), form.errors
    photo = form.cleaned_data["photo"]
    assert photo.prepared_image.content_type == "image/jpeg"
    stored = store_image(photo)
    assert stored.sha256 == photo.prepared_image.sha256
    assert memory_storage.exists(stored.file.name)


def test_missing_required_photo():
    form = PhotoForm(data={}, files={})
    assert not form.is_valid()
    assert form.errors["photo"] == ["This field is required."]


def test_up_to_three_photos_are_accepted_and_stored_together():
    files = [
        jpeg(),
        SimpleUploadedFile("b.png", png_bytes(), content_type="image/png"),
        SimpleUploadedFile("c.webp", webp_bytes(), content_type="image/webp"),
    ]
    form = ConcernPhotosForm(data={}, files={"photos": files})
    assert form.is_valid(), form.errors
    stored = store_images(form.cleaned_data["photos"])
    assert [item.content_type for item in stored] == ["image/jpeg", "image/png", "image/webp"]
    assert ImageUpload.objects.count() == 3


def test_a_fourth_photo_is_refused_before_any_is_decoded():
    files = [jpeg(), jpeg(), jpeg(), jpeg()]
    form = ConcernPhotosForm(data={}, files={"photos": files})
    assert not form.is_valid()
    assert form.errors["photos"] == ["You can upload at most 3 images."]
    assert not any(hasattr(item, "prepared_image") for item in files)


def test_each_bad_photo_is_named_in_its_error():
    files = [jpeg("good.jpg"), SimpleUploadedFile("invoice.jpg", b"%PDF-1.4\n")]
    form = ConcernPhotosForm(data={}, files={"photos": files})
    assert not form.is_valid()
    assert form.errors["photos"] == [
        "invoice.jpg: The file is not a JPEG, PNG or WebP image. Please choose a photo in one "
        "of these formats."
    ]


def test_optional_photos_may_be_left_out_and_required_ones_not():
    form = ConcernPhotosForm(data={}, files={})
    assert form.is_valid() and form.cleaned_data["photos"] == []
    form = RequiredPhotosForm(data={}, files={})
    assert not form.is_valid()
    assert form.errors["photos"] == ["This field is required."]


def test_multiple_field_renders_an_accessible_multiple_file_input():
    with translation.override("en"):
        html = ConcernPhotosForm().as_div()
    assert 'type="file"' in html and "multiple" in html
    assert '<label for="id_photos">Photos:</label>' in html
    assert "Up to 3 images (JPEG, PNG or WebP)." in html
