"""The sensor backbone's face for other apps: readings without HTTP.

Other apps (flood twin, traffic, sports park, energy) read sensor data only through these
functions (ARCHITECTURE section 2) and react to alerts through the event bus
(``sensors.alert.opened`` / ``.acknowledged`` / ``.closed``).

``latest(datastream_ids)``
    ``{id: Reading(time, value)}``, the newest numeric value of each Datastream.
``window(datastream_id, start, end, *, limit=1000)``
    The raw values of a time range.
``aggregate(datastream_id, start, end, *, interval="hour", functions=...)``
    Min, max, mean, count and sum per interval, served from the hourly and daily buckets.
"""

from smartcity.sensors.timeseries.services import aggregate, latest, window

__all__ = ["aggregate", "latest", "window"]
