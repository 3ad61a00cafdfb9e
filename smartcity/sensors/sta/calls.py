"""One request to the SensorThings service and its answer, whatever carried the request.

A :class:`Call` comes from HTTP (``sta/views.py``), from one request of a ``$batch``
(``sta/batch.py``) or from an MQTT message (``mqtt/ingest.py``); the service
(``sta/service.py``) answers it with a :class:`Result`. Whatever below the service cannot
succeed raises :class:`Problem`, which the service answers as an :func:`error`.
"""

import json
from dataclasses import dataclass, field

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.utils.translation import gettext as _

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
# Datetimes and other non-JSON values are written by Django's encoder, as before orjson.
_ENCODER = DjangoJSONEncoder()
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class Problem(Exception):
    """An answer other than success, raised anywhere below :meth:`Service.handle`."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def _reject_constant(name):
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


@dataclass
class Call:
    """One request to the service: from HTTP, or one request of a ``$batch``."""

    method: str
    resource: str  # the path below the service root, URL-decoded
    query: QueryDict
    request_path: str  # the path as the client sees it, for next links
    content_type: str = ""
    body: bytes = b""

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def json(self, media_types=(JSON,)):
        """The body, read as JSON sent as one of ``media_types``."""
        if self.media_type not in media_types:
            raise Problem(
                400,
                _("the body must be sent as Content-Type %(types)s, not %(given)s")
                % {"types": " or ".join(media_types), "given": self.media_type or _("none")},
            )
        try:
            return json.loads(self.body.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            raise Problem(400, _("the body is not UTF-8 text")) from None
        except ValueError as problem:
            raise Problem(
                400, _("the body is not valid JSON: %(error)s") % {"error": problem}
            ) from None


@dataclass
class Result:
    """What one request produced: a status, a JSON value or text, and headers.

    The HTTP view, MQTT ingest and the batch processor all work with it; ``data`` None
    means no body. ``raw`` is a body already encoded, of type ``raw_type`` (a multipart
    batch answer).
    """

    status: int
    data: object = None
    headers: dict[str, str] = field(default_factory=dict)
    text: bool = False
    raw: bytes | None = None
    raw_type: str = ""

    @property
    def content_type(self) -> str:
        if self.raw is not None:
            return self.raw_type
        return TEXT_TYPE if self.text else JSON_TYPE

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.data is None:
            return b""
        if self.text:
            return str(self.data).encode()
        try:
            # orjson writes a 10 MB response in a tenth of the time of the json module.
            return orjson.dumps(self.data, default=_ENCODER.default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:  # an integer beyond 64 bits, which JSON allows
            return json.dumps(self.data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


def error(status: int, detail: str, headers: dict | None = None) -> Result:
    return Result(status, {"detail": detail}, dict(headers or {}))
