from django.contrib import admin

from smartcity.core.geography.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "area_km2", "is_demo", "source", "updated_at"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["name", "slug", "code"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["area_km2", "created_at", "updated_at"]
    fields = [
        "kind",
        "name",
        "slug",
        "code",
        "is_demo",
        "source",
        "geometry",
        "area_km2",
        "created_at",
        "updated_at",
    ]
