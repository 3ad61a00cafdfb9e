import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import translation

from smartcity.core.notifications import topics
from smartcity.core.notifications.webpush import b64url_encode, generate_vapid_keys


@pytest.fixture(autouse=True)
def english():
    """The assertions quote the English msgids; German is asserted where a test says so."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(settings):
    """A browser that chose English (the language cookie wins over the profile's language)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Key files land in a fresh VAR_DIR, never in the developer's var/."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def vapid(settings):
    keys = generate_vapid_keys()
    settings.VAPID_PRIVATE_KEY = keys.private_key
    settings.VAPID_PUBLIC_KEY = keys.public_key
    settings.VAPID_SUBJECT = "mailto:smartcity@dresden.example"
    return keys


@pytest.fixture
def news_topic():
    """A topic registered for one test, as an app would in its ready()."""
    topic = topics.register_topic("tests.news", "City news", "News from the tests.")
    yield topic
    topics._topics.pop("tests.news", None)


class _PushHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append(
            {
                "path": self.path,
                "headers": {key.lower(): value for key, value in self.headers.items()},
                "body": body,
            }
        )
        status = self.server.status
        payload = b"" if status < 300 else json.dumps({"reason": "test"}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def push_service():
    """A push service (RFC 8030) on 127.0.0.1 that records what it receives."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PushHandler)
    server.received = []
    server.status = 201
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(
        server=server,
        origin=f"http://127.0.0.1:{server.server_port}",
        received=server.received,
    )
    server.shutdown()
    server.server_close()


class Browser:
    """The receiving side of RFC 8291: an ECDH P-256 key pair and an auth secret."""

    def __init__(self, endpoint):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.endpoint = endpoint

    def subscription_json(self):
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url_encode(point), "auth": b64url_encode(self.auth_secret)},
        }


@pytest.fixture
def browser(push_service):
    return Browser(f"{push_service.origin}/push/v1/subscription-1")
