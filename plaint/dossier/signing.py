"""Plaint's signature on a dossier: Ed25519 over the SHA-256 of its manifest.

The key is `PLAINT_DOSSIER_SIGNING_KEY` (the base64 of a 32-byte private key). Its public half is
published at /dossier/public-key; a dossier verifies only against that key, never against a key it
carries itself, or anybody could sign a forged one.
"""

import base64
import hashlib
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "Ed25519"


@cache
def _private_key(value: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured("PLAINT_DOSSIER_SIGNING_KEY must be the base64 of 32 random bytes.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key() -> Ed25519PrivateKey:
    """Return the deployment's dossier signing key (ImproperlyConfigured if the setting is not 32 bytes)."""
    return _private_key(settings.PLAINT_DOSSIER_SIGNING_KEY)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_bytes() -> bytes:
    """Return the raw 32 bytes of the public key."""
    return public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_pem() -> str:
    return public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def key_id() -> str:
    """Return the public key's short name: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(public_key_bytes()).hexdigest()[:16]


def sign(digest: bytes) -> str:
    """Return the base64 Ed25519 signature of `digest` (the manifest's SHA-256)."""
    return base64.b64encode(private_key().sign(digest)).decode()


def valid(digest: bytes, signature: str) -> bool:
    """Return whether `signature` (base64) is this deployment's signature of `digest`; False for malformed input."""
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key().verify(raw, digest)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
