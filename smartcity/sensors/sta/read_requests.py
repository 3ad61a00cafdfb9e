"""Answering GET: the service root, collections, entities, references and properties.

The query options are parsed by ``smartcity.sensors.odata`` and checked against what the
resource allows; the reading itself is ``sta/reading.py`` and ``sta/serialize.py``. What is
read is what ``visible`` shows the user (``sta/lookup.py``).
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _

from smartcity.sensors.mqtt import broker
from smartcity.sensors.odata import DEFAULT_LIMITS, parse_query_options
from smartcity.sensors.sta import batch, reading
from smartcity.sensors.sta.calls import Call, Problem, Result
from smartcity.sensors.sta.entities import BY_MODEL, ENTITY_SETS
from smartcity.sensors.sta.lookup import resolve
from smartcity.sensors.sta.paths import Kind, ResourcePath
from smartcity.sensors.sta.reading import read_collection, read_entity
from smartcity.sensors.sta.serialize import entity_json, self_link

_SPEC = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
# Exactly the conformance classes this service implements (OGC 18-088, annex A); the MQTT
# classes join when a broker is configured (mqtt.broker.conformance()).
CONFORMANCE = tuple(
    _SPEC + name
    for name in (
        "datamodel",
        "resource-path/resource-path-to-entities",
        "request-data",
        "create-update-delete/create-entity",
        "create-update-delete/link-to-existing-entities",
        "create-update-delete/deep-insert",
        "create-update-delete/deep-insert-status-code",
        "create-update-delete/update-entity",
        "create-update-delete/delete-entity",
        "create-update-delete/historical-location-auto-creation",
        "multi-datastream",
        "data-array/data-array",
        "batch-request/batch-request",
    )
)
ENTITY_OPTIONS = frozenset({"$select", "$expand"})
REF_OPTIONS = frozenset({"$filter", "$orderby", "$top", "$skip", "$count"})


def service_limits() -> dict:
    default_top, max_top = reading.top_limits()
    return {
        "defaultTop": default_top,
        "maxTop": max_top,
        "maxExpandDepth": DEFAULT_LIMITS.max_expand_depth,
        "maxExpressionDepth": DEFAULT_LIMITS.max_depth,
        "maxOptionLength": DEFAULT_LIMITS.max_length,
        "maxBatchRequests": batch.MAX_REQUESTS,
        "maxBodyBytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    }


def service_document(base_url: str) -> dict:
    return {
        "value": [{"name": name, "url": f"{base_url}/{name}"} for name in ENTITY_SETS],
        "serverSettings": {
            "conformance": [*CONFORMANCE, *broker.conformance()],
            "limits": service_limits(),
            **broker.server_settings(),
        },
    }


def _options(call: Call, allowed: frozenset[str] | None, where: str):
    options = parse_query_options(call.query)
    if allowed is not None:
        extra = sorted(name for name in options.sources if name not in allowed)
        if extra:
            raise Problem(
                400,
                _("%(options)s cannot be used on %(where)s; allowed here: %(allowed)s")
                % {
                    "options": ", ".join(extra),
                    "where": where,
                    "allowed": ", ".join(sorted(allowed)) or _("none"),
                },
            )
    return options


def read(call: Call, path: ResourcePath, *, user, base_url: str) -> Result:
    if path.kind is Kind.SERVICE:
        _options(call, frozenset(), _("the service root"))
        return Result(200, service_document(base_url))
    entity_set = path.entity_set
    if path.kind is Kind.COLLECTION:
        options = _options(call, None, "")
        _chain, queryset = resolve(path, user, writing=False)
        return Result(
            200,
            read_collection(
                queryset,
                entity_set,
                options,
                base_url=base_url,
                request_path=call.request_path,
                user=user,
            ),
        )
    if path.kind is Kind.REF and not path.single:
        options = _options(call, REF_OPTIONS, _("a list of references"))
        _chain, queryset = resolve(path, user, writing=False)
        page = read_collection(
            queryset,
            entity_set,
            options,
            base_url=base_url,
            request_path=call.request_path,
            user=user,
        )
        refs = {key: value for key, value in page.items() if key != "value"}
        refs["value"] = [
            {"@iot.selfLink": self_link(base_url, entity_set, item["@iot.id"])}
            for item in page["value"]
        ]
        return Result(200, refs)
    if path.kind is Kind.ENTITY:
        options = _options(call, ENTITY_OPTIONS, _("a single entity"))
        _chain, entity = resolve(path, user, writing=False)
        return Result(200, read_entity(entity, entity_set, options, base_url=base_url, user=user))
    _options(call, frozenset(), path.text)
    _chain, entity = resolve(path, user, writing=False)
    if path.kind is Kind.REF:
        return Result(
            200, {"@iot.selfLink": self_link(base_url, BY_MODEL[type(entity)], entity.pk)}
        )
    name = path.prop.name
    value = entity_json(entity, entity_set, base_url=base_url, select=[name]).get(name)
    if value is None:
        # OData 4.0 Part 1, 11.2.6: a property (or its raw value) that is null is 204.
        return Result(204)
    if path.kind is Kind.PROPERTY:
        return Result(200, {name: value})
    raw = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return Result(200, raw, text=True)
