"""ID and phone numbers are SM4-encrypted at rest with an HMAC-SM3 blind index (issue #2 §5)."""

from __future__ import annotations

import pytest
from django.db import connection

from canlian.core import crypto, services
from canlian.core.models import User

ID_NUMBER = "11010519491231002X"  # DOMAIN.md §2.2 valid vector
PHONE = "13912345678"


def test_encrypt_round_trip_and_randomised() -> None:
    a, b = crypto.encrypt(ID_NUMBER), crypto.encrypt(ID_NUMBER)
    assert a != b  # random nonce: equal numbers do not give equal ciphertexts
    assert crypto.decrypt(a) == crypto.decrypt(b) == ID_NUMBER
    assert a.startswith("v1:")


def test_tampered_ciphertext_is_rejected() -> None:
    token = crypto.encrypt(PHONE)
    raw = bytearray(crypto.base64.b64decode(token[3:]))
    raw[14] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("v1:" + crypto.base64.b64encode(bytes(raw)).decode())


def test_blind_index_is_deterministic_and_keyed(settings: object) -> None:
    first = crypto.blind_index(ID_NUMBER)
    assert first == crypto.blind_index(ID_NUMBER)
    assert first != crypto.blind_index("440524188001010014")
    assert ID_NUMBER not in first and len(first) == 64


def test_blind_index_is_standard_hmac_sm3() -> None:
    """The index copies precomputed HMAC states for speed; it must stay RFC 2104 HMAC-SM3 of
    the UTF-8 value, as a generic HMAC computes it, or existing indexes would stop matching."""
    from cryptography.hazmat.primitives import hashes, hmac

    for value in (ID_NUMBER, PHONE, "", "张三", "x" * 200):
        mac = hmac.HMAC(crypto._key("BLIND_INDEX_KEY", 32), hashes.SM3())
        mac.update(value.encode("utf-8"))
        assert crypto.blind_index(value) == mac.finalize().hex()


def _raw_database_text() -> str:
    """Everything the database holds, as the database itself stores it."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    with connection.cursor() as cursor:
        cursor.execute("SELECT core_user::text FROM core_user")
        users = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT core_auditevent::text FROM core_auditevent")
        return users + "\n".join(row[0] for row in cursor.fetchall())


def test_raw_database_holds_no_plaintext_id_or_phone(personas: dict[str, User]) -> None:
    user = services.user_create(
        actor=personas["county_admin"], username="wang", name="王五", role="resident",
        region=personas["village_liaison"].region, password="Xy!12345pass",
        phone=PHONE, id_number=ID_NUMBER.lower(),
    )
    user.refresh_from_db()
    assert (user.phone, user.id_number) == (PHONE, ID_NUMBER)
    dump = _raw_database_text()
    assert PHONE not in dump
    assert ID_NUMBER not in dump and ID_NUMBER.lower() not in dump
    assert "王五" in dump  # the dump really contains the row we just wrote


def test_lookup_by_id_number_uses_the_blind_index(personas: dict[str, User]) -> None:
    user = services.user_create(
        actor=personas["county_admin"], username="li", name="李六", role="resident",
        region=personas["village_liaison"].region, password="Xy!12345pass", id_number=ID_NUMBER,
    )
    assert services.user_find_by_id_number(" 11010519491231002x ") == user
    assert services.user_find_by_id_number("440524188001010014") is None
