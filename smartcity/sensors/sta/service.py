"""The SensorThings API 1.1 service (OGC 18-088, sections 9-11, 14.4), whatever the transport.

:class:`Service` answers a :class:`~.calls.Call` for one caller: it parses the path
(``sta/paths.py``), checks the method and that a write has credentials, and hands the call
to the read handler (``sta/read_requests.py``) or a write handler
(``sta/write_requests.py``, which checks access with ``sta/authority.py``). ``$batch``
runs each of its requests through the same :meth:`Service.handle` (``sta/batch.py``).
The HTTP view (``sta/views.py``) and MQTT ingest (``mqtt/ingest.py``) call it.
"""

from django.http import QueryDict
from django.utils.translation import gettext as _

from smartcity.sensors.odata import QueryError
from smartcity.sensors.sta import batch, read_requests, write, write_requests
from smartcity.sensors.sta.authority import CHALLENGE, Caller
from smartcity.sensors.sta.calls import JSON, Call, Problem, Result, error
from smartcity.sensors.sta.paths import Kind, PathError, ResourcePath, parse_path


def _allowed(path: ResourcePath) -> tuple[str, ...]:
    if path.kind is Kind.COLLECTION:
        return ("GET", "POST")
    if path.kind is Kind.ENTITY:
        return ("GET", "PATCH", "PUT", "DELETE")
    if path.kind in (Kind.CREATE_OBSERVATIONS, Kind.BATCH):
        return ("POST",)
    if path.kind is not Kind.REF:
        return ("GET",)
    navigation = path.target.navigation
    if navigation is None:
        return ("GET",)
    if not navigation.to_many:
        return ("GET", "PUT", "DELETE")
    return ("GET", "POST") if path.target.key is None else ("GET", "DELETE")


class Service:
    """Answers :class:`Call` s for one caller; ``base_url`` is the service root URL."""

    def __init__(self, caller: Caller, *, base_url: str, root_path: str):
        self.caller = caller
        self.base_url = base_url.rstrip("/")
        self.root_path = root_path

    def handle(self, call: Call, *, nested: bool = False) -> Result:
        try:
            path = parse_path(call.resource)
            return self._dispatch(call, path, nested)
        except (PathError, write.STAError) as problem:
            return error(problem.status, str(problem))
        except QueryError as problem:
            return error(400, str(problem))
        except Problem as problem:
            return error(problem.status, problem.detail, problem.headers)

    def _dispatch(self, call: Call, path: ResourcePath, nested: bool) -> Result:
        allowed = _allowed(path)
        method = call.method.upper()
        if method == "OPTIONS":
            return Result(200, headers={"Allow": ", ".join((*allowed, "HEAD", "OPTIONS"))})
        if method == "HEAD":
            method = "GET"
        if method not in allowed:
            return error(
                405,
                _("%(method)s is not allowed on %(path)s; allowed are: %(allowed)s")
                % {"method": method, "path": path.text or "/", "allowed": ", ".join(allowed)},
                {"Allow": ", ".join((*allowed, "HEAD", "OPTIONS"))},
            )
        if path.kind is Kind.BATCH:
            if nested:
                raise Problem(400, _("a batch request cannot contain another batch request"))
            return self._batch(call)
        caller, base_url = self.caller, self.base_url
        if method == "GET":
            return read_requests.read(call, path, user=caller.user, base_url=base_url)
        if not caller.known:
            raise Problem(
                401,
                _(
                    "Writing needs credentials: send a sensor token as 'Authorization: Bearer "
                    "<token>' (or HTTP Basic with the token as password), or sign in."
                ),
                {"WWW-Authenticate": CHALLENGE},
            )
        if any(name.startswith("$") for name in call.query):
            raise Problem(400, _("query options apply to reading (GET) only"))
        if path.kind is Kind.CREATE_OBSERVATIONS:
            return write_requests.create_observations(call, caller, base_url=base_url)
        if path.kind is Kind.COLLECTION:
            return write_requests.create(call, path, caller, base_url=base_url)
        if path.kind is Kind.REF:
            return write_requests.change_link(call, path, method, caller, root_path=self.root_path)
        if method == "DELETE":
            return write_requests.delete(path, caller)
        return write_requests.update(call, path, caller, base_url=base_url, replace=method == "PUT")

    # $batch

    def _batch(self, call: Call) -> Result:
        media_type = call.media_type
        try:
            if media_type == JSON:
                parts = batch.parse_json(call.body)
            elif media_type == "multipart/mixed":
                parts = batch.parse_multipart(call.content_type, call.body)
            else:
                raise batch.BatchError(
                    _("a batch is sent as application/json or multipart/mixed, not %(type)s")
                    % {"type": media_type or _("none")}
                )
        except batch.BatchError as problem:
            return error(400, str(problem))
        units = batch.run(parts, self._run_part, base_url=self.base_url)
        if media_type == JSON:
            return Result(200, batch.json_answer(units))
        content_type, body = batch.multipart_answer(units)
        return Result(200, raw=body, raw_type=content_type)

    def _run_part(self, part: batch.Part, references: dict[str, str]) -> Result:
        try:
            resource, query = batch.resolve_url(part.url, self.root_path, references)
        except LookupError as problem:
            return error(404, str(problem))
        sub = Call(
            method=part.method,
            resource=resource,
            query=QueryDict(query),
            request_path=self.root_path + resource,
            content_type=part.content_type,
            body=batch.with_references(part, references),
        )
        return self.handle(sub, nested=True)
