"""The sensor network as open data: every public Datastream with its place and latest value.

Private Things (the hospital's meters) are never published. The full time series of each
Datastream is open through the SensorThings API itself (/sta/v1.1/), which the dataset's
description points to.
"""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from smartcity.core import datasets
from smartcity.sensors import models as m
from smartcity.sensors.timeseries.services import latest


def _rows():
    streams = list(
        m.Datastream.objects.filter(thing__is_private=False)
        .select_related("thing", "observed_property")
        .prefetch_related("thing__locations")
        .order_by("pk")
    )
    readings = latest([stream.pk for stream in streams])
    for stream in streams:
        location = next(iter(stream.thing.locations.all()), None)
        reading = readings.get(stream.pk)
        yield {
            "datastream_id": stream.pk,
            "thing": stream.thing.name,
            "observed_property": stream.observed_property.name,
            "unit": stream.unit_of_measurement.get("symbol"),
            "latest_time": datetime.fromisoformat(reading.time) if reading else None,
            "latest_value": reading.value
            if reading and isinstance(reading.value, int | float)
            else None,
            "is_demo": stream.thing.is_demo,
            "geometry": location.location if location else None,
        }


SENSOR_NETWORK = datasets.Dataset(
    slug="sensors",
    title=_("Sensor network: datastreams and latest values"),
    description=_(
        "Every public datastream of the city's sensor network (air quality, traffic counts, "
        "water levels, rain, soil moisture, energy) with its place and latest value. The full "
        "time series are open through the SensorThings API at /sta/v1.1/. Rows marked as demo "
        "come from the platform's simulator."
    ),
    publisher="Landeshauptstadt Dresden",
    theme="ENVI",
    keywords=["Sensoren", "Umwelt", "Messwerte", "SensorThings", "Smart City"],
    update_frequency="CONT",
    spatial_coverage="Dresden",
    fields=[
        datasets.Field("datastream_id", _("Datastream"), type="integer"),
        datasets.Field("thing", _("Measuring station")),
        datasets.Field("observed_property", _("Observed property")),
        datasets.Field("unit", _("Unit")),
        datasets.Field("latest_time", _("Time of the latest value"), type="datetime"),
        datasets.Field("latest_value", _("Latest value"), type="number"),
        datasets.Field("is_demo", _("Demo data"), type="boolean"),
    ],
    rows=_rows,
    geometry=lambda row: row["geometry"],
)


def register_datasets() -> None:
    if not datasets.is_registered(SENSOR_NETWORK.slug):
        datasets.register(SENSOR_NETWORK)
