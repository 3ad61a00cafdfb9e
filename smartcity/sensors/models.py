"""The SensorThings API 1.1 Sensing entities (OGC 18-088, section 8.2).

Every measurement of the platform is an ``Observation`` of a ``Datastream`` (or of a
``MultiDatastream``). Deleting follows the standard's cascade (section 10.4): a Thing takes
its Datastreams, MultiDatastreams and HistoricalLocations with it, a Datastream its
Observations, a Sensor or ObservedProperty the Datastreams that use it, a FeatureOfInterest
its Observations.

Results are stored typed, as FROST-Server does, so that numbers can be filtered, ordered
and aggregated in the database while strings, booleans and JSON values keep their type.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from smartcity.core.tokens import HashedSecret

GEOJSON = "application/geo+json"
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
OM_COMPLEX = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation"


class Entity(models.Model):
    """Fields every SensorThings entity with a name shares."""

    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    properties = models.JSONField(_("properties"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class Location(Entity):
    encoding_type = models.CharField(_("encoding type"), max_length=100, default=GEOJSON)
    location = models.JSONField(_("location"))

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")


class Thing(Entity):
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("responsible organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="things",
    )
    is_private = models.BooleanField(
        _("private"),
        default=False,
        help_text=_("Only members of the responsible organisation can read private things."),
    )
    locations = models.ManyToManyField(Location, related_name="things", blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("thing")
        verbose_name_plural = _("things")

    @property
    def is_demo(self) -> bool:
        """The simulator marks its stations with ``properties.demo``."""
        return bool((self.properties or {}).get("demo"))


class HistoricalLocation(models.Model):
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="historical_locations")
    time = models.DateTimeField(_("time"), db_index=True)
    locations = models.ManyToManyField(Location, related_name="historical_locations")

    class Meta:
        verbose_name = _("historical location")
        verbose_name_plural = _("historical locations")
        ordering = ["-time"]

    def __str__(self):
        return f"{self.thing} @ {self.time:%Y-%m-%d %H:%M}"


class Sensor(Entity):
    encoding_type = models.CharField(_("encoding type"), max_length=100)
    metadata = models.TextField(_("metadata"))

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")


class ObservedProperty(Entity):
    definition = models.CharField(_("definition"), max_length=500)

    class Meta:
        verbose_name = _("observed property")
        verbose_name_plural = _("observed properties")


class TimeExtent(models.Model):
    """Phenomenon and result time extents of a (Multi)Datastream, kept up to date on ingest."""

    phenomenon_time_start = models.DateTimeField(null=True, blank=True)
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time_start = models.DateTimeField(null=True, blank=True)
    result_time_end = models.DateTimeField(null=True, blank=True)
    observed_area = models.JSONField(_("observed area"), null=True, blank=True)
    retention_days = models.PositiveIntegerField(
        _("retention in days"),
        null=True,
        blank=True,
        help_text=_("Observations older than this are deleted; empty keeps them for ever."),
    )

    class Meta:
        abstract = True


class Datastream(Entity, TimeExtent):
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="datastreams")
    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="datastreams")
    observed_property = models.ForeignKey(
        ObservedProperty, on_delete=models.CASCADE, related_name="datastreams"
    )
    observation_type = models.CharField(
        _("observation type"), max_length=200, default=OM_MEASUREMENT
    )
    unit_of_measurement = models.JSONField(_("unit of measurement"))

    class Meta:
        verbose_name = _("datastream")
        verbose_name_plural = _("datastreams")


class MultiDatastream(Entity, TimeExtent):
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="multi_datastreams")
    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="multi_datastreams")
    observed_properties = models.ManyToManyField(
        ObservedProperty, through="MultiDatastreamProperty", related_name="multi_datastreams"
    )
    observation_type = models.CharField(_("observation type"), max_length=200, default=OM_COMPLEX)
    multi_observation_data_types = models.JSONField(_("observation data types"))
    unit_of_measurements = models.JSONField(_("units of measurement"))

    class Meta:
        verbose_name = _("multi-datastream")
        verbose_name_plural = _("multi-datastreams")


class MultiDatastreamProperty(models.Model):
    """The ordered list of ObservedProperties of a MultiDatastream (one per result column)."""

    multi_datastream = models.ForeignKey(MultiDatastream, on_delete=models.CASCADE)
    observed_property = models.ForeignKey(ObservedProperty, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["multi_datastream", "position"], name="unique_multidatastream_position"
            )
        ]

    def __str__(self):
        return f"{self.multi_datastream} [{self.position}] {self.observed_property}"


class FeatureOfInterest(Entity):
    encoding_type = models.CharField(_("encoding type"), max_length=100, default=GEOJSON)
    feature = models.JSONField(_("feature"))
    # The Location this feature was derived from (section 8.2.7), so it is reused after.
    source_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("feature of interest")
        verbose_name_plural = _("features of interest")


class ResultType(models.IntegerChoices):
    NUMBER = 0
    BOOLEAN = 1
    STRING = 2
    JSON = 3
    NULL = 4


class Observation(models.Model):
    datastream = models.ForeignKey(
        Datastream, null=True, blank=True, on_delete=models.CASCADE, related_name="observations"
    )
    multi_datastream = models.ForeignKey(
        MultiDatastream,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="observations",
    )
    feature_of_interest = models.ForeignKey(
        FeatureOfInterest, on_delete=models.CASCADE, related_name="observations"
    )
    phenomenon_time_start = models.DateTimeField()
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time = models.DateTimeField(null=True, blank=True)
    result_type = models.PositiveSmallIntegerField(choices=ResultType.choices)
    result_number = models.FloatField(null=True, blank=True)
    # The number as sent (keeps 5 apart from 5.0 and every digit of precision).
    result_string = models.TextField(null=True, blank=True)  # noqa: DJ001 - null: not a string
    result_boolean = models.BooleanField(null=True, blank=True)
    result_json = models.JSONField(null=True, blank=True)
    result_quality = models.JSONField(null=True, blank=True)
    valid_time_start = models.DateTimeField(null=True, blank=True)
    valid_time_end = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        indexes = [
            # result_number carried in the index (PostgreSQL; SQLite ignores INCLUDE) makes
            # numeric windows and the hourly refresh index-only scans: docs/sensors-timeseries.md.
            models.Index(
                fields=["datastream", "phenomenon_time_start"],
                include=["result_number"],
                name="obs_ds_time_value",
            ),
            models.Index(fields=["multi_datastream", "phenomenon_time_start"], name="obs_mds_time"),
            # The default order of /Observations: a page of a city's table without a sort.
            models.Index(fields=["phenomenon_time_start"], name="obs_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(datastream__isnull=False, multi_datastream__isnull=True)
                | models.Q(datastream__isnull=True, multi_datastream__isnull=False),
                name="observation_of_exactly_one_stream",
            )
        ]

    def __str__(self):
        return f"{self.phenomenon_time_start:%Y-%m-%d %H:%M} {self.result}"

    @property
    def result(self):
        return typed_result(self)

    def set_result(self, value) -> None:
        """Store ``value`` typed; numbers keep their original text."""
        (
            self.result_type,
            self.result_number,
            self.result_string,
            self.result_boolean,
            self.result_json,
        ) = result_columns(value)


def result_columns(value) -> tuple:
    """(result_type, result_number, result_string, result_boolean, result_json) storing a
    result in its type; numbers keep the text they were sent as."""
    if value is None:
        return ResultType.NULL, None, None, None, None
    if isinstance(value, bool):
        return ResultType.BOOLEAN, None, None, value, None
    if isinstance(value, int | float):
        return ResultType.NUMBER, float(value), repr(value), None, None
    if isinstance(value, str):
        return ResultType.STRING, None, value, None, None
    return ResultType.JSON, None, None, None, value


def typed_result(observation):
    """The result of an Observation, or of anything with its ``result_*`` columns as
    attributes (the read engine's rows), in the type it was sent with."""
    if observation.result_type == ResultType.NUMBER:
        text = observation.result_string
        return observation.result_number if text is None else _number(text)
    if observation.result_type == ResultType.BOOLEAN:
        return observation.result_boolean
    if observation.result_type == ResultType.STRING:
        return observation.result_string
    if observation.result_type == ResultType.JSON:
        return observation.result_json
    return None


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        return float(text)


class SensorToken(HashedSecret):
    """Write access for sensors and loggers: bound to one Thing, one organisation's Things,
    or (neither) the whole platform for its own integrations."""

    name = models.CharField(_("name"), max_length=120)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sensor_tokens",
    )
    thing = models.ForeignKey(
        Thing,
        verbose_name=_("thing"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tokens",
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("sensor token")
        verbose_name_plural = _("sensor tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(organisation__isnull=False, thing__isnull=False),
                name="sensor_token_one_scope",
            )
        ]

    @property
    def scope(self) -> str:
        if self.thing_id:
            return "thing"
        if self.organisation_id:
            return "organisation"
        return "platform"

    def may_write(self, thing: Thing | None) -> bool:
        """Whether this token may create or change data of ``thing`` (None: a new Thing)."""
        if self.scope == "platform":
            return True
        if thing is None:
            return self.scope == "organisation"
        if self.scope == "thing":
            return thing.pk == self.thing_id
        return thing.organisation_id == self.organisation_id


# The models of the app's parts live beside their code; importing them here registers them.
from smartcity.sensors.alerting.models import *  # noqa: E402, F403
from smartcity.sensors.mqtt.models import *  # noqa: E402, F403
from smartcity.sensors.timeseries.models import *  # noqa: E402, F403
