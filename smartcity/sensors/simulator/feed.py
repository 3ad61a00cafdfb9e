"""Feeding the demo network through the platform's ingest paths.

The stations become SensorThings entities once (a deep insert of a Thing with its Location
and Datastreams, found again by the simulator key in the Thing's properties); their values
go as CreateObservations data arrays (:func:`data_arrays`). ``smartcity sensors simulate
--via`` picks the path:

- ``direct`` (:class:`Direct`): in-process, through ``sta.write.create`` and
  ``sta.write.create_observations``, the services behind ``POST /Things`` and
  ``POST /CreateObservations``;
- ``http`` (:mod:`.via_http`): the same two requests over HTTP, to any SensorThings server;
- ``mqtt`` (:mod:`.via_mqtt`): stations in-process (the MQTT extension creates only
  Observations), each value published to the broker for the ingest consumer.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from smartcity.core.accounts.models import Organisation
from smartcity.sensors import models as m
from smartcity.sensors.sta import write

COMPONENTS = ["phenomenonTime", "result"]


class FeedError(Exception):
    """A feed that cannot go on (a server or broker that is unreachable or refuses): the
    message is one line for the operator."""


@dataclass
class Stream:
    """Where a simulated stream's values go: the Datastream's id, and the end of the
    values it holds already (None: none), so that a run sends only newer ones."""

    id: int
    latest: datetime | None


@dataclass
class StationEntities:
    station: object  # stations.Station
    thing_id: int
    datastreams: dict[str, Stream]  # stream key -> Datastream


def thing_payload(station, link) -> dict:
    """The deep-insert body of ``station``'s Thing. ``link(entity_set, name)`` is the id of
    the Sensor or ObservedProperty of that name if it exists (None: create it), so that
    stations share them instead of duplicating them."""

    def link_or_new(entity_set: str, name: str, payload: dict) -> dict:
        existing = link(entity_set, name)
        return {"@iot.id": existing} if existing else payload

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
                "Sensor": link_or_new(
                    "Sensors",
                    stream.sensor,
                    {
                        "name": stream.sensor,
                        "description": f"{stream.sensor} (Demo)",
                        "encodingType": "text/plain",
                        "metadata": "Simulated sensor of the demo network",
                    },
                ),
                "ObservedProperty": link_or_new(
                    "ObservedProperties",
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


_LINKABLE = {"Sensors": m.Sensor, "ObservedProperties": m.ObservedProperty}


def _existing(entity_set: str, name: str) -> int | None:
    return _LINKABLE[entity_set].objects.filter(name=name).values_list("pk", flat=True).first()


def ensure_stations(stations) -> list[StationEntities]:
    """Create missing stations in this platform's database, with their organisation and
    privacy; existing ones (found by their simulator key) are reused."""
    result = []
    for station in stations:
        with transaction.atomic():
            thing = m.Thing.objects.filter(properties__simulator=station.key).first()
            if thing is None:
                thing = write.create("Things", thing_payload(station, _existing))
                organisation = Organisation.objects.filter(short_name=station.organisation).first()
                m.Thing.objects.filter(pk=thing.pk).update(
                    organisation=organisation, is_private=station.private
                )
        streams = {
            ds.properties.get("simulator"): Stream(ds.pk, ds.phenomenon_time_end)
            for ds in thing.datastreams.all()
        }
        result.append(StationEntities(station, thing.pk, streams))
    return result


def observation_times(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    count = int((end - start) / step)
    return [start + i * step for i in range(count + 1)]


def data_arrays(entities: list[StationEntities], start, end, step) -> list[dict]:
    """Every stream's values for [start, end] newer than what it holds, as CreateObservations
    data arrays (one per Datastream that has new values)."""
    times = observation_times(start, end, step)
    payload = []
    for item in entities:
        for stream in item.station.streams:
            target = item.datastreams.get(stream.key)
            if target is None:
                raise FeedError(
                    f"Thing {item.thing_id} ({item.station.name}) has no Datastream for the "
                    f"simulated stream {stream.key!r}; delete the Thing to have it created again"
                )
            rows = [
                [time.isoformat(), value]
                for time, value in zip(times, stream.signal.values(times), strict=True)
                if target.latest is None or time > target.latest
            ]
            if rows:
                payload.append(
                    {
                        "Datastream": {"@iot.id": target.id},
                        "components": COMPONENTS,
                        "dataArray": rows,
                    }
                )
    return payload


class Direct:
    """``--via direct``: stations and values through the write services in-process."""

    def __init__(self, *, base_url: str):
        self.base_url = base_url
        self.target = "this platform's database"
        self.skipped: list = []  # every station can be created here, private ones included

    def ensure_stations(self, stations) -> list[StationEntities]:
        return ensure_stations(stations)

    def send(self, groups: list[dict]) -> int:
        if not groups:
            return 0
        result = write.create_observations(groups, base_url=self.base_url)
        return sum(1 for row in result if row != "error")

    def close(self) -> None:
        """Nothing to release; the other feeds hold a connection."""


def backfill(entities: list[StationEntities], start, end, step, *, base_url: str) -> int:
    """Send every stream's values for [start, end] through the bulk ingest service."""
    return Direct(base_url=base_url).send(data_arrays(entities, start, end, step))
