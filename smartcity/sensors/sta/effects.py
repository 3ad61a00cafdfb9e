"""What a SensorThings write does besides storing the entities the client sent.

OGC 18-088 (SensorThings 1.1) asks the service to

- record a HistoricalLocation whenever a Thing's Locations change (section 8.2.3);
- give an Observation without a FeatureOfInterest one derived from its Thing's Location,
  reusing it while that Location stays the same (section 10.2.1.2, special case 1);
- keep each Datastream's and MultiDatastream's phenomenonTime and resultTime the extent
  of its Observations (sections 8.2.4 and 13.2);
- tell MQTT subscribers about created and updated entities after the commit (section 14.2;
  ``smartcity.sensors.mqtt.publish``).

One :class:`Effects` collects these during a request and applies them once at its end, so
a deep insert of many Observations updates a Datastream's extents with one statement.
"""

from django.db import transaction
from django.db.models import Case, DateTimeField, F, Max, Min, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcity.sensors import models as m
from smartcity.sensors.sta.validation import GEOJSON_ENCODINGS, STAError, format_instant, join

EXTENT_FIELDS = (
    "phenomenon_time_start",
    "phenomenon_time_end",
    "result_time_start",
    "result_time_end",
)


def stream_key(observation) -> tuple[type, int]:
    if observation.datastream_id is not None:
        return m.Datastream, observation.datastream_id
    return m.MultiDatastream, observation.multi_datastream_id


def stream_field(model: type) -> str:
    return "datastream" if model is m.Datastream else "multi_datastream"


def touches_extent(stream, start, end, result_time) -> bool:
    """Whether an Observation with these times may bound the stream's extents.

    Removing or moving such an Observation can shrink the extents; any other one cannot.
    """
    if stream.phenomenon_time_start is None or stream.phenomenon_time_end is None:
        return True
    if start <= stream.phenomenon_time_start or (end or start) >= stream.phenomenon_time_end:
        return True
    if result_time is None:
        return False
    return stream.result_time_start is None or not (
        stream.result_time_start < result_time < stream.result_time_end
    )


def recompute_extents(model: type, pk: int) -> None:
    """Set a stream's extents from its Observations (null when it has none)."""
    times = m.Observation.objects.filter(**{stream_field(model): pk}).aggregate(
        first=Min("phenomenon_time_start"),
        last=Max(Coalesce("phenomenon_time_end", "phenomenon_time_start")),
        first_result=Min("result_time"),
        last_result=Max("result_time"),
    )
    model.objects.filter(pk=pk).update(
        phenomenon_time_start=times["first"],
        phenomenon_time_end=times["last"],
        result_time_start=times["first_result"],
        result_time_end=times["last_result"],
    )


def _widen(field: str, value, lower: bool):
    # Least/Greatest are NULL when one side is NULL on SQLite, MySQL and Oracle; Coalesce
    # makes the first Observation of an empty stream set the extent.
    value = Value(value, output_field=DateTimeField())
    function = Least if lower else Greatest
    return Coalesce(function(F(field), value), value)


# Streams per UPDATE statement when widening extents (one CASE branch each per field).
WIDEN_CHUNK = 500


def _widen_extents(model: type, extents: dict[int, list]) -> None:
    """Widen the extents of many streams with one UPDATE per 500 of them: a gateway's
    request writes hundreds of streams, and a statement each costs more than the rows."""
    pks = sorted(extents)
    for first in range(0, len(pks), WIDEN_CHUNK):
        chunk = {pk: extents[pk] for pk in pks[first : first + WIDEN_CHUNK]}
        changes = {}
        for index, (field, lower) in enumerate(
            (
                ("phenomenon_time_start", True),
                ("phenomenon_time_end", False),
                ("result_time_start", True),
                ("result_time_end", False),
            )
        ):
            branches = [
                When(pk=pk, then=_widen(field, extent[index], lower))
                for pk, extent in chunk.items()
                if extent[index] is not None
            ]
            if branches:
                changes[field] = Case(*branches, default=F(field))
        model.objects.filter(pk__in=list(chunk)).update(**changes)


class Effects:
    """The side effects of one write request, applied by :meth:`finish`."""

    def __init__(self):
        self.now = timezone.now()
        self.moved_things: dict[int, m.Thing] = {}
        self.extents: dict[tuple[type, int], list] = {}
        self.recompute: set[tuple[type, int]] = set()
        self._features: dict[int, m.FeatureOfInterest] = {}
        # Features derived from Locations (None: none yet), looked up ahead by
        # ``known_locations``.
        self._derived: dict[int, m.FeatureOfInterest | None] = {}
        # Entities this write created, and those it updated with their STA document before.
        self.created: list = []
        self.updated: list[tuple[object, dict]] = []

    def thing_moved(self, thing: m.Thing) -> None:
        self.moved_things[thing.pk] = thing

    def observed(self, key: tuple[type, int], start, end, result_time) -> None:
        """Widen the stream's extents to include an Observation with these times."""
        end = end or start
        extent = self.extents.get(key)
        if extent is None:
            self.extents[key] = [start, end, result_time, result_time]
            return
        if start < extent[0]:
            extent[0] = start
        if end > extent[1]:
            extent[1] = end
        if result_time is not None:
            if extent[2] is None or result_time < extent[2]:
                extent[2] = result_time
            if extent[3] is None or result_time > extent[3]:
                extent[3] = result_time

    def observed_observation(self, observation: m.Observation) -> None:
        self.observed(
            stream_key(observation),
            observation.phenomenon_time_start,
            observation.phenomenon_time_end,
            observation.result_time,
        )

    def known_locations(self, locations) -> None:
        """Look up the features derived from these Locations at once, ahead of
        :meth:`default_feature` (one query instead of one per Location)."""
        pks = {location.pk for location in locations} - self._features.keys()
        self._derived.update(dict.fromkeys(pks))
        derived = m.FeatureOfInterest.objects.filter(source_location__in=sorted(pks))
        for feature in derived.order_by("pk"):  # the newest per Location wins
            self._derived[feature.source_location_id] = feature

    def default_feature(self, stream, path: str) -> m.FeatureOfInterest:
        """The FeatureOfInterest derived from the stream's Thing's current Location.

        A Thing with several Locations (different encodings, section 8.2.2) uses its
        GeoJSON one with the lowest id. The feature is reused while the Location's
        encoding and geometry are unchanged; after a move or an edit a new one is made.
        """
        locations = sorted(
            stream.thing.locations.all(),
            key=lambda location: (location.encoding_type not in GEOJSON_ENCODINGS, location.pk),
        )
        if not locations:
            raise STAError(
                _(
                    "is required, because the Thing of this %(stream)s has no Location to "
                    "derive it from"
                )
                % {"stream": type(stream)._meta.object_name},
                path=join(path, "FeatureOfInterest"),
            )
        location = locations[0]
        feature = self._features.get(location.pk)
        if feature is not None:
            return feature
        if location.pk in self._derived:
            feature = self._derived[location.pk]
        else:
            feature = (
                m.FeatureOfInterest.objects.filter(source_location=location).order_by("-pk").first()
            )
        if (
            feature is None
            or feature.feature != location.location
            or feature.encoding_type != location.encoding_type
        ):
            feature = m.FeatureOfInterest.objects.create(
                name=location.name,
                description=location.description,
                encoding_type=location.encoding_type,
                feature=location.location,
                source_location=location,
            )
            self.created.append(feature)
        self._features[location.pk] = feature
        return feature

    def finish(self) -> None:
        for thing in self.moved_things.values():
            historical = m.HistoricalLocation.objects.create(thing=thing, time=self.now)
            historical.locations.set(thing.locations.all())
            self.created.append(historical)
        for model, pk in self.recompute:
            recompute_extents(model, pk)
        for model in (m.Datastream, m.MultiDatastream):
            extents = {
                pk: extent
                for (kind, pk), extent in self.extents.items()
                if kind is model and (kind, pk) not in self.recompute
            }
            _widen_extents(model, extents)
        self._notify_downstream()
        self._publish_changes()

    def _publish_changes(self) -> None:
        from smartcity.sensors.mqtt.publish import schedule_publication

        schedule_publication(self.created, self.updated)

    def _notify_downstream(self) -> None:
        """Keep the hourly/daily aggregates current and let the alert rules look at new data.

        Changes with known times refresh just those buckets; changes whose old times are
        unknown (deletes, moves) rebuild the Datastream's aggregates. Alert rules see only
        new or changed values (``since``), after the commit, in a background task.
        """
        from smartcity.sensors.alerting.models import AlertRule
        from smartcity.sensors.alerting.tasks import evaluate_datastream
        from smartcity.sensors.timeseries.maintenance import RefreshBatch
        from smartcity.sensors.timeseries.tasks import rebuild_aggregates_task

        batch = RefreshBatch()
        earliest = {}
        for (model, pk), (start, end, _result_start, _result_end) in self.extents.items():
            if model is m.Datastream:
                batch.add(pk, start, end)
                earliest[pk] = start
        batch.schedule()
        # Only Datastreams with an active rule get an evaluation task; most have none.
        watched = AlertRule.objects.filter(datastream_id__in=list(earliest), is_active=True)
        for pk in set(watched.values_list("datastream_id", flat=True)):
            since = format_instant(earliest[pk])
            transaction.on_commit(lambda pk=pk, since=since: evaluate_datastream.enqueue(pk, since))
        for model, pk in self.recompute:
            if model is m.Datastream:
                transaction.on_commit(lambda pk=pk: rebuild_aggregates_task.enqueue(pk))
