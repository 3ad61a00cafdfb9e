"""Following a concern or an area, to hear about changes and new concerns there."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from smartcity.concerns.models import Follow
from smartcity.core.permissions import is_authenticated, require


def _target(concern, area) -> dict:
    if (concern is None) == (area is None):
        raise ValidationError(_("Follow either a concern or an area."))
    return {"concern": concern} if concern is not None else {"area": area}


def follow(user, *, concern=None, area=None) -> Follow:
    """Follow one concern (that ``user`` may see) or every published concern of an area."""
    if not is_authenticated(user):
        raise PermissionDenied(_("Please log in to follow concerns."))
    target = _target(concern, area)
    if concern is not None:
        require(user, "view", concern)
    follow_, _created = Follow.objects.get_or_create(user=user, **target)
    return follow_


def unfollow(user, *, concern=None, area=None) -> bool:
    """Stop following; False when ``user`` did not follow it."""
    if not is_authenticated(user):
        return False
    deleted, _counts = Follow.objects.filter(user=user, **_target(concern, area)).delete()
    return bool(deleted)


def follows_of(user):
    """What ``user`` follows, newest first."""
    if not is_authenticated(user):
        return Follow.objects.none()
    return Follow.objects.filter(user=user).select_related("concern", "concern__category", "area")
