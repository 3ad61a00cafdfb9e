from urllib.parse import urlsplit

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from smartcity.core.notifications.models import Delivery, PushSubscription


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Delivery statistics, read-only; the filters show counts per channel and status.

    Message titles, texts and recipients are left out: the statistics need none of them.
    """

    list_display = ["created_at", "channel", "status", "topic", "attempted_at", "short_error"]
    list_filter = ["channel", "status", "notification__topic", "created_at"]
    show_facets = admin.ShowFacets.ALWAYS
    date_hierarchy = "created_at"
    fields = ["channel", "status", "topic", "created_at", "attempted_at", "error"]
    readonly_fields = fields
    list_select_related = ["notification"]

    @admin.display(description=_("topic"), ordering="notification__topic")
    def topic(self, obj):
        return obj.notification.topic

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return obj.error[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """Browsers with Web Push; admins may remove one (for example a push service that keeps
    failing) but cannot create or edit any."""

    list_display = [
        "user",
        "push_service",
        "user_agent",
        "created_at",
        "last_success_at",
        "failure_count",
    ]
    list_filter = ["created_at", "last_success_at"]
    search_fields = ["user__email", "endpoint", "user_agent"]
    fields = ["user", "endpoint", "user_agent", "created_at", "last_success_at", "failure_count"]
    readonly_fields = fields

    @admin.display(description=_("push service"))
    def push_service(self, obj):
        return urlsplit(obj.endpoint).hostname

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
