"""Storing images that people upload: checked, cleaned of metadata, thumbnailed.

The public face of the uploads app for other apps:

* :func:`prepare_image` runs every check and produces the cleaned bytes without storing
  anything (the form field uses it, so a view shows the error next to the field);
* :func:`store_image` / :func:`store_images` store cleaned images and return
  :class:`~smartcity.core.uploads.models.ImageUpload` rows;
* :func:`delete_image` removes a row and, once the transaction commits, its files.

What "cleaned" means (ARCHITECTURE section 8, "Photos lose EXIF (GPS included) on
upload"): the pixels are decoded, turned upright by the EXIF orientation, converted to
sRGB and copied into a new image that carries no metadata at all, then encoded again.
Nothing from the original container survives: no EXIF (so no GPS position, camera serial
number or capture time), no XMP, no IPTC, no JPEG comments, no PNG text chunks and no
embedded ICC profile. The ICC profile is not kept because it is not harmless in every
case: profiles made by devices and editing software carry free-text description,
copyright and device tags. Converting to sRGB first keeps the colours right, since
browsers treat untagged images as sRGB; wide-gamut photos (Display P3) lose the colours
outside sRGB, which nobody notices in a photo of a pothole.
"""

import contextlib
import hashlib
import io
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from smartcity.core.uploads.models import ImageUpload

logger = logging.getLogger(__name__)

# Pillow labels JPEGs with a multi-picture extension (many phone cameras) as MPO; they are
# opened through the JPEG plugin and stored as plain JPEG (first picture only).
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP")
_OUTPUT_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ACCEPT = ",".join(CONTENT_TYPES.values())

THUMBNAIL_MAX_PX = 400
JPEG_QUALITY = 85
WEBP_QUALITY = 85
ALT_TEXT_MAX_LENGTH = ImageUpload._meta.get_field("alt_text").max_length

# A 50 megapixel camera (8160 × 6120) still fits; decoding such an image takes about
# 150 MB of memory, which bounds what one upload can cost the server. Settings
# UPLOAD_MAX_PIXELS and UPLOAD_MAX_SIDE_PX override these.
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_SIDE_PX = 20_000

_READ_CHUNK = 1024 * 1024
_MIB = 1024 * 1024


def max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def max_pixels() -> int:
    return getattr(settings, "UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def max_side_px() -> int:
    return getattr(settings, "UPLOAD_MAX_SIDE_PX", DEFAULT_MAX_SIDE_PX)


def _megabytes(size_bytes: int) -> str:
    value = size_bytes / _MIB
    return number_format(value, decimal_pos=0 if value == int(value) else 1)


def _too_large() -> ValidationError:
    return ValidationError(
        _("The file is too large. Files may be at most %(limit)s MB."),
        code="too_large",
        params={"limit": _megabytes(max_bytes())},
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _(
            "The image has too many pixels. Images may have at most %(megapixels)s "
            "megapixels and %(side)s pixels on their longest side."
        ),
        code="too_many_pixels",
        params={
            "megapixels": number_format(max_pixels() / 1_000_000, decimal_pos=0),
            "side": number_format(max_side_px(), force_grouping=True),
        },
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        _(
            "The file is not a JPEG, PNG or WebP image. Please choose a photo in one of "
            "these formats."
        ),
        code="not_an_image",
    )


def _damaged() -> ValidationError:
    return ValidationError(
        _("The image could not be read. The file may be damaged or incomplete."),
        code="damaged",
    )


@dataclass(frozen=True)
class PreparedImage:
    """A checked and cleaned image, ready to store: nothing of the upload's metadata left."""

    format: str
    content: bytes
    width: int
    height: int
    sha256: str
    thumbnail_format: str
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


# The attribute under which the form field leaves its result on the uploaded file, so
# that store_image does not decode the same image twice in one request.
PREPARED_ATTRIBUTE = "prepared_image"


def _read_limited(file_obj) -> bytes:
    """Read the whole file, but never more than the limit plus one byte."""
    limit = max_bytes()
    size = getattr(file_obj, "size", None)
    if isinstance(size, int) and size > limit:
        raise _too_large()
    # A stream that cannot seek is read from where it stands.
    with contextlib.suppress(AttributeError, OSError, ValueError):
        file_obj.seek(0)
    chunks = []
    total = 0
    while True:
        chunk = file_obj.read(min(_READ_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_large()
    return b"".join(chunks)


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise _damaged()
    if width * height > max_pixels() or max(width, height) > max_side_px():
        raise _too_many_pixels()


def _decode(data: bytes) -> Image.Image:
    """Sniff the format from the content and decode the pixels, or raise ValidationError.

    The file name and the client's Content-Type are never consulted. Pillow tries only the
    JPEG, PNG and WebP decoders, so no other decoder ever sees untrusted bytes. A
    "decompression bomb" (a small file declaring a huge image) is refused from its header,
    before any pixel is decoded: by our own limits and, above twice Pillow's
    ``Image.MAX_IMAGE_PIXELS``, by Pillow itself.
    """
    try:
        with Image.open(io.BytesIO(data), formats=_OPEN_FORMATS) as probe:
            _check_dimensions(*probe.size)
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
        image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise _too_many_pixels() from error
    except UnidentifiedImageError as error:
        raise _not_an_image() from error
    except Exception as error:
        # Corrupt input makes Pillow's decoders raise OSError, SyntaxError, ValueError,
        # struct.error, EOFError and more; for the person uploading they all mean "damaged".
        raise _damaged() from error
    if image.format not in _OUTPUT_FORMAT:
        raise _not_an_image()
    return image


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # A malformed EXIF block must not cost the person their photo; the pixels are fine
        # and are kept as stored, only their rotation is unknown.
        logger.info("EXIF orientation unreadable; image kept unrotated", exc_info=True)
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Apply an embedded ICC profile so that the profile itself can be dropped."""
    profile = image.info.get("icc_profile")
    if image.mode == "CMYK":
        target_mode = "RGB"
    elif image.mode in ("RGB", "RGBA"):
        target_mode = image.mode
    else:
        # Greyscale and palette profiles change little; the pixels are kept as they are.
        return image
    if not profile:
        return image.convert(target_mode) if image.mode != target_mode else image
    try:
        return ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            outputMode=target_mode,
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        logger.info("ICC profile unusable; colours taken as sRGB", exc_info=True)
        return image.convert(target_mode) if image.mode != target_mode else image


def _to_8_bit(image: Image.Image) -> Image.Image:
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit greyscale PNG: scale to 8 bits rather than clip everything above 255.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "F":
        return image.convert("L")
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _output_mode(image: Image.Image, output_format: str) -> str:
    alpha = _has_alpha(image)
    grey = image.mode in ("1", "L", "LA")
    if output_format == "JPEG":
        return "L" if grey else "RGB"
    if output_format == "PNG" and grey:
        return "LA" if alpha else "L"
    return "RGBA" if alpha else "RGB"


def _without_metadata(image: Image.Image, output_format: str) -> Image.Image:
    """A new image holding only the pixels: its ``info`` is empty and it has no EXIF.

    Copying the pixels into a fresh image matters because Pillow's encoders fall back to
    the source image's ``info`` for some metadata (PNG: the ICC profile, JPEG: the comment).
    """
    image = _to_8_bit(_to_srgb(_upright(image)))
    mode = _output_mode(image, output_format)
    if image.mode != mode:
        image = image.convert(mode)
    return Image.frombytes(mode, image.size, image.tobytes())


def _encode(image: Image.Image, output_format: str) -> bytes:
    buffer = io.BytesIO()
    if output_format == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif output_format == "WEBP":
        image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _thumbnail(image: Image.Image, output_format: str) -> tuple[Image.Image, str]:
    """At most THUMBNAIL_MAX_PX on each side; JPEG unless transparency must survive."""
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX), Image.Resampling.LANCZOS)
    if thumb.mode in ("RGBA", "LA"):
        if thumb.getchannel("A").getextrema() != (255, 255):
            return thumb, output_format
        thumb = thumb.convert(thumb.mode[:-1])
    return thumb, "JPEG"


def prepare_image(file_obj) -> PreparedImage:
    """Check an uploaded image and clean it, without storing anything.

    ``file_obj`` is a file-like object (a Django ``UploadedFile``, ``File``, an open file
    or ``io.BytesIO``) or ``bytes``. Raises ``ValidationError`` with a translatable
    message and one of the codes ``too_large``, ``empty``, ``not_an_image``, ``damaged``
    or ``too_many_pixels``.
    """
    if isinstance(file_obj, bytes | bytearray):
        file_obj = io.BytesIO(file_obj)
    data = _read_limited(file_obj)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    with _decode(data) as source:
        output_format = _OUTPUT_FORMAT[source.format]
        clean = _without_metadata(source, output_format)
    content = _encode(clean, output_format)
    thumb, thumb_format = _thumbnail(clean, output_format)
    return PreparedImage(
        format=output_format,
        content=content,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(content).hexdigest(),
        thumbnail_format=thumb_format,
        thumbnail=_encode(thumb, thumb_format),
        thumbnail_width=thumb.width,
        thumbnail_height=thumb.height,
    )


def prepared_image_of(file_obj) -> PreparedImage:
    """The form field's result where it left one, else a fresh :func:`prepare_image`."""
    prepared = getattr(file_obj, PREPARED_ATTRIBUTE, None)
    return prepared if isinstance(prepared, PreparedImage) else prepare_image(file_obj)


def _clean_alt_text(alt_text: str) -> str:
    alt_text = (alt_text or "").strip()
    if len(alt_text) > ALT_TEXT_MAX_LENGTH:
        raise ValidationError(
            _("The text alternative may be at most %(max)d characters long."),
            code="alt_text_too_long",
            params={"max": ALT_TEXT_MAX_LENGTH},
        )
    return alt_text


def _delete_files(storage, names) -> None:
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            # The row is already gone; a file left behind is logged for the operators
            # rather than failing the person's request.
            logger.exception("could not delete uploaded file %s", name)


def _files_of(upload: ImageUpload) -> list[str]:
    return [upload.file.name, upload.thumbnail.name]


def _save(prepared: PreparedImage, *, uploaded_by, alt_text: str) -> ImageUpload:
    upload = ImageUpload(
        content_type=prepared.content_type,
        size_bytes=len(prepared.content),
        width=prepared.width,
        height=prepared.height,
        thumbnail_width=prepared.thumbnail_width,
        thumbnail_height=prepared.thumbnail_height,
        sha256=prepared.sha256,
        uploaded_by=uploaded_by,
        alt_text=alt_text,
    )
    # A random name: the person's file name often holds their name or the place.
    token = secrets.token_hex(16)
    try:
        upload.file.save(
            f"{token}.{EXTENSIONS[prepared.format]}", ContentFile(prepared.content), save=False
        )
        upload.thumbnail.save(
            f"{token}.{EXTENSIONS[prepared.thumbnail_format]}",
            ContentFile(prepared.thumbnail),
            save=False,
        )
        upload.save()
    except BaseException:
        _delete_files(upload.file.storage, _files_of(upload))
        raise
    return upload


def store_image(file_obj, *, uploaded_by=None, alt_text: str = "") -> ImageUpload:
    """Check, clean and store one image; raise ValidationError for anything unacceptable."""
    alt_text = _clean_alt_text(alt_text)
    return _save(prepared_image_of(file_obj), uploaded_by=uploaded_by, alt_text=alt_text)


def store_images(files, *, uploaded_by=None) -> list[ImageUpload]:
    """Store several images, all or none: every file is checked before the first is stored."""
    prepared = [prepared_image_of(file_obj) for file_obj in files]
    stored: list[ImageUpload] = []
    try:
        with transaction.atomic():
            for item in prepared:
                stored.append(_save(item, uploaded_by=uploaded_by, alt_text=""))
    except BaseException:
        for upload in stored:
            _delete_files(upload.file.storage, _files_of(upload))
        raise
    return stored


def delete_image(upload: ImageUpload) -> None:
    """Delete the row; its files leave storage when the transaction commits."""
    upload.delete()


def remove_files_after_delete(sender, instance: ImageUpload, **kwargs) -> None:
    """post_delete receiver: also covers cascades, queryset deletes and the admin.

    The files go only on commit, so a rolled-back deletion leaves a complete row behind.
    """
    storage = instance.file.storage
    names = _files_of(instance)
    transaction.on_commit(lambda: _delete_files(storage, names))


def export_uploads(user) -> list[dict]:
    """DSGVO export: the images a person uploaded (the owning apps say what for)."""
    return [
        {
            "id": upload.pk,
            "uploaded_at": upload.created_at.isoformat(),
            "content_type": upload.content_type,
            "width": upload.width,
            "height": upload.height,
            "size_bytes": upload.size_bytes,
            "alt_text": upload.alt_text,
            "url": upload.url,
        }
        for upload in ImageUpload.objects.filter(uploaded_by=user).order_by("created_at", "pk")
    ]
