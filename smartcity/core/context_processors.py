from django.conf import settings

from smartcity.core import navigation
from smartcity.core.permissions import is_city_staff, is_platform_admin


def platform(request):
    user = getattr(request, "user", None)
    return {
        "is_staff_member": is_city_staff(user),
        "is_platform_admin": is_platform_admin(user),
        "main_navigation": navigation.main_entries(),
        "staff_navigation": navigation.staff_entries(),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
