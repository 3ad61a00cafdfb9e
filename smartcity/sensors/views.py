"""Web pages of the sensor backbone: the public sensor map, Datastream pages with their
series (JSON and CSV), and the staff pages for Things, sensor tokens, alert rules and alerts.

Reading follows :func:`smartcity.sensors.access.visible_things_filter`; a Datastream that
the user may not read does not exist for them (404). Writes go through the forms in
:mod:`smartcity.sensors.forms`, which call the sensor services.
"""

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from smartcity.core.datasets import cell_text
from smartcity.core.decorators import staff_required
from smartcity.core.geography.services import areas_geojson
from smartcity.core.permissions import can, is_city_staff, is_platform_admin
from smartcity.core.rendering import render_form
from smartcity.sensors.access import visible_things_filter
from smartcity.sensors.alerting import services as alerting
from smartcity.sensors.alerting.models import Alert, AlertRule
from smartcity.sensors.forms import (
    SERIES_PARAMETERS,
    AlertActionForm,
    RuleForm,
    SeriesForm,
    ThingForm,
    TokenForm,
)
from smartcity.sensors.models import Datastream, SensorToken, Thing
from smartcity.sensors.mqtt import dead_letters
from smartcity.sensors.services import (
    manageable_organisations,
    manageable_things,
    manageable_tokens,
    revoke_token,
)
from smartcity.sensors.timeseries import services as timeseries
from smartcity.sensors.timeseries.intervals import format_instant

# A stream without a value for this long is shown as stale on the map.
STALE_AFTER = timedelta(hours=2)
# Raw values per chart request; more would make the browser slow, so the client is told
# to ask for hourly or daily aggregates instead.
MAX_RAW_POINTS = 5000
# One less than the raw read limit: the extra row tells that there were more.
MAX_CSV_ROWS = timeseries.MAX_WINDOW - 1
ALERTS_PER_PAGE = 50
ALERT_FILTERS = ("open", "acknowledged", "closed")
# Shapes drawn under the sensors, so the map means something without a tile server.
CONTEXT_AREAS = ("city", "stadtbezirk")


def _state_labels() -> dict[str, str]:
    return {
        "ok": _("OK"),
        "alert": _("Alert open"),
        "stale": _("Stale: no value for 2 hours"),
    }


def _format_value(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return formats.localize(value, use_l10n=True)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _unit_symbol(datastream: Datastream) -> str:
    unit = datastream.unit_of_measurement or {}
    return unit.get("symbol") or unit.get("name") or ""


def _visible_things(user):
    return Thing.objects.filter(visible_things_filter(user))


# --- The public sensor map -----------------------------------------------------------------


@dataclass
class StreamRow:
    datastream: Datastream
    time: datetime | None
    value: Any
    state: str
    state_label: str

    @property
    def unit(self) -> str:
        return _unit_symbol(self.datastream)

    @property
    def value_text(self) -> str:
        return _format_value(self.value)


@dataclass
class ThingRow:
    thing: Thing
    streams: list[StreamRow] = field(default_factory=list)
    state: str = "ok"
    state_label: str = ""

    @property
    def is_demo(self) -> bool:
        return self.thing.is_demo


def _stream_state(reading_time, alerted: bool, now) -> str:
    if alerted:
        return "alert"
    if reading_time is None or now - reading_time > STALE_AFTER:
        return "stale"
    return "ok"


def _thing_state(streams: list[StreamRow]) -> str:
    states = {stream.state for stream in streams}
    if "alert" in states:
        return "alert"
    if "stale" in states or not streams:
        return "stale"
    return "ok"


def network_overview(user, now=None) -> list[ThingRow]:
    """Every Thing ``user`` may read with its Datastreams' latest values and states.

    Latest values come from one :func:`timeseries.latest` call, open alerts from one query.
    """
    now = now or timezone.now()
    labels = _state_labels()
    streams = Datastream.objects.select_related("observed_property").order_by("name", "pk")
    things = list(
        _visible_things(user)
        .select_related("organisation")
        .prefetch_related("locations", Prefetch("datastreams", queryset=streams))
        .order_by("name", "pk")
    )
    ids = [datastream.pk for thing in things for datastream in thing.datastreams.all()]
    readings = timeseries.latest(ids)
    alerted = set(
        Alert.objects.filter(
            status__in=Alert.ACTIVE, rule__datastream__thing__in=_visible_things(user)
        ).values_list("rule__datastream_id", flat=True)
    )
    rows = []
    for thing in things:
        row = ThingRow(thing)
        for datastream in thing.datastreams.all():
            reading = readings.get(datastream.pk)
            time = parse_datetime(reading.time) if reading else None
            state = _stream_state(time, datastream.pk in alerted, now)
            row.streams.append(
                StreamRow(
                    datastream,
                    time,
                    reading.value if reading else None,
                    state,
                    labels[state],
                )
            )
        row.state = _thing_state(row.streams)
        row.state_label = labels[row.state]
        rows.append(row)
    return rows


GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
}


def _geometry(location) -> dict | None:
    """The GeoJSON geometry of a SensorThings Location (a geometry or a Feature)."""
    value = location.location if location is not None else None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, dict) and value.get("type") in GEOMETRY_TYPES:
        return value
    return None


def things_geojson(rows: list[ThingRow]) -> dict:
    """The map's features: one per located Thing, its state and latest values as text."""
    features = []
    for row in rows:
        geometry = _geometry(next(iter(row.thing.locations.all()), None))
        if geometry is None:
            continue
        values = [
            {
                "label": stream.datastream.observed_property.name,
                "text": f"{stream.value_text} {stream.unit}".strip()
                if stream.time
                else _("no value yet"),
                "url": reverse("sensors:datastream", args=[stream.datastream.pk]),
            }
            for stream in row.streams
        ]
        features.append(
            {
                "type": "Feature",
                "id": row.thing.pk,
                "geometry": geometry,
                "properties": {
                    "name": row.thing.name,
                    "state": row.state,
                    "stateLabel": row.state_label,
                    "demo": row.is_demo,
                    "demoLabel": _("Demo data") if row.is_demo else "",
                    "values": values,
                    "tableLink": f"#thing-{row.thing.pk}",
                    "tableLabel": _("Show in the table"),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def sensor_map(request):
    rows = network_overview(request.user)
    counts = {state: sum(1 for row in rows if row.state == state) for state in ("ok", "alert")}
    counts["stale"] = len(rows) - counts["ok"] - counts["alert"]
    return render(
        request,
        "sensors/map.html",
        {
            "things": rows,
            "things_geojson": things_geojson(rows),
            "areas_geojson": areas_geojson(CONTEXT_AREAS),
            "state_labels": _state_labels(),
            "counts": counts,
        },
    )


# --- Datastream pages and their series -----------------------------------------------------


def _readable_datastream(user, pk):
    return (
        Datastream.objects.select_related(
            "thing", "thing__organisation", "sensor", "observed_property"
        )
        .filter(pk=pk, thing__in=_visible_things(user))
        .first()
    )


def _suggested_interval(start: datetime, end: datetime) -> str:
    return "hour" if (end - start) / timedelta(hours=1) <= MAX_RAW_POINTS else "day"


def series_payload(datastream: Datastream, start, end, interval: str, *, limit: int) -> dict:
    """The values of ``datastream`` in ``[start, end)``: raw (at most ``limit``) or hourly or
    daily minimum, mean and maximum. Raises TimeseriesError for parameters it cannot answer."""
    payload = {
        "datastream": datastream.pk,
        "name": datastream.name,
        "interval": interval,
        "timeZone": timezone.get_default_timezone_name(),
        "unitOfMeasurement": datastream.unit_of_measurement,
        "limit": limit,
        "truncated": False,
        "suggestedInterval": None,
    }
    if interval == "raw":
        readings = timeseries.window(datastream.pk, start, end, limit=limit + 1)
        if len(readings) > limit:
            readings = readings[:limit]
            suggested = _suggested_interval(start, end)
            payload["truncated"] = True
            payload["suggestedInterval"] = suggested
            payload["detail"] = _(
                "This range holds more than %(limit)s values; only the first %(limit)s are "
                "given. Ask for hourly or daily values (interval=%(interval)s)."
            ) % {"limit": limit, "interval": suggested}
        payload["start"] = format_instant(start)
        payload["end"] = format_instant(end)
        payload["points"] = [{"time": time, "value": value} for time, value in readings]
        return payload
    series = timeseries.aggregate(
        datastream.pk, start, end, interval=interval, functions=("min", "mean", "max", "count")
    )
    payload["start"], payload["end"] = series.start, series.end
    payload["points"] = [
        {
            "time": bucket.start,
            "end": bucket.end,
            "count": bucket.count,
            "min": bucket.min,
            "mean": bucket.mean,
            "max": bucket.max,
        }
        for bucket in series.buckets
    ]
    return payload


def _json_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _series_request(request, pk, limit: int):
    """(datastream, payload) for a series request, or (None, error response)."""
    datastream = _readable_datastream(request.user, pk)
    if datastream is None:
        return None, _json_error(404, _("This datastream does not exist."))
    for name in request.GET:
        if name not in SERIES_PARAMETERS:
            return None, _json_error(
                400,
                _("Unknown parameter “%(name)s”; use %(names)s.")
                % {"name": name, "names": ", ".join(SERIES_PARAMETERS)},
            )
    form = SeriesForm(request.GET)
    if not form.is_valid():
        return None, _json_error(400, form.error_detail())
    data = form.cleaned_data
    try:
        payload = series_payload(
            datastream, data["start"], data["end"], data["interval"], limit=limit
        )
    except timeseries.TimeseriesError as error:
        return None, _json_error(400, str(error))
    return datastream, payload


@require_GET
def datastream_series(request, pk):
    _datastream, payload = _series_request(request, pk, MAX_RAW_POINTS)
    if isinstance(payload, HttpResponse):
        return payload
    return JsonResponse(payload)


@require_GET
def datastream_csv(request, pk):
    datastream, payload = _series_request(request, pk, MAX_CSV_ROWS)
    if isinstance(payload, HttpResponse):
        return payload
    if payload["truncated"]:
        return _json_error(
            400,
            _(
                "This range holds more than %(limit)s values; choose a shorter range or hourly "
                "or daily values."
            )
            % {"limit": MAX_CSV_ROWS},
        )
    unit = _unit_symbol(datastream)
    start, end = payload["start"][:10], payload["end"][:10]
    filename = f"datastream-{datastream.pk}-{payload['interval']}-{start}-{end}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    if payload["interval"] == "raw":
        writer.writerow(["time", f"value ({unit})" if unit else "value"])
        for point in payload["points"]:
            # Text values may start with "=" and the like, which spreadsheets run as formulas.
            writer.writerow([point["time"], cell_text(point["value"])])
    else:
        suffix = f" ({unit})" if unit else ""
        writer.writerow(["start", "end", "count", f"min{suffix}", f"mean{suffix}", f"max{suffix}"])
        for point in payload["points"]:
            writer.writerow(
                [
                    point["time"],
                    point["end"],
                    point["count"],
                    point["min"],
                    point["mean"],
                    point["max"],
                ]
            )
    return response


def _chart_labels() -> dict:
    return {
        "range": _("Range: %(start)s to %(end)s"),
        "loading": _("Loading values …"),
        "failed": _("The values could not be loaded."),
        "empty": _("There are no values in this range."),
        "shown": _("%(count)s values shown."),
        "buckets": _("%(count)s periods shown."),
        "switched": _(
            "This range holds more than %(limit)s values, too many to draw one by one; "
            "showing %(interval)s values instead."
        ),
        "hour": _("hourly"),
        "day": _("daily"),
        "value": _("Value"),
        "time": _("Time"),
        "periodStart": _("Period starting"),
        "min": _("Minimum"),
        "mean": _("Mean"),
        "max": _("Maximum"),
        "count": _("Number of values"),
    }


def datastream_detail(request, pk):
    datastream = _readable_datastream(request.user, pk)
    if datastream is None:
        raise Http404(_("This datastream does not exist."))
    form = SeriesForm(request.GET)
    payload, status = None, 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            payload = series_payload(
                datastream, data["start"], data["end"], data["interval"], limit=MAX_RAW_POINTS
            )
        except timeseries.TimeseriesError as error:
            form.add_error(None, str(error))
    if form.errors:
        status = 400
    rows = []
    if payload:
        for point in payload["points"]:
            row = dict(point, time=parse_datetime(point["time"]))
            if "value" in point:
                row["text"] = _format_value(point["value"])
            rows.append(row)
    query = request.GET.urlencode()
    reading = timeseries.latest([datastream.pk]).get(datastream.pk)
    user = request.user
    context = {
        "datastream": datastream,
        "thing": datastream.thing,
        "is_demo": datastream.thing.is_demo,
        "unit": _unit_symbol(datastream),
        "form": form,
        "series": payload,
        "rows": rows,
        "series_start": parse_datetime(payload["start"]) if payload else None,
        "series_end": parse_datetime(payload["end"]) if payload else None,
        "latest_time": parse_datetime(reading.time) if reading else None,
        "latest_text": _format_value(reading.value) if reading else None,
        "series_url": reverse("sensors:series", args=[datastream.pk]),
        "csv_url": reverse("sensors:series-csv", args=[datastream.pk])
        + (f"?{query}" if query else ""),
        "chart_labels": _chart_labels(),
        "may_create_rule": is_city_staff(user),
    }
    return render(request, "sensors/datastream.html", context, status=status)


# --- Staff pages ---------------------------------------------------------------------------


@staff_required
def staff_overview(request):
    user = request.user
    context = {
        "organisations": manageable_organisations(user) if not is_platform_admin(user) else None,
        "thing_count": manageable_things(user).count(),
        "token_count": manageable_tokens(user).filter(revoked_at__isnull=True).count(),
        "rule_count": alerting.visible_rules(user).filter(is_active=True).count(),
        "open_count": alerting.visible_alerts(user, status="open").count(),
        "acknowledged_count": alerting.visible_alerts(user, status="acknowledged").count(),
        "dead_letter_count": dead_letters.dead_letters(user).count()
        if dead_letters.may_manage(user)
        else None,
    }
    return render(request, "sensors/staff.html", context)


@staff_required
def thing_list(request):
    things = manageable_things(request.user).annotate(stream_count=Count("datastreams"))
    return render(request, "sensors/things.html", {"things": things})


@staff_required
def thing_edit(request, pk):
    thing = get_object_or_404(_visible_things(request.user), pk=pk)
    if not manageable_things(request.user).filter(pk=thing.pk).exists():
        raise PermissionDenied(_("You may not change this thing."))
    form = ThingForm(request.POST or None, instance=thing, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The thing “%(name)s” was saved.") % {"name": thing.name})
        return redirect("sensors:things")
    return render_form(request, "sensors/thing_form.html", form, {"thing": thing})


@never_cache
@staff_required
def token_list(request):
    """The user's sensor tokens and the form for a new one; the new secret is shown once."""
    posted = request.method == "POST"
    form = TokenForm(request.POST if posted else None, user=request.user)
    if posted and form.is_valid():
        token, secret = form.save()
        return render(request, "sensors/token_created.html", {"token": token, "secret": secret})
    tokens = manageable_tokens(request.user).order_by("-created_at", "-pk")
    return render_form(request, "sensors/tokens.html", form, {"tokens": tokens})


@require_POST
@staff_required
def token_revoke(request, pk):
    token = get_object_or_404(SensorToken, pk=pk)
    try:
        revoke_token(request.user, token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("sensors:tokens")


@staff_required
def rule_list(request):
    rules_ = alerting.visible_rules(request.user).select_related("datastream__thing")
    rules_ = rules_.order_by("organisation__name", "name", "pk")
    alerted = set(
        Alert.objects.filter(rule__in=rules_, status__in=Alert.ACTIVE).values_list(
            "rule_id", flat=True
        )
    )
    return render(request, "sensors/rules.html", {"rules": rules_, "alerted": alerted})


@staff_required
def rule_create(request):
    initial = {}
    if request.method == "GET" and request.GET.get("datastream", "").isdigit():
        initial["datastream"] = int(request.GET["datastream"])
    form = RuleForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        rule = form.save()
        if rule is not None:
            messages.success(request, _("The alert rule “%(name)s” was created.") % {"name": rule})
            return redirect("sensors:rules")
    return render_form(request, "sensors/rule_form.html", form, {"rule": None})


def _changeable_rule(user, pk) -> AlertRule:
    rule = get_object_or_404(
        AlertRule.objects.select_related("datastream__thing", "organisation"), pk=pk
    )
    if not can(user, "change", rule):
        raise PermissionDenied(_("You may not change this alert rule."))
    return rule


@staff_required
def rule_edit(request, pk):
    rule = _changeable_rule(request.user, pk)
    form = RuleForm(request.POST or None, user=request.user, rule=rule)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(request, _("The alert rule “%(name)s” was saved.") % {"name": saved})
            return redirect("sensors:rules")
    return render_form(request, "sensors/rule_form.html", form, {"rule": rule})


@require_POST
@staff_required
def rule_switch(request, pk, active: bool):
    rule = _changeable_rule(request.user, pk)
    alerting.update_rule(request.user, rule, is_active=active)
    message = (
        _("The alert rule “%(name)s” is active again.")
        if active
        else _("The alert rule “%(name)s” was switched off.")
    )
    messages.success(request, message % {"name": rule.name})
    return redirect("sensors:rules")


def _alert_filter(value) -> str:
    return value if value in ALERT_FILTERS else "open"


def _alerts_page(request, status_filter, *, failed=None, form=None, error="", status=200):
    """The dashboard; after a refused action, ``error`` says why (the alert may have moved
    to another status than the one shown, so the message stands above the list)."""
    user = request.user
    alerts = alerting.visible_alerts(user, status=status_filter).select_related(
        "rule__datastream__thing", "acknowledged_by", "closed_by"
    )
    page = Paginator(alerts, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    entries = []
    for alert in page.object_list:
        datastream = alert.rule.datastream
        entries.append(
            {
                "alert": alert,
                "datastream": datastream,
                "unit": _unit_symbol(datastream),
                "may_change": can(user, "change", alert),
                "form": form if failed == alert.pk else AlertActionForm(prefix=f"alert-{alert.pk}"),
            }
        )
    filters = [
        {"key": key, "label": label, "count": alerting.visible_alerts(user, status=key).count()}
        for key, label in Alert.Status.choices
    ]
    context = {
        "entries": entries,
        "page": page,
        "filter": status_filter,
        "filters": filters,
        "error": error,
    }
    return render(request, "sensors/alerts.html", context, status=status)


@staff_required
def alert_dashboard(request):
    return _alerts_page(request, _alert_filter(request.GET.get("status")))


@require_POST
@staff_required
def alert_action(request, pk, action: str):
    status_filter = _alert_filter(request.POST.get("filter"))
    alert = get_object_or_404(alerting.visible_alerts(request.user), pk=pk)
    form = AlertActionForm(request.POST, prefix=f"alert-{alert.pk}")
    if form.is_valid():
        change = alerting.acknowledge if action == "acknowledge" else alerting.close
        try:
            change(alert, request.user, form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = (
                _("The alert “%(name)s” was acknowledged.")
                if action == "acknowledge"
                else _("The alert “%(name)s” was closed.")
            )
            messages.success(request, done % {"name": alert.rule.name})
            return redirect(f"{reverse('sensors:alerts')}?status={status_filter}")
    error = _("The alert “%(name)s” could not be changed: %(reason)s") % {
        "name": alert.rule.name,
        "reason": " ".join(message for errors in form.errors.values() for message in errors),
    }
    return _alerts_page(request, status_filter, failed=alert.pk, form=form, error=error, status=400)
