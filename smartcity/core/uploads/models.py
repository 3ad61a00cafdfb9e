"""Images uploaded by people, stored cleaned (no metadata) with a thumbnail.

Rows are created only through ``smartcity.core.uploads.services.store_image``; the files
live in Django's default storage (local ``MEDIA_ROOT`` or S3), never at an assumed path.
An owning app (concerns, participation, ...) points at an ``ImageUpload`` with its own
foreign key and decides who else may see it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Year/month folders keep directory listings small on file systems; the file name itself
# is random (see services), so the folder reveals no more than ``created_at`` does.
IMAGE_DIR = "uploads/images/%Y/%m/"
THUMBNAIL_DIR = "uploads/thumbnails/%Y/%m/"


class ImageUpload(models.Model):
    file = models.FileField(_("file"), upload_to=IMAGE_DIR, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=THUMBNAIL_DIR, max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width in pixels"))
    height = models.PositiveIntegerField(_("height in pixels"))
    thumbnail_width = models.PositiveIntegerField(_("thumbnail width in pixels"))
    thumbnail_height = models.PositiveIntegerField(_("thumbnail height in pixels"))
    sha256 = models.CharField(
        _("SHA-256 of the stored file"), max_length=64, db_index=True, editable=False
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="image_uploads",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    alt_text = models.CharField(
        _("text alternative"),
        max_length=300,
        blank=True,
        help_text=_("Describes the image for people who cannot see it."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("image upload")
        verbose_name_plural = _("image uploads")

    def __str__(self):
        return f"{self.file.name} ({self.width}×{self.height})"

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def thumbnail_url(self) -> str:
        return self.thumbnail.url
