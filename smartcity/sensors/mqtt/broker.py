"""The MQTT broker named by the ``MQTT_URL`` setting, and what the service root says about it.

``MQTT_URL`` is ``mqtt://host[:1883]`` or, with TLS, ``mqtts://host[:8883]``; user name and
password, if the broker wants them, go in the URL (``mqtts://ingest:secret@broker:8883``,
percent-encoded). Empty means: no MQTT (nothing is published, ``mqtt-ingest`` refuses to
start, the service root claims no MQTT conformance class).

``MQTT_PUBLISH_URL`` (optional) is where entity changes are published, when that is not
the ingest broker: sensors send their tokens along with their readings, and every client
that may subscribe to a topic receives what is published on it, user properties included,
so in production the sensors' broker is not the one the public subscribes to
(``docs/sensors-mqtt.md``, "Deployment").

Every client is MQTT 5 (OASIS MQTT Version 5.0): shared subscriptions (section 4.8.2) let
several ingest consumers split the load, and user properties (section 3.3.2.3.7) mark the
server's own publications so that the ingest does not read them back as new Observations.
"""

import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

# The MQTT 5 user property on every message the server publishes (entity changes).
ORIGIN = ("origin", "smartcity")
# The MQTT 5 user property that carries a sensor token with a message to be ingested.
AUTHORIZATION = "authorization"

_SPEC = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
CREATE_VIA_MQTT = _SPEC + "create-observations-via-mqtt/observations-creation"
RECEIVE_UPDATES_VIA_MQTT = _SPEC + "receive-updates-via-mqtt/receive-updates"

_DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None

    @property
    def public_url(self) -> str:
        """The URL without credentials, as clients are told it."""
        scheme = "mqtts" if self.tls else "mqtt"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


def mqtt_url() -> str:
    """The ingest broker (and the publishing one unless ``MQTT_PUBLISH_URL`` is set)."""
    return getattr(settings, "MQTT_URL", "") or ""


def publish_url() -> str:
    """The broker entity changes are published to."""
    return getattr(settings, "MQTT_PUBLISH_URL", "") or mqtt_url()


def enabled() -> bool:
    return bool(mqtt_url())


def parse_url(url: str) -> Broker:
    """``mqtt://user:pass@host:port`` as a :class:`Broker`; ImproperlyConfigured if bad."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS:
        raise ImproperlyConfigured(
            f"MQTT_URL must start with mqtt:// or mqtts://, not {parts.scheme or url!r}"
        )
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError as problem:
        raise ImproperlyConfigured(f"MQTT_URL has a bad port: {problem}") from None
    if not parts.hostname:
        raise ImproperlyConfigured("MQTT_URL names no host")
    return Broker(
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "mqtts",
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def configured_broker() -> Broker:
    url = mqtt_url()
    if not url:
        raise ImproperlyConfigured("MQTT_URL is not set")
    return parse_url(url)


def new_client(broker: Broker, client_id: str, *, manual_ack: bool = False) -> mqtt.Client:
    """An MQTT 5 client for ``broker`` that reconnects with exponential back-off (1 s to
    60 s) once started with ``loop_start``; nothing is connected yet."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        manual_ack=manual_ack,
    )
    if broker.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    client.reconnect_delay_set(min_delay=1, max_delay=60)
    return client


def origin_properties() -> Properties:
    properties = Properties(PacketTypes.PUBLISH)
    properties.UserProperty = [ORIGIN]
    properties.ContentType = "application/json"
    return properties


def user_properties(message) -> list[tuple[str, str]]:
    properties = getattr(message, "properties", None)
    return list(getattr(properties, "UserProperty", None) or [])


def is_own(message) -> bool:
    """Whether the server published ``message`` (an entity change, not a new reading)."""
    return ORIGIN in user_properties(message)


def service_root_url() -> str:
    """The SensorThings service root as clients reach it, for selfLinks (``SITE_URL``)."""
    return settings.SITE_URL.rstrip("/") + reverse("sta:root").rstrip("/")


# --- the service root (OGC 18-088, section 9.2.1) -----------------------------------------


def conformance() -> tuple[str, ...]:
    """The MQTT conformance classes, claimed only when a broker is configured."""
    return (CREATE_VIA_MQTT, RECEIVE_UPDATES_VIA_MQTT) if enabled() else ()


def _public(url: str) -> str:
    return parse_url(url).public_url


def server_settings() -> dict:
    """The ``serverSettings`` members naming the MQTT endpoints, in the form of the
    standard's example (section 9.2.1): ``{"<conformance class>": {"endpoints": [...]}}``.

    Creating Observations: ``MQTT_PUBLIC_URL``, else ``MQTT_URL`` without its credentials.
    Receiving updates: ``MQTT_PUBLIC_UPDATES_URL``, else ``MQTT_PUBLISH_URL`` without its
    credentials when set, else the same endpoint as for creating.
    """
    if not enabled():
        return {}
    create = getattr(settings, "MQTT_PUBLIC_URL", "") or _public(mqtt_url())
    receive = getattr(settings, "MQTT_PUBLIC_UPDATES_URL", "") or (
        _public(settings.MQTT_PUBLISH_URL) if getattr(settings, "MQTT_PUBLISH_URL", "") else create
    )
    return {
        CREATE_VIA_MQTT: {"endpoints": [create]},
        RECEIVE_UPDATES_VIA_MQTT: {"endpoints": [receive]},
    }
