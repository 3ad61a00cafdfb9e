"""Secrets for machine access (personal API tokens, sensor tokens).

Only a SHA-256 hash is stored: a token has 256 bits of entropy, so a fast hash is enough
and lets every request look its token up by index.
"""

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
