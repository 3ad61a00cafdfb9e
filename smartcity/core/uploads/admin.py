from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from smartcity.core.uploads.models import ImageUpload


@admin.register(ImageUpload)
class ImageUploadAdmin(admin.ModelAdmin):
    """Read-only list with thumbnails for platform admins; deleting also removes the files."""

    list_display = ["preview", "created_at", "content_type", "dimensions", "size", "uploaded_by"]
    list_filter = ["content_type", "created_at"]
    search_fields = ["sha256", "alt_text", "uploaded_by__email"]
    date_hierarchy = "created_at"
    list_select_related = ["uploaded_by"]
    fields = [
        "preview",
        "file",
        "thumbnail",
        "content_type",
        "dimensions",
        "size",
        "sha256",
        "alt_text",
        "uploaded_by",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy"'
            ' style="max-width: 120px; height: auto">',
            obj.thumbnail_url,
            obj.alt_text,
            obj.thumbnail_width,
            obj.thumbnail_height,
        )

    @admin.display(description=_("dimensions"))
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}"

    @admin.display(description=_("size"), ordering="size_bytes")
    def size(self, obj):
        return filesizeformat(obj.size_bytes)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
