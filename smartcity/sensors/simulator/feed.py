"""Feeding the demo network through the platform's ingest path.

``ensure_stations`` creates the stations as SensorThings entities (deep insert through
``sta.write.create``), once; ``backfill`` sends their values through
``sta.write.create_observations``, the same service that serves ``POST /CreateObservations``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from smartcity.core.accounts.models import Organisation
from smartcity.sensors import models as m
from smartcity.sensors.sta import write


@dataclass
class StationEntities:
    station: object  # stations.Station
    thing: m.Thing
    datastreams: dict[str, m.Datastream]  # stream key -> Datastream


def _link_or_new(model, name: str, payload: dict) -> dict:
    existing = model.objects.filter(name=name).values_list("pk", flat=True).first()
    return {"@iot.id": existing} if existing else payload


def _thing_payload(station) -> dict:
    return {
        "name": station.name,
        "description": station.description,
        "properties": {"simulator": station.key, "demo": True, **station.tags},
        "Locations": [
            {
                "name": station.name,
                "description": station.description,
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [station.lon, station.lat]},
            }
        ],
        "Datastreams": [
            {
                "name": f"{stream.signal.observed_property} – {station.name}",
                "description": f"{stream.signal.observed_property} ({stream.signal.unit.symbol})",
                "observationType": m.OM_MEASUREMENT,
                "unitOfMeasurement": stream.signal.unit.as_sta(),
                "properties": {"simulator": stream.key},
                "Sensor": _link_or_new(
                    m.Sensor,
                    stream.sensor,
                    {
                        "name": stream.sensor,
                        "description": f"{stream.sensor} (Demo)",
                        "encodingType": "text/plain",
                        "metadata": "Simulated sensor of the demo network",
                    },
                ),
                "ObservedProperty": _link_or_new(
                    m.ObservedProperty,
                    stream.signal.observed_property,
                    {
                        "name": stream.signal.observed_property,
                        "description": stream.signal.observed_property,
                        "definition": stream.signal.definition,
                    },
                ),
            }
            for stream in station.streams
        ],
    }


def ensure_stations(stations) -> list[StationEntities]:
    """Create missing stations; existing ones (found by their simulator key) are reused."""
    result = []
    for station in stations:
        with transaction.atomic():
            thing = m.Thing.objects.filter(properties__simulator=station.key).first()
            if thing is None:
                thing = write.create("Things", _thing_payload(station))
                organisation = Organisation.objects.filter(short_name=station.organisation).first()
                m.Thing.objects.filter(pk=thing.pk).update(
                    organisation=organisation, is_private=station.private
                )
        streams = {ds.properties.get("simulator"): ds for ds in thing.datastreams.all()}
        result.append(StationEntities(station, thing, streams))
    return result


def observation_times(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    count = int((end - start) / step)
    return [start + i * step for i in range(count + 1)]


def backfill(entities: list[StationEntities], start, end, step, *, base_url: str) -> int:
    """Send every stream's values for [start, end] through the bulk ingest service."""
    times = observation_times(start, end, step)
    payload = []
    for item in entities:
        for stream in item.station.streams:
            datastream = item.datastreams[stream.key]
            latest = datastream.phenomenon_time_end
            rows = [
                [time.isoformat(), value]
                for time, value in zip(times, stream.signal.values(times), strict=True)
                if latest is None or time > latest
            ]
            if rows:
                payload.append(
                    {
                        "Datastream": {"@iot.id": datastream.pk},
                        "components": ["phenomenonTime", "result"],
                        "dataArray": rows,
                    }
                )
    if not payload:
        return 0
    result = write.create_observations(payload, base_url=base_url)
    return sum(1 for row in result if row != "error")
