"""Admin for platform admins: the catalogue is edited here; concerns are read here and only
moderated, through the services, so that every change lands in the concern's history and
the audit log like a change made in the back office. Contact data shows only to those the
permission policy allows (smartcity.concerns.policies)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from smartcity.concerns import services
from smartcity.concerns.models import (
    Category,
    CategoryAttribute,
    Concern,
    ConcernEvent,
    ConcernPhoto,
    Follow,
    ResponseTemplate,
    RoutingRule,
)
from smartcity.concerns.policies import is_responsible_staff

CONTACT_FIELDS = ["reporter", "contact_name", "contact_email", "contact_phone"]
MODERATION_FIELDS = ["text_hidden", "photos_hidden", "personal_data_hidden"]


def _platform_admin(request) -> bool:
    return request.user.is_active and request.user.is_superuser


class PlatformAdminOnly:
    def has_module_permission(self, request):
        return _platform_admin(request)

    def has_view_permission(self, request, obj=None):
        return _platform_admin(request)

    def has_add_permission(self, request, obj=None):
        return _platform_admin(request)

    def has_change_permission(self, request, obj=None):
        return _platform_admin(request)

    def has_delete_permission(self, request, obj=None):
        return _platform_admin(request)


class ReadOnly(PlatformAdminOnly):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0
    fields = [
        "order",
        "code",
        "datatype",
        "required",
        "variable",
        "description",
        "datatype_description",
        "values",
    ]


class TemplateInline(admin.TabularInline):
    model = ResponseTemplate
    extra = 0
    fields = ["order", "title", "state", "text"]


class RoutingInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Category)
class CategoryAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = ["name", "service_code", "group", "target_hours", "is_active", "is_demo"]
    list_filter = ["group", "is_active", "is_demo"]
    search_fields = ["name", "service_code", "keywords"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AttributeInline, TemplateInline, RoutingInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = ["category", "area", "organisation"]
    list_filter = ["organisation", "category"]
    list_select_related = ["category", "area", "organisation"]
    autocomplete_fields = ["organisation"]


class PhotoInline(ReadOnly, admin.TabularInline):
    model = ConcernPhoto
    extra = 0
    fields = ["position", "image"]
    readonly_fields = fields


class EventInline(ReadOnly, admin.TabularInline):
    model = ConcernEvent
    extra = 0
    fields = ["created_at", "kind", "from_state", "to_state", "is_public", "organisation", "text"]
    readonly_fields = fields
    can_delete = False


@admin.register(Concern)
class ConcernAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = [
        "service_request_id",
        "category",
        "state",
        "organisation",
        "area",
        "submitted_at",
        "due_at",
        "published_at",
        "is_demo",
    ]
    list_filter = ["state", "category", "organisation", "is_demo", "publication_withheld"]
    search_fields = ["service_request_id", "description", "address"]
    date_hierarchy = "submitted_at"
    list_select_related = ["category", "organisation", "area"]
    inlines = [PhotoInline, EventInline]
    actions = ["publish_selected"]

    def get_fields(self, request, obj=None):
        fields = [
            "service_request_id",
            "category",
            "state",
            "organisation",
            "assignee",
            "area",
            "lat",
            "lon",
            "address",
            "description",
            "attributes",
            "channel",
            "submitted_at",
            "due_at",
            "first_assigned_at",
            "closed_at",
            "escalated_at",
            "forwarded_to",
            "forward_count",
            "duplicate_of",
            "published_at",
            "publication_withheld",
            *MODERATION_FIELDS,
            "fix_question_sent_at",
            "fix_confirmed",
            "anonymised_at",
            "is_demo",
        ]
        if obj is not None and is_responsible_staff(request.user, obj):
            fields += CONTACT_FIELDS
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.get_fields(request, obj) if name not in MODERATION_FIELDS]

    def has_add_permission(self, request, obj=None):
        return False  # concerns are filed through the services' checks

    def save_model(self, request, obj, form, change):
        # Through the service: the change is checked and enters the history.
        services.hide(
            obj,
            request.user,
            text=form.cleaned_data["text_hidden"],
            photos=form.cleaned_data["photos_hidden"],
            personal_data=form.cleaned_data["personal_data_hidden"],
        )

    @admin.action(description=_("Publish the selected concerns"))
    def publish_selected(self, request, queryset):
        for concern in queryset:
            services.publish(concern, request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d concern published.", "%(count)d concerns published.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ConcernEvent)
class ConcernEventAdmin(ReadOnly, admin.ModelAdmin):
    """The history is append-only, as the audit log is."""

    list_display = ["created_at", "concern", "kind", "to_state", "is_public", "organisation"]
    list_filter = ["kind", "is_public"]
    search_fields = ["concern__service_request_id", "text"]
    list_select_related = ["concern", "concern__category", "organisation"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Follow)
class FollowAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "concern", "area", "created_at"]
    list_select_related = ["user", "concern", "concern__category", "area"]
    search_fields = ["user__email", "concern__service_request_id"]
