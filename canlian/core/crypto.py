"""Field-level encryption of personal identifiers (等保 第三级 数据保密性, DOMAIN.md §7.1).

ID numbers and phone numbers are stored as SM4-GCM ciphertext (the national block cipher that
密评 expects) with a random nonce, so equal values encrypt differently. Exact lookups and joins use
a keyed blind index, HMAC-SM3 over the normalised value, stored next to the ciphertext.

Stored form: ``v1:<base64(nonce(12) | ciphertext | tag(16))>``. The ``v1`` prefix names the key
generation, so keys can be rotated by adding ``v2`` without rewriting every row at once.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_VERSION = "v1"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class DecryptionError(Exception):
    """The stored value cannot be decrypted with the configured key (wrong key or tampering)."""


@cache
def _key(setting: str, length: int) -> bytes:
    raw = getattr(settings, setting)
    try:
        key = bytes.fromhex(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{setting} 必须是十六进制字符串") from exc
    if len(key) != length:
        raise ImproperlyConfigured(
            f"{setting} 长度应为 {length} 字节（{length * 2} 个十六进制字符）"
        )
    return key


@cache
def _sm4() -> algorithms.SM4:
    """The cipher with its key checked once (an import encrypts hundreds of thousands)."""
    return algorithms.SM4(_key("FIELD_ENCRYPTION_KEY", 16))


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    encryptor = Cipher(_sm4(), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    token = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
    return f"{_VERSION}:{token}"


def decrypt(stored: str) -> str:
    version, _, token = stored.partition(":")
    if version != _VERSION or not token:
        raise DecryptionError("unknown ciphertext format")
    blob = base64.b64decode(token)
    nonce, body, tag = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:-_TAG_BYTES], blob[-_TAG_BYTES:]
    decryptor = Cipher(_sm4(), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


_SM3_BLOCK = 64


@cache
def _hmac_sm3_states() -> tuple[Any, Any] | None:
    """HMAC's inner and outer SM3 states after absorbing the padded key (RFC 2104), or None
    when this OpenSSL's hashlib has no SM3. Copying them saves two of the four hash blocks and
    the HMAC object of every blind index: millions per import."""
    if "sm3" not in hashlib.algorithms_available:
        return None
    key = _key("BLIND_INDEX_KEY", 32).ljust(_SM3_BLOCK, b"\0")
    return (hashlib.new("sm3", bytes(b ^ 0x36 for b in key)),
            hashlib.new("sm3", bytes(b ^ 0x5C for b in key)))


def blind_index(value: str) -> str:
    """Keyed HMAC-SM3 of an already-normalised value, hex; equal inputs give equal indexes."""
    states = _hmac_sm3_states()
    if states is None:
        mac = hmac.HMAC(_key("BLIND_INDEX_KEY", 32), hashes.SM3())
        mac.update(value.encode("utf-8"))
        return mac.finalize().hex()
    inner, outer = states[0].copy(), states[1].copy()
    inner.update(value.encode("utf-8"))
    outer.update(inner.digest())
    return outer.hexdigest()


class EncryptedCharField(models.TextField):
    """A text column holding SM4 ciphertext; Python code sees the plaintext.

    Pair it with a ``CharField(max_length=64, db_index=True)`` holding :func:`blind_index` of
    the same value for lookups: ciphertext is randomised and cannot be filtered on.
    """

    description = "SM4-encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> str | None:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return value
        return encrypt(str(value))
