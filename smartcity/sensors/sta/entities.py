"""The SensorThings 1.1 entity model as data: entity sets, properties, navigation.

One table drives the path parser, the query translation, serialisation and the write
path, so that the standard's names (``encodingType``, ``Datastreams``, ``phenomenonTime``)
map to the platform's models in exactly one place (OGC 18-088, section 8.2, tables 2-21).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter

from smartcity.sensors import models as m
from smartcity.sensors.sta.validation import format_instant, format_time


@dataclass(frozen=True)
class Property:
    """An entity property: the STA name, the model field(s) and how it is written."""

    name: str
    field: str | None = None  # model field; None for composite properties (times, result)
    kind: str = "value"  # value | json | time_interval | time_instant | result
    required: bool = False
    start_field: str = ""  # for time intervals: phenomenonTime -> phenomenon_time_start/_end
    end_field: str = ""


@dataclass(frozen=True)
class Navigation:
    """A navigation property: ``to_many`` sets follow a reverse or many-to-many relation."""

    name: str
    target: str  # entity set name, e.g. "Datastreams"
    accessor: str  # Django relation name on the model
    to_many: bool
    required: bool = False  # mandatory link when creating (e.g. Datastream -> Thing)


@dataclass(frozen=True)
class EntitySet:
    name: str  # "Things"
    singular: str  # "Thing"
    model: type
    properties: tuple[Property, ...]
    navigation: tuple[Navigation, ...] = field(default_factory=tuple)

    @cached_property
    def readers(self) -> tuple[tuple[str, Callable], ...]:
        """(name, function of an entity giving the property's JSON value) per property."""
        return tuple((prop.name, _reader(prop)) for prop in self.properties)

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)

    def nav(self, name: str) -> Navigation | None:
        return next((n for n in self.navigation if n.name == name), None)


def _reader(prop: Property) -> Callable:
    if prop.kind == "result":
        return attrgetter("result")
    if prop.kind == "time_interval":
        start, end = attrgetter(prop.start_field), attrgetter(prop.end_field)
        return lambda entity: format_time(start(entity), end(entity))
    if prop.kind == "time_instant":
        instant = attrgetter(prop.field)
        return lambda entity: format_instant(instant(entity))
    return attrgetter(prop.field)


def _named(*extra: Property) -> tuple[Property, ...]:
    return (
        Property("name", "name", required=True),
        Property("description", "description", required=True),
        *extra,
        Property("properties", "properties", kind="json"),
    )


def _interval(name: str, prefix: str, required: bool = False) -> Property:
    return Property(
        name,
        kind="time_interval",
        required=required,
        start_field=f"{prefix}_start",
        end_field=f"{prefix}_end",
    )


_STREAM_TIMES = (
    Property("observedArea", "observed_area", kind="json"),
    _interval("phenomenonTime", "phenomenon_time"),
    _interval("resultTime", "result_time"),
)

ENTITY_SETS: dict[str, EntitySet] = {
    es.name: es
    for es in (
        EntitySet(
            "Things",
            "Thing",
            m.Thing,
            _named(),
            (
                Navigation("Locations", "Locations", "locations", True),
                Navigation(
                    "HistoricalLocations", "HistoricalLocations", "historical_locations", True
                ),
                Navigation("Datastreams", "Datastreams", "datastreams", True),
                Navigation("MultiDatastreams", "MultiDatastreams", "multi_datastreams", True),
            ),
        ),
        EntitySet(
            "Locations",
            "Location",
            m.Location,
            _named(
                Property("encodingType", "encoding_type", required=True),
                Property("location", "location", kind="json", required=True),
            ),
            (
                Navigation("Things", "Things", "things", True),
                Navigation(
                    "HistoricalLocations", "HistoricalLocations", "historical_locations", True
                ),
            ),
        ),
        EntitySet(
            "HistoricalLocations",
            "HistoricalLocation",
            m.HistoricalLocation,
            (Property("time", "time", kind="time_instant", required=True),),
            (
                Navigation("Thing", "Things", "thing", False, required=True),
                Navigation("Locations", "Locations", "locations", True),
            ),
        ),
        EntitySet(
            "Sensors",
            "Sensor",
            m.Sensor,
            _named(
                Property("encodingType", "encoding_type", required=True),
                Property("metadata", "metadata", required=True),
            ),
            (
                Navigation("Datastreams", "Datastreams", "datastreams", True),
                Navigation("MultiDatastreams", "MultiDatastreams", "multi_datastreams", True),
            ),
        ),
        EntitySet(
            "ObservedProperties",
            "ObservedProperty",
            m.ObservedProperty,
            _named(Property("definition", "definition", required=True)),
            (
                Navigation("Datastreams", "Datastreams", "datastreams", True),
                Navigation("MultiDatastreams", "MultiDatastreams", "multi_datastreams", True),
            ),
        ),
        EntitySet(
            "Datastreams",
            "Datastream",
            m.Datastream,
            _named(
                Property("observationType", "observation_type", required=True),
                Property("unitOfMeasurement", "unit_of_measurement", kind="json", required=True),
                *_STREAM_TIMES,
            ),
            (
                Navigation("Thing", "Things", "thing", False, required=True),
                Navigation("Sensor", "Sensors", "sensor", False, required=True),
                Navigation(
                    "ObservedProperty", "ObservedProperties", "observed_property", False, True
                ),
                Navigation("Observations", "Observations", "observations", True),
            ),
        ),
        EntitySet(
            "MultiDatastreams",
            "MultiDatastream",
            m.MultiDatastream,
            _named(
                Property("observationType", "observation_type"),
                Property(
                    "multiObservationDataTypes",
                    "multi_observation_data_types",
                    kind="json",
                    required=True,
                ),
                Property("unitOfMeasurements", "unit_of_measurements", kind="json", required=True),
                *_STREAM_TIMES,
            ),
            (
                Navigation("Thing", "Things", "thing", False, required=True),
                Navigation("Sensor", "Sensors", "sensor", False, required=True),
                Navigation(
                    "ObservedProperties", "ObservedProperties", "observed_properties", True, True
                ),
                Navigation("Observations", "Observations", "observations", True),
            ),
        ),
        EntitySet(
            "FeaturesOfInterest",
            "FeatureOfInterest",
            m.FeatureOfInterest,
            _named(
                Property("encodingType", "encoding_type", required=True),
                Property("feature", "feature", kind="json", required=True),
            ),
            (Navigation("Observations", "Observations", "observations", True),),
        ),
        EntitySet(
            "Observations",
            "Observation",
            m.Observation,
            (
                _interval("phenomenonTime", "phenomenon_time"),
                Property("result", kind="result", required=True),
                Property("resultTime", "result_time", kind="time_instant"),
                Property("resultQuality", "result_quality", kind="json"),
                _interval("validTime", "valid_time"),
                Property("parameters", "parameters", kind="json"),
            ),
            (
                Navigation("Datastream", "Datastreams", "datastream", False),
                Navigation("MultiDatastream", "MultiDatastreams", "multi_datastream", False),
                Navigation("FeatureOfInterest", "FeaturesOfInterest", "feature_of_interest", False),
            ),
        ),
    )
}

BY_SINGULAR = {es.singular: es for es in ENTITY_SETS.values()}


class EntityRow:
    """An entity as the read engine loads it: its columns as attributes, no model instance.

    A response of 20,000 entities spends more time building model instances (field loops,
    signals) than querying them; serialisation only reads values, so rows serve it.
    """

    columns: tuple[str, ...] = ()

    def __init__(self, values: tuple):
        self.__dict__.update(zip(self.columns, values, strict=True))

    @property
    def pk(self):
        return self.id


def _columns(entity_set: EntitySet) -> tuple[str, ...]:
    """The key, the property columns and the keys of to-one navigation targets."""
    wanted = {"id"}
    for prop in entity_set.properties:
        if prop.kind == "result":
            wanted.update(f.attname for f in m.Observation._meta.concrete_fields)
        wanted.update(name for name in (prop.field, prop.start_field, prop.end_field) if name)
    for nav in entity_set.navigation:
        if not nav.to_many:
            wanted.add(entity_set.model._meta.get_field(nav.accessor).attname)
    return tuple(f.attname for f in entity_set.model._meta.concrete_fields if f.attname in wanted)


def _row_class(entity_set: EntitySet) -> type[EntityRow]:
    columns = _columns(entity_set)
    members: dict = {"columns": columns}
    if entity_set.model is m.Observation:
        members["result"] = property(m.typed_result)
    return type(f"{entity_set.singular}Row", (EntityRow,), members)


ROWS: dict[str, type[EntityRow]] = {name: _row_class(es) for name, es in ENTITY_SETS.items()}
BY_MODEL = {
    **{es.model: es for es in ENTITY_SETS.values()},
    **{ROWS[name]: es for name, es in ENTITY_SETS.items()},
}
