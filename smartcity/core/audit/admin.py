from django.contrib import admin

from smartcity.core.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: platform admins view and filter the log; nobody edits or deletes it."""

    list_display = ["timestamp", "actor_label", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type", "timestamp"]
    search_fields = ["actor_label", "object_repr", "object_id", "request_path"]
    date_hierarchy = "timestamp"
    readonly_fields = [
        "timestamp",
        "actor",
        "actor_label",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "request_path",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
