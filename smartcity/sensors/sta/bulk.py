"""Bulk ingest: the data-array extension's CreateObservations (OGC 18-088, section 14.4).

A request is a JSON array of groups, one per Datastream or MultiDatastream::

    [{"Datastream": {"@iot.id": 1},
      "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
      "dataArray@iot.count": 2,
      "dataArray": [["2024-05-01T10:00:00Z", 20.5, 3], ["2024-05-01T10:10:00Z", 20.7, 3]]}]

The answer lists, row by row in request order, the selfLink of the created Observation or
the string ``"error"`` (section 14.4.2). A bad row never stops the good ones.

Built for throughput: each row is checked in Python, the Observations are written through
the database's bulk path (``timeseries.storage``) in batches inside one transaction, the
FeaturesOfInterest named by id are looked up with one query per batch of ids, a group
without a FeatureOfInterest column resolves its Thing's Location once, and each stream's
time extents are widened with one statement per request.
"""

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from smartcity.sensors import models as m
from smartcity.sensors.sta.effects import Effects
from smartcity.sensors.sta.entities import ROWS
from smartcity.sensors.sta.validation import (
    STAError,
    check_entity_id,
    check_json,
    check_object,
    join,
    json_type,
    parse_instant,
    parse_time,
)
from smartcity.sensors.timeseries.storage import COLUMNS as STORED_COLUMNS
from smartcity.sensors.timeseries.storage import insert_observations

BATCH_SIZE = 5000
# A checked Observation waiting to be stored: its columns as attributes, no model instance
# (building 100,000 model instances costs more than inserting the rows).
_Pending = ROWS["Observations"]
# Ids per query when checking FeatureOfInterest/id values (below SQLite's variable limit).
_ID_CHUNK = 500
FEATURE_ID = "FeatureOfInterest/id"
COMPONENTS = (
    "phenomenonTime",
    "result",
    "resultTime",
    "resultQuality",
    "validTime",
    "parameters",
    FEATURE_ID,
)
_GROUP_KEYS = ("Datastream", "MultiDatastream", "components", "dataArray", "dataArray@iot.count")


class CreateObservationsResult(list):
    """The standard's answer (selfLink or ``"error"`` per row), with ``errors`` giving the
    reason for each failed row by its index, for logs and debugging."""

    def __init__(self):
        super().__init__()
        self.errors: dict[int, str] = {}


def _phenomenon_time(observation, value):
    if value is not None:
        start, end = parse_time(value, "", allow_instant=True)
        observation.phenomenon_time_start, observation.phenomenon_time_end = start, end


def _result(observation, value):
    (
        observation.result_type,
        observation.result_number,
        observation.result_string,
        observation.result_boolean,
        observation.result_json,
    ) = m.result_columns(check_json(value, ""))


def _result_time(observation, value):
    observation.result_time = None if value is None else parse_instant(value, "")


def _result_quality(observation, value):
    observation.result_quality = check_json(value, "")


def _valid_time(observation, value):
    if value is not None:
        start, end = parse_time(value, "", allow_instant=False)
        observation.valid_time_start, observation.valid_time_end = start, end


def _parameters(observation, value):
    observation.parameters = check_object(value, "")


_CONVERTERS = {
    "phenomenonTime": _phenomenon_time,
    "result": _result,
    "resultTime": _result_time,
    "resultQuality": _result_quality,
    "validTime": _valid_time,
    "parameters": _parameters,
}


def _nested(base: str, error: STAError) -> str:
    """Put the path a converter reported (relative to its cell) under the cell's path."""
    if not error.path:
        return base
    return base + error.path if error.path.startswith("[") else f"{base}.{error.path}"


class _Group:
    """One element of the request: a stream, its components and its rows."""

    def __init__(self, item, path: str, effects: Effects, streams: dict):
        if not isinstance(item, dict):
            raise STAError(
                _("must be a JSON object, not %(type)s") % {"type": json_type(item)}, path=path
            )
        for key in item:
            if key not in _GROUP_KEYS:
                raise STAError(
                    _("unknown member; known are: %(names)s") % {"names": ", ".join(_GROUP_KEYS)},
                    path=join(path, key),
                )
        self.path = path
        self.effects = effects
        self.stream = self._stream(item, path, streams)
        self.components = self._components(item.get("components"), join(path, "components"))
        rows = item.get("dataArray")
        if not isinstance(rows, list):
            raise STAError(_("must be an array of rows"), path=join(path, "dataArray"))
        count = item.get("dataArray@iot.count", len(rows))
        if isinstance(count, bool) or count != len(rows):
            raise STAError(
                _("must be the number of rows in dataArray (%(count)d)") % {"count": len(rows)},
                path=join(path, "dataArray@iot.count"),
            )
        self.rows = rows
        self.feature_column = (
            self.components.index(FEATURE_ID) if FEATURE_ID in self.components else None
        )
        self._default_feature = None
        self._no_default: STAError | None = None
        if self.feature_column is None:
            # Without a FeatureOfInterest column every row needs the Thing's Location: a
            # Thing without one makes the whole group, not each row, wrong.
            self._default_feature = effects.default_feature(self.stream, path).pk
        self.width = (
            len(self.stream.multi_observation_data_types)
            if isinstance(self.stream, m.MultiDatastream)
            else None
        )
        self.stream_ids = (
            (None, self.stream.pk)
            if isinstance(self.stream, m.MultiDatastream)
            else (self.stream.pk, None)
        )
        self.key = (type(self.stream), self.stream.pk)
        columns = dict.fromkeys(_Pending.columns)
        columns["datastream_id"], columns["multi_datastream_id"] = self.stream_ids
        self.empty = tuple(columns.values())
        self.observed: list = []

    @staticmethod
    def _stream(item: dict, path: str, streams: dict):
        names = [name for name in ("Datastream", "MultiDatastream") if name in item]
        if len(names) != 1:
            raise STAError(
                _('needs exactly one of Datastream or MultiDatastream, as {"@iot.id": <id>}'),
                path=path,
            )
        name = names[0]
        link, link_path = item[name], join(path, name)
        if not isinstance(link, dict) or set(link) != {"@iot.id"}:
            raise STAError(_('must be a link {"@iot.id": <id>}'), path=link_path)
        pk = check_entity_id(link["@iot.id"], join(link_path, "@iot.id"))
        stream = streams.get((name, pk))
        if stream is None:
            raise STAError(
                _("%(set)s(%(id)d) does not exist") % {"set": f"{name}s", "id": pk},
                path=link_path,
            )
        return stream

    @staticmethod
    def _components(components, path: str) -> list[str]:
        if not isinstance(components, list) or not components:
            raise STAError(_("must be a non-empty array of property names"), path=path)
        for index, name in enumerate(components):
            if name not in COMPONENTS:
                raise STAError(
                    _("unknown component %(name)r; known are: %(names)s")
                    % {"name": name, "names": ", ".join(COMPONENTS)},
                    path=join(path, index),
                )
        if len(set(components)) != len(components):
            raise STAError(_("names a component twice"), path=path)
        if "result" not in components:
            raise STAError(_("must include result"), path=path)
        return components

    def feature_ids(self) -> set[int]:
        """The well-formed ids in the FeatureOfInterest column, to look up at once."""
        if self.feature_column is None:
            return set()
        column, width = self.feature_column, len(self.components)
        return {
            row[column]
            for row in self.rows
            if type(row) is list and len(row) == width and type(row[column]) is int
        }

    def default_feature(self, path: str) -> int:
        if self._default_feature is None:
            if self._no_default is not None:
                raise STAError(self._no_default.message, path=join(path, "FeatureOfInterest"))
            try:
                self._default_feature = self.effects.default_feature(self.stream, path).pk
            except STAError as error:
                self._no_default = error  # one lookup per group, not one per row
                raise
        return self._default_feature

    def build(self, row, path: str, known_features: set[int]):
        if type(row) is not list or len(row) != len(self.components):
            raise STAError(
                _("must be an array of %(count)d values, one per component")
                % {"count": len(self.components)},
                path=path,
            )
        observation = _Pending(self.empty)
        for name, value in zip(self.components, row, strict=True):
            if name == FEATURE_ID:
                if value is not None:
                    pk = check_entity_id(value, join(path, name))
                    if pk not in known_features:
                        raise STAError(
                            _("%(set)s(%(id)d) does not exist")
                            % {"set": "FeaturesOfInterest", "id": pk},
                            path=join(path, name),
                        )
                    observation.feature_of_interest_id = pk
                continue
            try:
                _CONVERTERS[name](observation, value)
            except STAError as error:
                raise STAError(error.message, path=_nested(join(path, name), error)) from None
        if observation.phenomenon_time_start is None:
            observation.phenomenon_time_start = self.effects.now
        if observation.feature_of_interest_id is None:
            observation.feature_of_interest_id = self.default_feature(path)
        if self.width is not None:
            result = observation.result
            if type(result) is not list or len(result) != self.width:
                raise STAError(
                    _(
                        "must be an array of %(count)d values, one per ObservedProperty of the "
                        "MultiDatastream"
                    )
                    % {"count": self.width},
                    path=join(path, "result"),
                )
        return observation


def _streams(payload: list, effects: Effects) -> dict:
    """The (Multi)Datastreams the groups link to, with their Things and Locations, in two
    queries whatever the number of groups (a gateway may send hundreds), keyed by
    (link name, id); malformed links are left to the group's own checks."""
    wanted: dict[str, set[int]] = {"Datastream": set(), "MultiDatastream": set()}
    for item in payload:
        for name, keys in wanted.items():
            link = item.get(name) if isinstance(item, dict) else None
            key = link.get("@iot.id") if isinstance(link, dict) else None
            if type(key) is int:
                keys.add(key)
    found = {}
    for name, model in (("Datastream", m.Datastream), ("MultiDatastream", m.MultiDatastream)):
        if wanted[name]:
            queryset = model.objects.filter(pk__in=sorted(wanted[name]))
            streams = list(queryset.select_related("thing").prefetch_related("thing__locations"))
            found.update(((name, stream.pk), stream) for stream in streams)
    effects.known_locations(
        location for stream in found.values() for location in stream.thing.locations.all()
    )
    return found


def _existing_features(ids: set[int]) -> set[int]:
    ordered = sorted(ids)
    found = set()
    for start in range(0, len(ordered), _ID_CHUNK):
        chunk = ordered[start : start + _ID_CHUNK]
        found.update(m.FeatureOfInterest.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    return found


def _insert(pending: list, result: CreateObservationsResult) -> None:
    """Store the checked Observations in batches (``timeseries.storage``).

    Should the database still refuse a batch, its rows are retried one by one, each in
    its own savepoint, so that only the rows it refuses become ``"error"``.
    """
    for start in range(0, len(pending), BATCH_SIZE):
        chunk = pending[start : start + BATCH_SIZE]
        try:
            with transaction.atomic():
                insert_observations([observation for _index, observation in chunk])
            continue
        except DatabaseError:
            pass
        for index, observation in chunk:
            stored = m.Observation(**{c: getattr(observation, c) for c in STORED_COLUMNS})
            try:
                with transaction.atomic():
                    stored.save(force_insert=True)
                observation.id = stored.pk
            except DatabaseError as error:
                observation.id = None
                result[index] = "error"
                result.errors[index] = _("the database refused the row: %(error)s") % {
                    "error": error
                }


def create_observations(payload: list, *, base_url: str) -> CreateObservationsResult:
    """Create the Observations of a CreateObservations request (14.4).

    ``base_url`` is the service root, e.g. ``"http://host/sta/v1.1"``; the answer holds
    ``"{base_url}/Observations(<id>)"`` per stored row and ``"error"`` per refused row.
    A malformed request (not an array, unknown components, a stream that does not exist,
    a stream whose Thing has no Location when no FeatureOfInterest/id column is given)
    raises STAError and stores nothing.
    """
    if not isinstance(payload, list):
        raise STAError(_("must be a JSON array of Datastream groups"))
    base = base_url.rstrip("/")
    result = CreateObservationsResult()
    with transaction.atomic():
        effects = Effects()
        streams = _streams(payload, effects)
        groups = [
            _Group(item, f"[{index}]", effects, streams) for index, item in enumerate(payload)
        ]
        known_features = _existing_features(set().union(*(g.feature_ids() for g in groups)))
        pending = []
        for group_index, group in enumerate(groups):
            observed = []
            for row_index, row in enumerate(group.rows):
                try:
                    observation = group.build(
                        row, f"[{group_index}].dataArray[{row_index}]", known_features
                    )
                except STAError as error:
                    result.errors[len(result)] = str(error)
                    result.append("error")
                    continue
                pending.append((len(result), observation))
                observed.append(observation)
                result.append(None)
            group.observed = observed
        _insert(pending, result)
        for group in groups:
            for observation in group.observed:
                if observation.pk is not None:
                    effects.observed(
                        group.key,
                        observation.phenomenon_time_start,
                        observation.phenomenon_time_end,
                        observation.result_time,
                    )
                    effects.created.append(observation)
        effects.finish()
    for index, observation in pending:
        if observation.pk is not None:
            result[index] = f"{base}/Observations({observation.pk})"
    return result
