"""Where the platform's VAPID key pair comes from (RFC 8292).

Production gives both keys in the environment (``VAPID_PRIVATE_KEY``, ``VAPID_PUBLIC_KEY``,
made with ``smartcity vapid-keys --print-env``). Without them the key pair is read from
``VAR_DIR/vapid.json``; in development and tests that file is created on first use, in
production it must have been made with ``smartcity vapid-keys``.

Changing the key pair invalidates every browser subscription: browsers bind a subscription to
the public key they were given, and push services reject messages signed with another key.
"""

import contextlib
import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from smartcity.core.notifications.webpush import (
    VapidKeyPair,
    generate_vapid_keys,
    load_vapid,
    public_key_of,
)

FILE_NAME = "vapid.json"


class VapidKeysMissing(ImproperlyConfigured):
    pass


def key_file() -> Path:
    return Path(settings.VAR_DIR) / FILE_NAME


def write_key_file(keys: VapidKeyPair, path: Path, *, overwrite: bool = False) -> None:
    """Write the pair readable by this user only; refuse to replace a file unless told to.

    The file appears atomically (written aside, then linked or renamed into place), so a
    second process never reads half a key and two first uses cannot both win.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {"private_key": keys.private_key, "public_key": keys.public_key}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        json.dump(content, f, indent=2)
        f.write("\n")
    try:
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def read_key_file(path: Path) -> VapidKeyPair:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        keys = VapidKeyPair(content["private_key"], content["public_key"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"{path} is not a VAPID key file: {exc}") from None
    return checked(keys, str(path))


def checked(keys: VapidKeyPair, source: str) -> VapidKeyPair:
    """The pair with its public key derived from the private one; a mismatch is an error."""
    try:
        derived = public_key_of(load_vapid(keys.private_key))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{source}: {exc}") from None
    if keys.public_key and keys.public_key.rstrip("=") != derived:
        raise ImproperlyConfigured(
            f"{source}: the VAPID public key does not belong to the private key"
        )
    return VapidKeyPair(keys.private_key, derived)


def vapid_keys() -> VapidKeyPair:
    """The platform's VAPID key pair: from settings, else from (or into) VAR_DIR/vapid.json."""
    if settings.VAPID_PRIVATE_KEY:
        return checked(
            VapidKeyPair(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY),
            "VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY",
        )
    if settings.VAPID_PUBLIC_KEY:
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY is set but VAPID_PRIVATE_KEY is not")
    path = key_file()
    if not path.exists():
        if settings.PRODUCTION:
            raise VapidKeysMissing(
                "Web Push needs a VAPID key pair: set VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY "
                "(smartcity vapid-keys --print-env) or run smartcity vapid-keys"
            )
        # Another process may have made it a moment ago; then its pair is the one to use.
        with contextlib.suppress(FileExistsError):
            write_key_file(generate_vapid_keys(), path)
    return read_key_file(path)


def vapid_subject() -> str:
    """The contact the push services see (RFC 8292 section 2.1: a mailto: or https: URI)."""
    return settings.VAPID_SUBJECT or f"mailto:{settings.DEFAULT_FROM_EMAIL}"
