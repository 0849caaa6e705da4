"""API keys: generated here, stored only as a keyed digest and an encrypted copy.

Both keys derive from TRAILMARK_KEY_SECRET (default: SECRET_KEY) with HKDF, under different labels,
so the lookup digest and the encryption never share key material.
"""

import base64
import hmac
import secrets
from functools import cache
from hashlib import sha256

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

API_KEY_PREFIX = "tt_"


def api_key_generate() -> str:
    # 32 random bytes: 43 URL-safe characters after the prefix.
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_digest(api_key: str) -> str:
    return hmac.new(
        _derived_key(settings.TRAILMARK_KEY_SECRET, b"lookup"), api_key.encode(), sha256
    ).hexdigest()


def api_key_digests_match(stored: str, candidate: str) -> bool:
    return hmac.compare_digest(stored.encode(), candidate.encode())


def api_key_encrypt(api_key: str) -> str:
    return _fernet(settings.TRAILMARK_KEY_SECRET).encrypt(api_key.encode()).decode()


def api_key_decrypt(ciphertext: str) -> str:
    return _fernet(settings.TRAILMARK_KEY_SECRET).decrypt(ciphertext.encode()).decode()


@cache
def _derived_key(secret: str, label: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"trailmark-api-key-" + label
    ).derive(secret.encode())


@cache
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(secret, b"encryption")))
