"""What writing rows to the registry needs that follows from the rows alone, computed once:
blind indexes, pinyin initials, SM4 ciphertexts and the audit form of created persons
(canlian.registry.upsert writes them).

A large import computes them ahead in its checking process (:func:`prepare`,
canlian.registry.importing); :class:`Memo` takes what was prepared and computes the rest on
first use, once per batch.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from canlian.core import audit
from canlian.core.audit import MASKED_FIELDS
from canlian.core.crypto import EncryptedCharField, blind_index, encrypt
from canlian.registry.models import CertificateStatus, LivingStatus, Person
from canlian.registry.pinyin import name_initials
from canlian.registry.rows import PersonRow
from canlian.registry.sqlwrite import JsonText

# Fields an import or a form sets; the audit row and "unchanged" compare exactly these.
PERSON_FIELDS = (
    "name", "name_initials", "id_number", "birth_date", "sex", "phone", "region_id", "address",
    "relation_to_head", "category", "grade", "components", "certificate_number",
    "certificate_issued_on", "certificate_valid_until", "certificate_status",
    "needs_long_term_care", "living_status", "living_status_on", "guardian_name",
    "guardian_id_number", "guardian_phone", "ethnicity", "education", "employment_status",
)  # fmt: skip
PERSON_ENCRYPTED = frozenset(f.attname for f in Person._meta.concrete_fields
                             if isinstance(f, EncryptedCharField))
PERSON_DEFAULTS = {f.attname: f.get_default() for f in Person._meta.concrete_fields}


# Each field's mask and its key as json.dumps writes it (the separators are json's defaults).
_CREATED_KEYS = [(name, MASKED_FIELDS.get(name), f"{json.dumps(name)}: [null, ")
                 for name in PERSON_FIELDS]
_json_text = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]  # json.dumps's


@dataclass
class Prepared:
    """What writing some rows needs that follows from the rows alone — blind indexes, pinyin
    initials, ciphertexts — computed ahead by :func:`prepare`, in another process for a large
    import (registry.importing), so that the writing process only reads, compares and writes."""

    indexes: dict[str, str] = field(default_factory=dict)  # value → blind index
    initials: dict[str, str] = field(default_factory=dict)  # name → initials
    # (ID number, field) → (plaintext, ciphertext): one ciphertext per person and field, never
    # shared between persons (equal ciphertexts would show equal values).
    ciphers: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # Row number in the file → the audit row's changes (JSON) if the row creates its person
    # on `today`.
    created: dict[int, JsonText] = field(default_factory=dict)
    today: date | None = None

    def add(self, other: Prepared) -> None:
        """Take in what was prepared for other rows (on the same day)."""
        self.indexes.update(other.indexes)
        self.initials.update(other.initials)
        self.ciphers.update(other.ciphers)
        self.created.update(other.created)
        self.today = other.today


def prepare(rows: Iterable[PersonRow], today: date | None = None) -> Prepared:
    """What writing `rows` needs; with `today`, also the audit changes of each row's person
    as created that day (most rows of a large import create their person)."""
    found = Prepared(today=today)
    indexes, initials, ciphers = found.indexes, found.initials, found.ciphers
    rows = list(rows)
    for row in rows:
        for value in (row.id_number, row.id_number[-4:], row.phone, row.certificate_number,
                      row.head_id_number):
            if value and value not in indexes:
                indexes[value] = blind_index(value)
        if row.name not in initials:
            initials[row.name] = name_initials(row.name)
        for name in PERSON_ENCRYPTED:  # PersonRow names them as the model does
            value = getattr(row, name)
            if value:
                ciphers[(row.id_number, name)] = (value, encrypt(value))
    if today is not None:
        memo = Memo(found)
        for row in rows:
            values, _ = person_values(row, None, memo, today)
            found.created[row.row] = memo.created({**PERSON_DEFAULTS, **values})
    return found


def heads_itself(row: PersonRow) -> bool:
    return not row.head_id_number or row.head_id_number == row.id_number


def certificate_status(row: PersonRow, stored: Mapping[str, Any] | None, certificate_index: str,
                        today: date) -> str:
    if not row.certificate_number:
        return CertificateStatus.NONE
    if (stored is not None and stored["certificate_index"] == certificate_index
            and stored["certificate_status"] == CertificateStatus.CANCELLED):
        return CertificateStatus.CANCELLED  # a cancellation is only undone by a new certificate
    if row.cert_valid_until is not None and row.cert_valid_until < today:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


NO_COMPONENTS: list[int] = []  # never mutated


def person_values(row: PersonRow, stored: Mapping[str, Any] | None, memo: Memo, today: date
            ) -> tuple[dict[str, Any], dict[str, str]]:
    """The person's fields as the row sets them (identifiers in plaintext), and the indexes."""
    indexes = {
        "id_number_index": memo.index(row.id_number),
        "id_tail_index": memo.index(row.id_number[-4:]),
        "phone_index": memo.index(row.phone),
        "certificate_index": memo.index(row.certificate_number),
    }
    keeps_living_date = stored is not None and stored["living_status"] == row.living_status
    # The initials follow from the name: an unchanged name keeps its stored ones.
    if stored is not None and stored["name"] == row.name:
        initials = stored["name_initials"]
    else:
        initials = memo.initials(row.name)
    values: dict[str, Any] = {
        "name": row.name,
        "name_initials": initials,
        "id_number": row.id_number,
        "birth_date": row.birth_date,
        "sex": row.sex,
        "phone": row.phone,
        "region_id": row.region_code,
        "address": row.address,
        "relation_to_head": "" if heads_itself(row) else row.relation_to_head,
        "category": row.category,
        "grade": row.grade,
        # Most persons have no components: one shared empty list lets the table writer adapt
        # (JSON-encode) it once per batch instead of once per person and history row.
        "components": list(row.components) if row.components else NO_COMPONENTS,
        "certificate_number": row.certificate_number,
        "certificate_issued_on": row.cert_issued_on,
        "certificate_valid_until": row.cert_valid_until,
        "certificate_status": certificate_status(row, stored, indexes["certificate_index"],
                                                  today),
        "living_status": row.living_status,
        "living_status_on": row.died_on if row.living_status == LivingStatus.DECEASED else (
            stored["living_status_on"] if stored is not None and keeps_living_date else None),
        "guardian_name": row.guardian_name,
        "guardian_id_number": row.guardian_id_number,
        "guardian_phone": row.guardian_phone,
    }
    # A blank yes/no cell, or a column the file does not have, means "leave as it is".
    if row.needs_long_term_care is not None:
        values["needs_long_term_care"] = row.needs_long_term_care
    elif stored is None:
        values["needs_long_term_care"] = False
    for name in ("ethnicity", "education", "employment_status"):
        if getattr(row, name) is not None:
            values[name] = getattr(row, name)
    return values, indexes


class Memo:
    """Blind indexes, pinyin initials and logged values, each computed once per batch (or
    ahead, when the batch comes with what `prepare` made)."""

    def __init__(self, prepared: Prepared | None = None) -> None:
        prepared = prepared or Prepared()
        self._indexes: dict[str, str] = prepared.indexes
        self._initials: dict[str, str] = prepared.initials
        self._ciphers = prepared.ciphers
        self._created = prepared.created
        self._created_on = prepared.today
        self._logged: dict[tuple[str, Any], str] = {}

    def encrypted(self, id_number: str, name: str, value: str) -> str:
        """The stored form of a person's identifier `name`: the prepared ciphertext when it
        was made for this very value, else encrypted now."""
        if not value:
            return ""
        found = self._ciphers.get((id_number, name))
        return found[1] if found is not None and found[0] == value else encrypt(value)

    def index(self, value: str) -> str:
        if not value:
            return ""
        found = self._indexes.get(value)
        if found is None:
            found = self._indexes[value] = blind_index(value)
        return found

    def initials(self, name: str) -> str:
        found = self._initials.get(name)
        if found is None:
            found = self._initials[name] = name_initials(name)
        return found

    def created(self, person: Mapping[str, Any]) -> JsonText:
        """json.dumps(audit.created(person, PERSON_FIELDS)), the same text (the filled-in
        fields, identifiers masked, dates as text), written directly: an import creates
        100,000 persons, and the generic path costs twice as much. Values other than text,
        numbers and dates (the components list) go through audit.created itself, each distinct
        one once per batch. Tests hold the two equal."""
        parts = []
        for name, mask, key in _CREATED_KEYS:
            value = person[name]
            if value is None or value == "":
                continue  # audit.created leaves empty fields out
            kind = type(value)
            if mask is not None:
                text = _json_text(mask(value))
            elif kind is str:
                text = _json_text(value)
            elif kind is bool:
                text = "true" if value else "false"
            elif kind is int:
                text = int.__repr__(value)
            elif kind is date:
                text = f'"{value.isoformat()}"'  # audit.created's text form of a date
            else:
                if audit.is_empty(value):
                    continue
                memo_key = (name, value if isinstance(value, Hashable) else repr(value))
                text = self._logged.get(memo_key)
                if text is None:
                    logged = audit.created(_One(name, value), [name])  # type: ignore[arg-type]
                    text = self._logged[memo_key] = json.dumps(logged[name][1])
            parts.append(f"{key}{text}]")
        return JsonText("{" + ", ".join(parts) + "}")

    def created_json(self, row: PersonRow, person: Mapping[str, Any], today: date) -> JsonText:
        """:meth:`created`, prepared ahead when `row` creates its person on the day it was
        prepared for (`person_values` gives a row the same values in any process)."""
        if today == self._created_on:
            found = self._created.get(row.row)
            if found is not None:
                return found
        return self.created(person)


class _One:
    """One value as an attribute, for audit.created (which reads a model instance)."""

    def __init__(self, name: str, value: Any) -> None:
        setattr(self, name, value)
