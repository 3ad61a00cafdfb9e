"""``smartcity sensors simulate --via http``: the demo network fed to a SensorThings server
over HTTP, as a data logger outside the platform would feed it.

The stations are looked up by their simulator key (``GET Things?$filter=properties/simulator
eq '...'``) and created where missing by a deep insert (``POST Things``, Sensors and
ObservedProperties of the same name linked); the values go by ``POST CreateObservations``
(data arrays, at most ``ROWS_PER_REQUEST`` rows a request). Every request carries the token
as ``Authorization: Bearer``: creating Things needs a platform or organisation token, and
the new Things belong to the token's organisation.

Private stations (the hospital's meter) are left out: the SensorThings API cannot make a
Thing private, and a token does not let its holder read private Things, so the feed could
neither create nor find one without publishing what the demo keeps private.

Only the standard library speaks HTTP here (urllib), so the feed runs wherever the
platform's code does.
"""

import http.client
import json
from datetime import datetime
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlsplit
from urllib.request import Request, urlopen

from django.utils.dateparse import parse_datetime

from smartcity.sensors.simulator.feed import (
    FeedError,
    StationEntities,
    Stream,
    thing_payload,
)

DEFAULT_URL = "http://127.0.0.1:8000/sta/v1.1"
TIMEOUT_S = 30
ROWS_PER_REQUEST = 10_000
_REFUSALS = {
    401: "pass a valid sensor token with --token",
    403: "creating Things needs a platform or organisation token "
    "(smartcity sensors create-token --department CODE)",
}


def _literal(text: str) -> str:
    """An OData string literal: quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def _interval_end(value) -> datetime | None:
    """The end of a Datastream's ``phenomenonTime`` (``start/end``), or None."""
    if not isinstance(value, str) or not value:
        return None
    return parse_datetime(value.rpartition("/")[2])


def _chunks(groups: list[dict], size: int):
    """The data arrays in requests of at most ``size`` rows, a long array split up."""
    request, rows = [], 0
    for group in groups:
        data = group["dataArray"]
        for start in range(0, len(data), size):
            part = data[start : start + size]
            if rows + len(part) > size and request:
                yield request
                request, rows = [], 0
            request.append({**group, "dataArray": part})
            rows += len(part)
    if request:
        yield request


class Server:
    """A SensorThings server at ``url`` (the service root, ``.../v1.1``)."""

    def __init__(self, url: str, token: str | None):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FeedError(f"--url must be an http:// or https:// URL, not {url!r}")
        self.url = url.rstrip("/")
        self.token = token
        self.target = self.url
        self.skipped: list = []  # private stations left out

    def _request(self, method: str, resource: str, *, query: dict | None = None, body=None):
        url = f"{self.url}/{resource}"
        if query:
            url += "?" + urlencode(query, quote_via=quote)
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # The scheme was checked in __init__: http or https, never file: or others.
        request = Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                raw = response.read()
        except HTTPError as error:
            raise FeedError(self._refusal(method, resource, error)) from None
        except (URLError, OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", None) or error
            raise FeedError(
                f"cannot reach the SensorThings server at {self.url}: {reason}"
            ) from None
        try:
            return json.loads(raw)
        except ValueError:
            raise FeedError(
                f"{method} {self.url}/{resource} answered no JSON; is --url the service root "
                "(…/sta/v1.1)?"
            ) from None

    def _refusal(self, method: str, resource: str, error: HTTPError) -> str:
        try:
            detail = json.loads(error.read()).get("detail") or ""
        except (ValueError, AttributeError, OSError):
            detail = ""
        message = f"{self.url} refused {method} {resource} (HTTP {error.code} {error.reason})"
        if detail:
            message += f": {detail}"
        hint = _REFUSALS.get(error.code)
        return f"{message}; {hint}" if hint else message

    def _link(self, entity_set: str, name: str) -> int | None:
        found = self._request(
            "GET",
            entity_set,
            query={"$filter": f"name eq {_literal(name)}", "$select": "id", "$top": "1"},
        )
        values = found.get("value") if isinstance(found, dict) else None
        return values[0]["@iot.id"] if values else None

    def _find(self, station) -> StationEntities | None:
        found = self._request(
            "GET",
            "Things",
            query={
                "$filter": f"properties/simulator eq {_literal(station.key)}",
                "$select": "id",
                "$expand": "Datastreams($select=id,properties,phenomenonTime)",
                "$top": "1",
            },
        )
        values = found.get("value") if isinstance(found, dict) else None
        if not values:
            return None
        thing = values[0]
        streams = {
            (ds.get("properties") or {}).get("simulator"): Stream(
                ds["@iot.id"], _interval_end(ds.get("phenomenonTime"))
            )
            for ds in thing.get("Datastreams", [])
        }
        return StationEntities(station, thing["@iot.id"], streams)

    def ensure_stations(self, stations) -> list[StationEntities]:
        result = []
        self.skipped = [station for station in stations if station.private]
        for station in stations:
            if station.private:
                continue
            entities = self._find(station)
            if entities is None:
                self._request("POST", "Things", body=thing_payload(station, self._link))
                entities = self._find(station)
                if entities is None:
                    raise FeedError(
                        f"{self.url} created the Thing {station.name!r} but does not list it"
                    )
            result.append(entities)
        return result

    def send(self, groups: list[dict]) -> int:
        stored = 0
        for request in _chunks(groups, ROWS_PER_REQUEST):
            links = self._request("POST", "CreateObservations", body=request)
            if not isinstance(links, list):
                raise FeedError(f"{self.url}/CreateObservations answered no list of links")
            stored += sum(1 for link in links if link != "error")
        return stored

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""
