"""API keys: generated here, stored only as a keyed digest and an encrypted copy.

Both keys derive from a secret of TRAILMARK_KEY_SECRETS (newest first) with HKDF, under different
labels, so the lookup digest and the encryption never share key material. New keys are stored
under the newest secret; older ones still verify and decrypt, so the secret can be rotated (see
analytics_site.api.authentication, which re-stores a key under the newest secret when used).
"""

import base64
import hmac
import secrets
from functools import cache
from hashlib import sha256

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

API_KEY_PREFIX = "tt_"
# Longer values are not keys we issued; refuse them before hashing attacker-sized input.
_MAX_API_KEY_LENGTH = 128


class ApiKeyUnreadable(Exception):
    """The stored key was encrypted under a secret that is no longer configured."""


def api_key_generate() -> str:
    # 32 random bytes: 43 URL-safe characters after the prefix.
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_well_formed(api_key: str) -> bool:
    return api_key.startswith(API_KEY_PREFIX) and len(api_key) <= _MAX_API_KEY_LENGTH


def api_key_digest(api_key: str) -> str:
    """The digest under the newest secret: the one stored for new keys."""
    return _digest(settings.TRAILMARK_KEY_SECRETS[0], api_key)


def api_key_digests(api_key: str) -> list[str]:
    """The digest under each configured secret, newest first."""
    return [_digest(secret, api_key) for secret in settings.TRAILMARK_KEY_SECRETS]


def api_key_digests_match(stored: str, candidate: str) -> bool:
    return hmac.compare_digest(stored.encode(), candidate.encode())


def api_key_encrypt(api_key: str) -> str:
    return _multi_fernet(tuple(settings.TRAILMARK_KEY_SECRETS)).encrypt(api_key.encode()).decode()


def api_key_decrypt(ciphertext: str) -> str:
    try:
        plain = _multi_fernet(tuple(settings.TRAILMARK_KEY_SECRETS)).decrypt(ciphertext.encode())
    except InvalidToken:
        raise ApiKeyUnreadable from None
    return plain.decode()


def _digest(secret: str, api_key: str) -> str:
    return hmac.new(_derived_key(secret, b"lookup"), api_key.encode(), sha256).hexdigest()


@cache
def _derived_key(secret: str, label: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"trailmark-api-key-" + label
    ).derive(secret.encode())


@cache
def _multi_fernet(secrets: tuple[str, ...]) -> MultiFernet:
    # Encrypts with the first (newest) secret, decrypts with any of them.
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derived_key(s, b"encryption"))) for s in secrets]
    )
