"""Creating a service request (GeoReport v2 POST) through ``submit_concern``.

The view checks the partner app's key and ``jurisdiction_id``. Parameters:
``service_code``; the location as ``lat`` and ``long`` (WGS84), with ``address_string``
as the address people read; ``description``; ``attribute[code]`` answers
(``attribute[code][]`` or repeated for several values); the reporter's ``email``,
``first_name``, ``last_name`` and ``phone`` (never public); up to three photos as
multipart ``media`` files (media-upload extension).

Not accepted, with a reason: ``media_url`` (the city does not fetch files from elsewhere:
a fetched file could not be checked and cleaned like an upload) and a location given only
as ``address_string`` or ``address_id`` (there is no address register to place it by).
``device_id`` and ``account_id`` are not stored: the city needs neither.
"""

import math
import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from smartcity.concerns.open311.formats import Open311Error, Problem
from smartcity.concerns.open311.models import ApiKey, RequestToken
from smartcity.concerns.open311.params import Params, bad, not_found

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")

# The service's error keys as the Open311 parameters a client sent.
_PARAMETERS = {
    "description": "description",
    "address": "address_string",
    "contact_name": "first_name/last_name",
    "contact_email": "email",
    "contact_phone": "phone",
    "photos": "media",
}


def _answers(query) -> dict:
    """``attribute[code]`` parameters: one value as text, several (or ``[]``) as a list."""
    answers = {}
    for name in query:
        match = _ATTRIBUTE.match(name)
        if match is None:
            continue
        values = query.getlist(name)
        code = match.group(1)
        if match.group(2) or len(values) > 1 or isinstance(answers.get(code), list):
            answers[code] = [*answers.get(code, []), *values]
        else:
            answers[code] = values[0]
    return answers


def _problems(error: ValidationError, params: Params) -> list[Problem]:
    """The service's problems, keyed by the Open311 parameters the client sent."""
    problems = []
    for key, messages in error.message_dict.items():
        if key == "category":
            code = params.text("service_code")
            problems.append(
                not_found(_("service_code %(code)s was not found.") % {"code": code[:100]})
                if code
                else bad(_("service_code: please name the service."))
            )
        elif key == "location":
            problems.append(bad(_location_problem(params, messages)))
        else:
            parameter = _PARAMETERS.get(key, key)
            problems += [bad(f"{parameter}: {message}") for message in messages]
    return problems


def _location_problem(params: Params, messages: list[str]) -> str:
    lat, lon = params.text("lat"), params.text("long")
    if not (lat and lon):
        if params.text("address_string") or params.text("address_id"):
            return _(
                "lat/long: please send the location as lat and long (WGS84) as well; "
                "an address alone cannot be placed on the map here."
            )
        return _("lat/long: the location is missing; send lat and long (WGS84).")
    try:
        numbers = float(lat), float(lon)
    except ValueError:
        numbers = (math.nan,)
    if not all(math.isfinite(number) for number in numbers):
        return _("lat/long must be decimal degrees (WGS84), such as lat=51.05 and long=13.74.")
    return "lat/long: " + " ".join(messages)


def create_request(query, files, api_key: ApiKey) -> RequestToken:
    """File the concern the parameters describe and answer with a new token. Every
    problem the checks find comes at once as Open311Error; nothing is stored then."""
    params = Params(query)
    if params.text("media_url"):
        # Refused before anything is stored, so this one comes alone.
        params.problems.append(
            bad(
                _(
                    "media_url: files are not fetched from other addresses; "
                    "send the photo itself as the multipart field media."
                )
            )
        )
    params.check()
    name = " ".join(part for part in (params.text("first_name"), params.text("last_name")) if part)
    try:
        with transaction.atomic():
            submission = services.submit_concern(
                category=params.text("service_code"),
                lat=params.text("lat"),
                lon=params.text("long"),
                description=params.text("description"),
                address=params.text("address_string"),
                attributes=_answers(query),
                photos=files.getlist("media"),
                contact=services.Contact(name, params.text("email"), params.text("phone")),
                channel=Concern.Channel.API,
            )
            return RequestToken.objects.create(
                token=secrets.token_urlsafe(18), concern=submission.concern, api_key=api_key
            )
    except ValidationError as error:
        raise Open311Error(_problems(error, params)) from error


def token(value: str) -> RequestToken | None:
    return RequestToken.objects.select_related("concern").filter(token=value).first()
