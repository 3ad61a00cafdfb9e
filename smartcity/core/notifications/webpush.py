"""Web Push without Django: subscription checks, payload limits, VAPID keys and sending.

Standards:

* RFC 8030 (Generic Event Delivery Using HTTP Push): the application server POSTs the
  encrypted message to the subscription's endpoint; 201 means accepted, 404 and 410 mean the
  subscription no longer exists (section 7.3), ``TTL`` says how long the push service keeps a
  message for an offline device (section 5.2).
* RFC 8291 (Message Encryption for Web Push): the browser's P-256 ECDH key ``p256dh`` (an
  uncompressed point, 65 octets) and 16-octet authentication secret ``auth`` (section 3.2);
  the message is one ``aes128gcm`` record (section 4).
* RFC 8188 (Encrypted Content-Encoding for HTTP): record layout, header of 86 octets with a
  65-octet key id, 16-octet AEAD tag and at least one octet of padding delimiter.
* RFC 8292 (VAPID): the ``Authorization: vapid t=<JWT>, k=<public key>`` header, signed with
  an ECDSA P-256 key the browser was given as ``applicationServerKey``.
"""

import base64
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush

# RFC 8291 section 4: push services need not accept more than 4096 octets of body; minus the
# 86-octet header, 16 octets of AEAD expansion and 1 octet of padding leaves 3993 octets.
PUSH_SERVICE_MAX_BODY_OCTETS = 4096
RECORD_HEADER_OCTETS = 86
AEAD_TAG_OCTETS = 16
PADDING_DELIMITER_OCTETS = 1
MAX_PLAINTEXT_OCTETS = (
    PUSH_SERVICE_MAX_BODY_OCTETS - RECORD_HEADER_OCTETS - AEAD_TAG_OCTETS - PADDING_DELIMITER_OCTETS
)

P256_POINT_OCTETS = 65  # uncompressed: 0x04 || X || Y (SEC 1 section 2.3.3)
AUTH_SECRET_OCTETS = 16  # RFC 8291 section 3.2
MAX_ENDPOINT_LENGTH = 2048
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def b64url_decode(value: str, what: str) -> bytes:
    """Strict base64url (RFC 4648 section 5), padding optional as browsers omit it."""
    if not isinstance(value, str) or not _BASE64URL.match(value):
        raise ValueError(f"{what} is not base64url text (letters, digits, '-' and '_').")
    stripped = value.rstrip("=")
    if len(stripped) % 4 == 1:
        raise ValueError(f"{what} has an impossible base64url length.")
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _ip(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_endpoint(endpoint, *, allow_loopback: bool) -> str:
    """Return the endpoint if a push service may live there, else raise ValueError.

    Only https is accepted; plain http only for a push service on this machine (tests,
    development) when ``allow_loopback`` is set. IP literals outside the public internet are
    refused so that a subscription cannot point the server at the city's internal network.
    """
    if not isinstance(endpoint, str) or not endpoint:
        raise ValueError("The subscription has no endpoint.")
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise ValueError(f"The endpoint is longer than {MAX_ENDPOINT_LENGTH} characters.")
    if any(ch <= " " or ch == "\x7f" for ch in endpoint):
        raise ValueError("The endpoint contains spaces or control characters.")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ValueError(f"The endpoint is not a valid URL: {exc}.") from None
    if not host:
        raise ValueError("The endpoint has no host name.")
    if parts.username is not None or parts.password is not None:
        raise ValueError("The endpoint must not contain a user name or password.")
    address = _ip(host)
    loopback = host in LOOPBACK_NAMES or (address is not None and address.is_loopback)
    if loopback:
        if not allow_loopback or parts.scheme not in ("http", "https"):
            raise ValueError("The endpoint must be an https:// URL of a push service.")
        return endpoint
    if parts.scheme != "https":
        raise ValueError("The endpoint must be an https:// URL of a push service.")
    if address is not None and not address.is_global:
        raise ValueError("The endpoint must not point to a private or reserved network.")
    return endpoint


def check_keys(p256dh, auth) -> None:
    """RFC 8291 section 3.2: a P-256 point in uncompressed form and a 16-octet secret."""
    point = b64url_decode(p256dh, "The p256dh key")
    if len(point) != P256_POINT_OCTETS or point[0] != 0x04:
        raise ValueError(
            f"The p256dh key must be an uncompressed P-256 point ({P256_POINT_OCTETS} octets "
            f"starting with 0x04), not {len(point)} octets."
        )
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise ValueError("The p256dh key is not a point on the P-256 curve.") from None
    secret = b64url_decode(auth, "The auth secret")
    if len(secret) != AUTH_SECRET_OCTETS:
        raise ValueError(f"The auth secret must be {AUTH_SECRET_OCTETS} octets, not {len(secret)}.")


def encode_payload(payload: Mapping) -> bytes:
    """The JSON plaintext of a push message; ValueError if it cannot fit one record."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_PLAINTEXT_OCTETS:
        raise ValueError(
            f"The push payload is {len(data)} octets of JSON; Web Push allows at most "
            f"{MAX_PLAINTEXT_OCTETS} (RFC 8291 section 4)."
        )
    return data


def fit_payload(payload: Mapping, shorten: str = "body") -> bytes:
    """Encode ``payload``, cutting the ``shorten`` text with an ellipsis until it fits.

    A push message is a preview; the full text stays in the inbox the message links to.
    """
    payload = dict(payload)
    text = payload.get(shorten) or ""
    while True:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        excess = len(data) - MAX_PLAINTEXT_OCTETS
        if excess <= 0 or not text:
            return encode_payload(payload)
        # JSON escapes make a character up to 6 octets; cutting by octets converges fast.
        text = text[: max(0, len(text) - max(excess // 6, 1) - 1)]
        payload[shorten] = text + "…" if text else ""


@dataclass(frozen=True)
class VapidKeyPair:
    """base64url: the raw 32-octet private scalar and the 65-octet public point."""

    private_key: str
    public_key: str


def generate_vapid_keys() -> VapidKeyPair:
    vapid = Vapid()
    vapid.generate_keys()
    scalar = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return VapidKeyPair(b64url_encode(scalar), public_key_of(vapid))


def load_vapid(private_key: str) -> Vapid:
    """Read a private key given as raw base64url scalar, base64url DER or PEM."""
    text = private_key.strip()
    try:
        if text.startswith("-----BEGIN"):
            return Vapid.from_pem(text.encode("ascii"))
        return Vapid.from_string(text)
    except (ValueError, TypeError, VapidException, UnicodeError) as exc:
        raise ValueError(f"The VAPID private key cannot be read: {exc}") from None


def public_key_of(vapid: Vapid) -> str:
    """The applicationServerKey a browser needs: the uncompressed public point, base64url."""
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(point)


@dataclass(frozen=True)
class PushResult:
    status: str  # "sent", "gone" or "failed"
    http_status: int | None = None
    error: str = ""


def send(
    subscription_info: Mapping,
    data: bytes,
    *,
    vapid: Vapid,
    subject: str,
    ttl_s: int = 86400,
    timeout_s: float = 15.0,
) -> PushResult:
    """Encrypt ``data`` for one subscription and POST it to its push service.

    ``data`` must already fit (see :func:`encode_payload`); anything longer is refused here
    too, before any network traffic.
    """
    if len(data) > MAX_PLAINTEXT_OCTETS:
        raise ValueError(
            f"The push payload is {len(data)} octets; Web Push allows at most "
            f"{MAX_PLAINTEXT_OCTETS} (RFC 8291 section 4)."
        )
    try:
        response = webpush(
            dict(subscription_info),
            data=data,
            vapid_private_key=vapid,
            vapid_claims={"sub": subject},
            ttl=ttl_s,
            timeout=timeout_s,
        )
    except WebPushException as exc:
        status = exc.status_code
        reason = f"HTTP {status}" if status is not None else exc.message
        body = ""
        if exc.response is not None:
            body = (getattr(exc.response, "text", "") or "")[:500]
        error = f"{reason}: {body}".strip().rstrip(":")
        if status in (404, 410):
            return PushResult("gone", status, error)
        return PushResult("failed", status, error)
    except (requests.RequestException, VapidException, OSError) as exc:
        return PushResult("failed", None, f"{type(exc).__name__}: {exc}"[:1000])
    return PushResult("sent", response.status_code)
