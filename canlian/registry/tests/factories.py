"""Test data for the registry: persons with valid ID numbers, encrypted and indexed as the
services would store them."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from canlian.core.crypto import blind_index
from canlian.core.idnumbers import id_check_char
from canlian.registry.models import CertificateStatus, Household, Person
from canlian.registry.pinyin import name_initials

_sequence = itertools.count()


def make_id_number(birth: date = date(1980, 1, 1), *, female: bool = False,
                   address: str = "520322") -> str:
    # Odd sequence = male (GB 11643); counting in pairs keeps numbers unique.
    seq = (next(_sequence) % 500) * 2 + (0 if female else 1)
    first17 = f"{address}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def make_person(*, region_code: str, name: str = "张三", birth: date = date(1980, 1, 1),
                household: Household | None = None, head: bool = True, **fields: Any) -> Person:
    number = fields.pop("id_number", None) or make_id_number(birth)
    certificate = fields.pop("certificate_number", "")
    person = Person.objects.create(
        name=name, name_initials=name_initials(name), id_number=number,
        id_number_index=blind_index(number), id_tail_index=blind_index(number[-4:]),
        birth_date=birth, sex="M" if int(number[16]) % 2 else "F", region_id=region_code,
        certificate_number=certificate,
        certificate_index=blind_index(certificate) if certificate else "",
        certificate_status=CertificateStatus.VALID if certificate else CertificateStatus.NONE,
        **fields,
    )
    if household is None and head:
        household = Household.objects.create(region_id=region_code, head=person)
    if household is not None:
        person.household = household
        person.save(update_fields=["household"])
    return person


def make_family(*, region_code: str, surname: str = "户") -> tuple[Person, list[Person]]:
    """A household of one disabled head (肢体二级) and two members without a disability (a
    spouse and a child): 1 残疾人, 3 persons with its 户内成员 (issue 16 §6)."""
    head = make_person(region_code=region_code, name=f"{surname}主", birth=date(1970, 5, 1),
                       category=4, grade=2)
    members = [
        make_person(region_code=region_code, name=f"{surname}配偶", birth=date(1972, 3, 1),
                    household=head.household, head=False, relation_to_head="配偶"),
        make_person(region_code=region_code, name=f"{surname}子女", birth=date(2000, 8, 1),
                    household=head.household, head=False, relation_to_head="子女"),
    ]
    return head, members


def make_disabled_person(*, region_code: str, **fields: Any) -> Person:
    """A disabled person (肢体三级 unless told otherwise): what make_person gives plus a
    category, so the person counts as 残疾人."""
    fields.setdefault("category", 4)
    fields.setdefault("grade", 3)
    return make_person(region_code=region_code, **fields)
