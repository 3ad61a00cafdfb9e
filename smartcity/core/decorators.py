"""View decorators every app's staff pages use."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from smartcity.core.permissions import is_city_staff


def staff_required(view):
    """Members of an organisation and platform admins; citizens 403, anonymous users to the
    login. Object-level checks stay with the services."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_city_staff(request.user):
            raise PermissionDenied(_("This area is for the city's staff."))
        return view(request, *args, **kwargs)

    return wrapper
