"""View decorators every app's staff pages use: anonymous users go to the login, users
without the role get 403. Object-level checks stay with the services."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from smartcity.core.permissions import is_city_staff, is_platform_admin


def _requiring(allowed, refusal):
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not allowed(request.user):
                raise PermissionDenied(str(refusal))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


# Members of an organisation and platform admins.
staff_required = _requiring(is_city_staff, _("This area is for the city's staff."))
platform_admin_required = _requiring(
    is_platform_admin, _("This page is for platform administrators.")
)
