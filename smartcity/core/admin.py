from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from smartcity.core.models import AccessibilityFeedback

admin.site.site_header = _("Smart City Dresden administration")
admin.site.site_title = _("Smart City Dresden")


@admin.register(AccessibilityFeedback)
class AccessibilityFeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "page_url", "handled"]
    list_filter = ["handled"]
    readonly_fields = ["created_at", "page_url", "description", "name", "email"]
