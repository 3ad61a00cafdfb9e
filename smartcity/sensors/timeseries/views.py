"""The aggregation extension of the SensorThings API.

``GET /sta/v1.1/Datastreams({id})/Aggregates?interval=hour&start=...&end=...&functions=...``
answers the buckets of :func:`smartcity.sensors.timeseries.services.aggregate` as JSON.
SensorThings 1.1 has no aggregation of its own (the ``$apply`` of OData 4.0's data
aggregation extension is not part of it), so this is a documented extension next to the
standard resources: docs/sensors-timeseries.md.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from smartcity.sensors.access import visible_things_filter
from smartcity.sensors.models import Datastream, Thing
from smartcity.sensors.timeseries import services
from smartcity.sensors.timeseries.intervals import IntervalError, parse_instant

PARAMETERS = ("interval", "start", "end", "functions")
MAX_ID = 2**63 - 1  # a bigger number is no id and would overflow the database's integer


def _error(status: int, message: str) -> JsonResponse:
    # "detail" is the platform's error key, "message" the one SensorThings servers
    # (FROST-Server) and their clients use.
    return JsonResponse({"code": status, "message": message, "detail": message}, status=status)


def _instant(params, name: str):
    text = params.get(name, "")
    if not text:
        return None, _("Give %(name)s, a date and time such as 2024-05-01T00:00:00Z.") % {
            "name": name
        }
    try:
        return parse_instant(text), None
    except IntervalError:
        return None, _(
            "%(name)s “%(value)s” is not an ISO 8601 date and time with a time zone, "
            "such as 2024-05-01T00:00:00Z."
        ) % {"name": name, "value": text}


@require_GET
def datastream_aggregates(request, datastream_id):
    datastream_id = int(datastream_id)
    visible = Datastream.objects.filter(
        pk=datastream_id, thing__in=Thing.objects.filter(visible_things_filter(request.user))
    )
    if datastream_id > MAX_ID or not visible.exists():
        return _error(404, _("Datastreams(%(id)s) does not exist.") % {"id": datastream_id})
    params = request.GET
    for name in params:
        if name not in PARAMETERS:
            return _error(
                400,
                _("Unknown parameter “%(name)s”; this resource takes %(names)s.")
                % {"name": name, "names": ", ".join(PARAMETERS)},
            )
    start, problem = _instant(params, "start")
    if problem:
        return _error(400, problem)
    end, problem = _instant(params, "end")
    if problem:
        return _error(400, problem)
    functions = params.get("functions")
    chosen = services.FUNCTIONS if functions is None else functions.split(",")
    try:
        series = services.aggregate(
            datastream_id,
            start,
            end,
            interval=params.get("interval", "hour"),
            functions=[name.strip() for name in chosen if name.strip()],
        )
    except services.TimeseriesError as error:
        return _error(400, str(error))
    response = JsonResponse(series.as_dict())
    # Open data, like the rest of /sta/: any web page may read it (without credentials).
    response["Access-Control-Allow-Origin"] = "*"
    return response
