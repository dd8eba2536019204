"""Writes of the registry: one upsert path, shared by the form, the API and the importer.

Every write goes through :func:`persons_upsert` with rows already parsed by
`canlian.registry.rows` (so a form, an API call and a spreadsheet row obey the same rules). It
works set-based (canlian.registry.upsert): a few bulk queries per thousand rows, never a query
per person. Each created or changed person gets a history row (django-simple-history's table,
with the acting user) and an audit row with the masked old → new values, in the same
transaction. Re-running the same rows changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, User
from canlian.core.permissions import in_jurisdiction
from canlian.registry.models import LivingStatus, Person
from canlian.registry.rows import PersonRow
from canlian.registry.upsert import (  # noqa: F401  (the public names of the write path)
    CHUNK,
    INDEX_FIELDS,
    PERSON_FIELDS,
    UpsertResult,
    persons_write,
)


def persons_upsert(*, actor: User | None, rows: Sequence[PersonRow],
                   request: HttpRequest | None = None, today: date | None = None) -> UpsertResult:
    """Create or update persons by ID number. All or nothing: any error writes nothing.

    Households are settled before persons are written, so each person is written once, with
    its household, and gets one history row per change (canlian.registry.upsert).
    """
    return persons_write(actor=actor, rows=rows, request=request,
                         today=today or timezone.localdate())


def person_save(*, actor: User, row: PersonRow, person: Person | None = None,
                request: HttpRequest | None = None) -> Person:
    """One person from a form or the API. On an existing certificate the category and grade
    change only through the certificate workflow (证件办理), never by editing here."""
    if person is not None:
        if row.id_number != person.id_number:
            raise DomainError("id_number", "身份证号不能在此修改；如登记有误请注销后重新建档。",
                              field="id_number")
        if person.certificate_number and (row.category, row.grade) != (person.category,
                                                                        person.grade):
            raise DomainError(
                "grade_change", "已持证人员的残疾类别、等级变更须通过“证件办理”申请换证。",
                field="grade")
    elif Person.objects.filter(id_number_index=blind_index(row.id_number)).exists():
        raise DomainError("duplicate", "该身份证号已登记，请查找后修改。", field="id_number")
    result = persons_upsert(actor=actor, rows=[row], request=request)
    if result.errors:
        error = result.errors[0]
        raise DomainError("invalid", error.message, field=error.column)
    return Person.objects.get(id_number_index=blind_index(row.id_number))


@transaction.atomic
def person_reveal_identifier(*, actor: User, person: Person, field: str,
                             request: HttpRequest | None = None) -> str:
    """The full value of a masked identifier of a person the actor may see; audited."""
    from canlian.registry.permissions import REVEALABLE_FIELDS, can_reveal

    if field not in REVEALABLE_FIELDS or not can_reveal(actor):
        raise DomainError("forbidden", "您无权查看完整信息。")
    audit.audit_record(actor=actor, action=AuditAction.REVEAL, obj=person,
                       summary=f"查看完整{REVEALABLE_FIELDS[field]}", changes={"field": field},
                       request=request)
    return str(getattr(person, field))


# Fields the certificate workflow (证件办理) may set on a person, and nothing else.
CERTIFICATE_WORKFLOW_FIELDS = frozenset({
    "category", "grade", "components", "certificate_number", "certificate_issued_on",
    "certificate_valid_until", "certificate_status", "certificate_cancel_reason", "region_id",
    "living_status", "living_status_on",
})


@transaction.atomic
def person_certificate_set(*, actor: User, person: Person, changes: dict[str, Any],
                           summary: str, request: HttpRequest | None = None) -> Person:
    """The certificate workflow's write to the registry: issue, re-issue, re-grade, transfer or
    cancel a certificate (管理办法第二十二条: the DPF re-issues the card and updates the
    残疾人人口基础数据库).

    Checked here: only certificate fields; the number's ID part, category and grade agree with
    the person (DOMAIN.md §0.1); the person, and a new hukou region, are in the actor's
    jurisdiction — except a person already moved out elsewhere, whom the county of arrival takes
    over (迁入). One history row (who, when, before/after) and one audit row.
    """
    from canlian.core.idnumbers import CertificateNumberError, check_certificate_matches

    unknown = set(changes) - CERTIFICATE_WORKFLOW_FIELDS
    if unknown:
        raise DomainError("field", "证件办理不能修改这些信息。")
    locked = Person.objects.select_for_update().get(pk=person.pk)
    arriving = (locked.living_status == LivingStatus.MOVED_OUT and "region_id" in changes)
    if not arriving and not in_jurisdiction(actor, locked.region_id):
        raise DomainError("jurisdiction", "该人员不在您的管辖范围内。")
    if "region_id" in changes and not in_jurisdiction(actor, changes["region_id"]):
        raise DomainError("jurisdiction", "迁入地不在您的管辖范围内。")
    before = audit.snapshot(locked, [*changes, "certificate_number"])
    for name, value in changes.items():
        setattr(locked, name, value)
    if (locked.category is None) != (locked.grade is None):
        raise DomainError("grade", "残疾类别与等级须同时填写。")
    if locked.certificate_number:
        try:
            check_certificate_matches(locked.certificate_number, id_number=locked.id_number,
                                      category=locked.category or 0, grade=locked.grade or 0)
        except CertificateNumberError as error:
            raise DomainError("certificate_number", error.message,
                              field="certificate_number") from None
    locked.certificate_index = (blind_index(locked.certificate_number)
                                if locked.certificate_number else "")
    locked._history_user = actor  # type: ignore[attr-defined]  # simple-history's who
    locked.save()
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, summary=summary,
                       changes=audit.diff(before, audit.snapshot(locked, before)),
                       request=request)
    return locked
