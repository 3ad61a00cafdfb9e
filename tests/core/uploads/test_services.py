import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from smartcity.core.uploads.models import ImageUpload
from smartcity.core.uploads.services import delete_image, prepare_image, store_image, store_images
from tests.core.uploads.conftest import read_stored
from tests.core.uploads.images import (
    GPS_IFD,
    GPS_LATITUDE,
    jpeg_bytes,
    noisy_jpeg,
    png_bytes,
    png_header_only,
    reopen,
    two_colour_image,
    webp_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def upload(data: bytes, name="IMG_2024_Mustermann_Zuhause.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def assert_no_metadata(data: bytes):
    image = reopen(data)
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(GPS_IFD) == {}
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"):
        assert key not in image.info
    assert getattr(image, "text", {}) == {}
    for secret in (b"Exif", b"secret", b"Musterstrasse", b"Mustermann", b"PhoneMaker"):
        assert secret not in data


def test_the_test_images_really_carry_gps_and_text():
    photo = reopen(jpeg_bytes(orientation=6))
    assert photo.getexif().get_ifd(GPS_IFD)[GPS_LATITUDE] == (51.0, 3.0, 7.0)
    assert photo.getexif()[0x0112] == 6
    assert "comment" in photo.info and "xmp" in photo.info
    screenshot = reopen(png_bytes())
    assert screenshot.text["Author"] == "Erika Mustermann"
    assert "icc_profile" in screenshot.info and "exif" in screenshot.info


def test_jpeg_is_stored_without_exif_gps_xmp_or_comment(memory_storage, citizen):
    stored = store_image(upload(jpeg_bytes()), uploaded_by=citizen, alt_text=" A pothole ")
    file_data = read_stored(memory_storage, stored.file.name)
    assert_no_metadata(file_data)
    assert_no_metadata(read_stored(memory_storage, stored.thumbnail.name))
    assert stored.content_type == "image/jpeg"
    assert reopen(file_data).format == "JPEG"
    assert stored.size_bytes == len(file_data)
    assert stored.sha256 == hashlib.sha256(file_data).hexdigest()
    assert (stored.width, stored.height) == (64, 32)
    assert stored.uploaded_by == citizen
    assert stored.alt_text == "A pothole"
    assert ImageUpload.objects.get() == stored


def test_png_text_chunks_icc_and_exif_are_removed_and_alpha_kept(memory_storage):
    image = two_colour_image().convert("RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    stored = store_image(upload(png_bytes(image), "screenshot.png", "image/png"))
    file_data = read_stored(memory_storage, stored.file.name)
    assert_no_metadata(file_data)
    cleaned = reopen(file_data)
    assert cleaned.format == "PNG" and stored.content_type == "image/png"
    assert cleaned.getpixel((0, 0))[3] == 0
    assert cleaned.getpixel((40, 10)) == (20, 20, 220, 255)
    # Transparency would be lost in JPEG, so this thumbnail stays PNG.
    thumbnail = reopen(read_stored(memory_storage, stored.thumbnail.name))
    assert thumbnail.format == "PNG"
    assert_no_metadata(read_stored(memory_storage, stored.thumbnail.name))


def test_webp_is_accepted_and_cleaned(memory_storage):
    stored = store_image(upload(webp_bytes(), "foto.webp", "image/webp"))
    file_data = read_stored(memory_storage, stored.file.name)
    assert reopen(file_data).format == "WEBP" and stored.content_type == "image/webp"
    assert_no_metadata(file_data)
    assert stored.file.name.endswith(".webp")
    # An opaque image gets a JPEG thumbnail, the smallest for photos.
    assert reopen(read_stored(memory_storage, stored.thumbnail.name)).format == "JPEG"


def test_exif_orientation_is_applied_to_file_and_thumbnail(memory_storage):
    tiny = store_image(upload(jpeg_bytes(Image.new("RGB", (2, 1), "white"), orientation=6)))
    assert (tiny.width, tiny.height) == (1, 2)
    assert reopen(read_stored(memory_storage, tiny.file.name)).size == (1, 2)
    assert reopen(read_stored(memory_storage, tiny.thumbnail.name)).size == (1, 2)

    # Orientation 6 means "rotate 90° clockwise to view": the left half ends up on top.
    stored = store_image(upload(png_bytes(orientation=6), "rotated.png", "image/png"))
    upright = reopen(read_stored(memory_storage, stored.file.name)).convert("RGB")
    assert upright.size == (32, 64)
    assert upright.getpixel((16, 10)) == (220, 20, 20)
    assert upright.getpixel((16, 54)) == (20, 20, 220)


def test_thumbnail_fits_in_400_pixels_and_keeps_the_aspect_ratio(memory_storage):
    stored = store_image(upload(jpeg_bytes(two_colour_image((1200, 800)))))
    thumbnail = reopen(read_stored(memory_storage, stored.thumbnail.name))
    assert thumbnail.size == (400, 267)
    assert (stored.thumbnail_width, stored.thumbnail_height) == (400, 267)
    assert thumbnail.format == "JPEG"
    tall = store_image(upload(jpeg_bytes(two_colour_image((300, 2000)))))
    assert max(reopen(read_stored(memory_storage, tall.thumbnail.name)).size) == 400


def test_stored_names_are_random_not_the_uploaders_file_name():
    first = store_image(upload(jpeg_bytes(), "Erika-Mustermann-Wohnzimmer.jpg"))
    second = store_image(upload(jpeg_bytes(), "Erika-Mustermann-Wohnzimmer.jpg"))
    for name in (first.file.name, first.thumbnail.name, second.file.name):
        assert "Mustermann" not in name and "Wohnzimmer" not in name
    assert first.file.name.startswith("uploads/images/")
    assert first.thumbnail.name.startswith("uploads/thumbnails/")
    assert first.file.name != second.file.name
    assert first.sha256 == second.sha256


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n", "scan.jpg"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "photo.png"),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!", "animation.webp"),
        (b"\xff\xd8\xff\xe0 not really a jpeg at all", "photo.jpeg"),
    ],
)
def test_content_that_is_not_a_jpeg_png_or_webp_is_refused(content, name):
    with pytest.raises(ValidationError) as error:
        store_image(upload(content, name, "image/jpeg"))
    assert error.value.code in ("not_an_image", "damaged")
    assert ImageUpload.objects.count() == 0


def test_renamed_pdf_gets_a_clear_message():
    with pytest.raises(ValidationError) as error:
        prepare_image(upload(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "foto.jpg"))
    assert error.value.code == "not_an_image"
    assert error.value.messages == [
        "The file is not a JPEG, PNG or WebP image. Please choose a photo in one of these formats."
    ]


def test_a_gif_is_refused_even_though_it_is_an_image():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    with pytest.raises(ValidationError) as error:
        prepare_image(upload(buffer.getvalue(), "photo.gif", "image/gif"))
    assert error.value.code == "not_an_image"


def test_oversize_file_is_refused_with_the_limit_in_the_message(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as error:
        store_image(upload(b"\xff\xd8" + b"\x00" * (1024 * 1024)))
    assert error.value.code == "too_large"
    assert error.value.messages == ["The file is too large. Files may be at most 1 MB."]
    settings.UPLOAD_MAX_BYTES = 1536 * 1024
    with pytest.raises(ValidationError) as error:
        prepare_image(upload(b"\x00" * (1536 * 1024 + 1)))
    assert "at most 1.5 MB" in error.value.messages[0]
    with translation.override("de"), pytest.raises(ValidationError) as error:
        prepare_image(upload(b"\x00" * (1536 * 1024 + 1)))
    assert "1,5 MB" in error.value.messages[0]


class CountingStream(io.RawIOBase):
    """A stream of unknown size that counts what is read from it."""

    def __init__(self, total):
        self.remaining = total
        self.read_bytes = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        self.remaining -= size
        self.read_bytes += size
        return b"\x00" * size


def test_a_stream_of_unknown_size_is_not_read_past_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    stream = CountingStream(50 * 1024 * 1024)
    with pytest.raises(ValidationError) as error:
        prepare_image(stream)
    assert error.value.code == "too_large"
    assert stream.read_bytes == 64 * 1024 + 1


def test_truncated_jpeg_is_refused():
    data = noisy_jpeg()
    with pytest.raises(ValidationError) as error:
        store_image(upload(data[: len(data) // 2]))
    assert error.value.code == "damaged"
    assert error.value.messages == [
        "The image could not be read. The file may be damaged or incomplete."
    ]


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        prepare_image(io.BytesIO(b""))
    assert error.value.messages == ["The file is empty."]


@pytest.mark.parametrize(
    "size",
    [
        (100_000, 100_000),  # above Pillow's own bomb limit: its error becomes ours
        (8_000, 8_000),  # 64 megapixels: above the platform's limit
        (25_000, 10),  # few pixels, absurd side
    ],
)
def test_decompression_bombs_and_absurd_dimensions_are_refused(size):
    with pytest.raises(ValidationError) as error:
        store_image(upload(png_header_only(*size), "bomb.png", "image/png"))
    assert error.value.code == "too_many_pixels"
    assert error.value.messages == [
        "The image has too many pixels. Images may have at most 50 megapixels and 20,000 "
        "pixels on their longest side."
    ]
    assert ImageUpload.objects.count() == 0


def test_cmyk_jpeg_is_stored_as_rgb(memory_storage):
    buffer = io.BytesIO()
    Image.new("CMYK", (20, 20), (0, 255, 255, 0)).save(buffer, "JPEG")
    stored = store_image(upload(buffer.getvalue()))
    cleaned = reopen(read_stored(memory_storage, stored.file.name))
    assert cleaned.mode == "RGB"
    red, green, blue = cleaned.getpixel((10, 10))
    assert red > 240 and green < 15 and blue < 15


def test_alt_text_longer_than_the_column_is_refused():
    with pytest.raises(ValidationError) as error:
        store_image(upload(jpeg_bytes()), alt_text="x" * 301)
    assert error.value.messages == ["The text alternative may be at most 300 characters long."]
    assert ImageUpload.objects.count() == 0


def test_store_images_checks_every_file_before_storing_any(memory_storage):
    with pytest.raises(ValidationError):
        store_images([upload(jpeg_bytes()), upload(b"%PDF-1.4", "b.jpg")])
    assert ImageUpload.objects.count() == 0
    stored = store_images([upload(jpeg_bytes()), upload(webp_bytes(), "b.webp")])
    assert [item.content_type for item in stored] == ["image/jpeg", "image/webp"]


def test_delete_image_removes_both_files_after_commit(
    memory_storage, django_capture_on_commit_callbacks
):
    stored = store_image(upload(jpeg_bytes()))
    names = [stored.file.name, stored.thumbnail.name]
    assert all(memory_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        delete_image(stored)
    assert not any(memory_storage.exists(name) for name in names)
    assert ImageUpload.objects.count() == 0


def test_queryset_delete_also_removes_files(memory_storage, django_capture_on_commit_callbacks):
    stored = store_image(upload(jpeg_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        ImageUpload.objects.all().delete()
    assert not memory_storage.exists(stored.file.name)
    assert not memory_storage.exists(stored.thumbnail.name)


def test_deleting_the_uploader_keeps_the_image_without_owner(citizen):
    stored = store_image(upload(jpeg_bytes()), uploaded_by=citizen)
    citizen.delete()
    stored.refresh_from_db()
    assert stored.uploaded_by is None
