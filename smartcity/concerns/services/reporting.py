"""Reporting a concern: checks, routing, target time, photos, duplicate suggestions."""

import io
import math
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcity.concerns.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS,
    Category,
    Concern,
    ConcernEvent,
    ConcernPhoto,
    State,
)
from smartcity.concerns.services import catalogue
from smartcity.concerns.services._common import CREATED, Contact, announce, record, setting
from smartcity.concerns.services.queries import visible_concerns
from smartcity.core.audit.context import acting_as
from smartcity.core.geography import services as geography
from smartcity.core.uploads.services import PREPARED_ATTRIBUTE, prepared_image_of, store_images

IDEMPOTENCY_KEY_MAX_LENGTH = 64
ADDRESS_MAX_LENGTH = Concern._meta.get_field("address").max_length
_CONTACT_LIMITS = {
    "contact_name": Concern._meta.get_field("contact_name").max_length,
    "contact_email": Concern._meta.get_field("contact_email").max_length,
    "contact_phone": Concern._meta.get_field("contact_phone").max_length,
}
_PHONE_CHARACTERS = set("0123456789+-/() ")


@dataclass(frozen=True)
class Submission:
    concern: Concern
    created: bool  # False: the same submission arrived before (a double submit)


@dataclass(frozen=True)
class Nearby:
    concern: Concern
    distance_m: float


def _category(category, errors: dict) -> Category | None:
    if not isinstance(category, Category):
        category = catalogue.category_by_code(category or "")
    if category is None or not category.is_active:
        errors["category"] = _("Please choose one of the categories.")
        return None
    return category


def _coordinate(value) -> float | None:
    try:
        number = float(str(value).strip().replace(",", ".")) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def parse_point(lat, lon) -> tuple[float, float] | None:
    """(lat, lon) from numbers or decimal strings (a decimal comma too); None where either
    is missing, not a number or not finite."""
    lat, lon = _coordinate(lat), _coordinate(lon)
    return None if lat is None or lon is None else (lat, lon)


def is_in_dresden(lat: float, lon: float) -> bool:
    """Whether the point lies within the city; False for impossible coordinates too."""
    try:
        return geography.is_in_city(lon, lat)
    except ValueError:
        return False


def _location(lat, lon, errors: dict):
    point = parse_point(lat, lon)
    if point is None:
        errors["location"] = _("Please mark the place on the map.")
        return None, None, None
    lat, lon = point
    if not is_in_dresden(lat, lon):
        errors["location"] = _(
            "This place lies outside Dresden. Please choose a place within the city."
        )
        return None, None, None
    return lat, lon, geography.area_at(lon, lat)


def _text(value, field: str, max_length: int, errors: dict, *, required=False) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[field] = _("Please describe the concern.")
    elif len(text) > max_length:
        errors[field] = _("Please write at most %(max)d characters.") % {"max": max_length}
    return text


def _contact(contact: Contact | None, errors: dict) -> dict:
    contact = contact or Contact()
    values = {
        "contact_name": str(contact.name or "").strip(),
        "contact_email": str(contact.email or "").strip().lower(),
        "contact_phone": str(contact.phone or "").strip(),
    }
    for field, limit in _CONTACT_LIMITS.items():
        if len(values[field]) > limit:
            errors[field] = _("Please write at most %(max)d characters.") % {"max": limit}
    if values["contact_email"] and "contact_email" not in errors:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = _("Please give a valid e-mail address.")
    if values["contact_phone"] and not set(values["contact_phone"]) <= _PHONE_CHARACTERS:
        errors["contact_phone"] = _("A phone number has digits, spaces and + - / ( ) only.")
    return values


def _photos(photos, errors: dict) -> list:
    """Check every photo now, so that nothing is stored unless the whole report is valid."""
    files = [io.BytesIO(photo) if isinstance(photo, bytes) else photo for photo in photos or ()]
    if len(files) > MAX_PHOTOS:
        errors["photos"] = _("Please attach at most %(max)d photos.") % {"max": MAX_PHOTOS}
        return []
    problems = []
    for number, file in enumerate(files, start=1):
        try:
            # Left on the file for store_images, so that each photo is decoded once.
            setattr(file, PREPARED_ATTRIBUTE, prepared_image_of(file))
        except ValidationError as error:
            problems += [
                _("Photo %(number)d: %(problem)s") % {"number": number, "problem": message}
                for message in error.messages
            ]
    if problems:
        errors["photos"] = problems
    return files


def _idempotency_key(value, errors: dict) -> str:
    key = str(value or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        errors["idempotency_key"] = _("The submission key is not valid.")
        return ""
    return key


def _earlier(key: str, reporter) -> Concern | None:
    earlier = Concern.objects.filter(idempotency_key=key).first()
    if earlier is None or earlier.reporter_id == getattr(reporter, "pk", None):
        return earlier
    raise ValidationError({"idempotency_key": _("The submission key is not valid.")})


def submit_concern(
    *,
    category,
    lat,
    lon,
    description,
    address: str = "",
    attributes=None,
    photos=(),
    contact: Contact | None = None,
    reporter=None,
    idempotency_key: str = "",
    channel: str = Concern.Channel.WEB,
) -> Submission:
    """File a concern, or return the one filed before with the same ``idempotency_key``.

    ``category`` is a :class:`Category` or its service code; ``lat``/``lon`` WGS84 degrees
    (numbers or decimal strings); ``attributes`` maps attribute codes to answers; ``photos``
    are at most three uploaded files or ``bytes``. Raises ValidationError with every
    problem at once, keyed ``category``, ``location``, ``description``, ``address``,
    ``attribute[code]``, ``photos``, ``contact_name``, ``contact_email``,
    ``contact_phone`` or ``idempotency_key``; nothing is stored then.
    The concern is routed to the department of its district, gets its due time from the
    category's target time and waits for review (or the publication delay) to be public.
    """
    errors: dict = {}
    key = _idempotency_key(idempotency_key, errors)
    if key and not errors and (earlier := _earlier(key, reporter)) is not None:
        return Submission(earlier, created=False)
    category = _category(category, errors)
    lat, lon, area = _location(lat, lon, errors)
    description = _text(description, "description", DESCRIPTION_MAX_LENGTH, errors, required=True)
    address = _text(address, "address", ADDRESS_MAX_LENGTH, errors)
    values = {}
    if category is not None:
        try:
            values = catalogue.validate_attributes(category, attributes)
        except ValidationError as error:
            errors.update(error.message_dict)
    contact_values = _contact(contact, errors)
    files = _photos(photos, errors)
    if errors:
        raise ValidationError(errors)

    rule = catalogue.route(category, area)
    now = timezone.now()
    try:
        with transaction.atomic(), acting_as(reporter):
            concern = Concern.objects.create(
                category=category,
                lat=lat,
                lon=lon,
                area=area,
                address=address,
                description=description,
                attributes=values,
                channel=channel,
                reporter=reporter,
                organisation=rule.organisation if rule else None,
                submitted_at=now,
                due_at=category.due_from(now),
                idempotency_key=key,
                **contact_values,
            )
            images = store_images(files, uploaded_by=reporter)
            ConcernPhoto.objects.bulk_create(
                ConcernPhoto(concern=concern, image=image, position=position)
                for position, image in enumerate(images, start=1)
            )
            record(
                concern,
                ConcernEvent.Kind.STATE_CHANGE,
                reporter,
                to_state=State.SUBMITTED,
                is_public=True,
                created_at=now,
            )
            announce(CREATED, concern)
    except IntegrityError:
        # The same key committed by a parallel request in the meantime: that one counts.
        if key and (earlier := _earlier(key, reporter)) is not None:
            return Submission(earlier, created=False)
        raise
    return Submission(concern, created=True)


def nearby_open_concerns(
    category,
    lat: float,
    lon: float,
    radius_m: float | None = None,
    max_age_days: int | None = None,
    *,
    user=None,
) -> list[Nearby]:
    """Open concerns of the category near the place, nearest first: candidate duplicates.

    Only concerns ``user`` may see are offered (published ones, their own, their
    department's). Radius and age default to the settings ``CONCERNS_DUPLICATE_RADIUS_M``
    and ``CONCERNS_DUPLICATE_MAX_AGE_DAYS``.
    """
    radius_m = setting("CONCERNS_DUPLICATE_RADIUS_M") if radius_m is None else radius_m
    if max_age_days is None:
        max_age_days = setting("CONCERNS_DUPLICATE_MAX_AGE_DAYS")
    x, y = geography.to_utm33n(lon, lat)
    # A bounding box in degrees narrows the search before exact distances are computed.
    dlat = radius_m / 111_000 * 1.01
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    candidates = (
        visible_concerns(user)
        .open()
        .filter(
            category=category,
            submitted_at__gte=timezone.now() - timedelta(days=max_age_days),
            lat__range=(lat - dlat, lat + dlat),
            lon__range=(lon - dlon, lon + dlon),
        )
        .select_related("category")
    )
    found = []
    for concern in candidates:
        cx, cy = geography.to_utm33n(concern.lon, concern.lat)
        distance = math.hypot(cx - x, cy - y)
        if distance <= radius_m:
            found.append(Nearby(concern, round(distance, 1)))
    return sorted(found, key=lambda item: item.distance_m)
