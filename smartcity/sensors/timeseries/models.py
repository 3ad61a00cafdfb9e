"""Stored downsampling of numeric Observations: hourly and daily buckets per Datastream.

Imported at the end of ``smartcity/sensors/models.py`` so that the models belong to the
``sensors`` app. Only Observations of a Datastream with a numeric result
(``result_number`` not null) are aggregated; MultiDatastreams are not. Bucket rules:
``smartcity/sensors/timeseries/intervals.py`` (hours aligned to UTC, days to local
midnight in Europe/Berlin).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["AggregateState", "ObservationAggregate"]


class ObservationAggregate(models.Model):
    """Count, minimum, maximum and sum of the numeric results in one bucket."""

    class Period(models.TextChoices):
        HOUR = "hour", _("hour")
        DAY = "day", _("day")

    # No index of its own: the unique constraint's index starts with the datastream.
    datastream = models.ForeignKey(
        "sensors.Datastream", on_delete=models.CASCADE, related_name="aggregates", db_index=False
    )
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    bucket_start = models.DateTimeField(_("bucket start"))
    count = models.PositiveIntegerField(_("count"))
    minimum = models.FloatField(_("minimum"))
    maximum = models.FloatField(_("maximum"))
    total = models.FloatField(_("sum"))

    class Meta:
        verbose_name = _("observation aggregate")
        verbose_name_plural = _("observation aggregates")
        # The constraint's index (datastream, period, bucket_start) also serves every
        # range query on this table, so no second index is declared.
        constraints = [
            models.UniqueConstraint(
                fields=["datastream", "period", "bucket_start"], name="obs_aggregate_bucket"
            )
        ]

    def __str__(self):
        return f"{self.datastream_id} {self.period} {self.bucket_start:%Y-%m-%d %H:%M}"

    @property
    def mean(self) -> float:
        return self.total / self.count


class AggregateState(models.Model):
    """Which part of a Datastream's aggregates can be trusted.

    ``built_at`` is set when every bucket was computed from the raw data; from then on
    each write marks the changed time range dirty (in the writer's transaction) until the
    refresh task has recomputed it. Queries read dirty buckets from the raw Observations,
    so they never miss a committed write, and read everything raw while ``built_at`` is
    empty. Refreshes and writers lock this row, which serialises them per Datastream.
    """

    datastream = models.OneToOneField(
        "sensors.Datastream",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="aggregate_state",
    )
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    dirty_start = models.DateTimeField(_("dirty from"), null=True, blank=True)
    dirty_end = models.DateTimeField(_("dirty until"), null=True, blank=True)

    class Meta:
        verbose_name = _("aggregate state")
        verbose_name_plural = _("aggregate states")

    def __str__(self):
        return f"{self.datastream_id}: built {self.built_at}, dirty {self.dirty_start}"
