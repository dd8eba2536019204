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
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, User
from canlian.core.permissions import in_jurisdiction
from canlian.registry.models import (
    Household,
    HouseholdStatus,
    HouseholdStatusKind,
    LivingStatus,
    Person,
)
from canlian.registry.prepare import Prepared
from canlian.registry.rows import PersonRow
from canlian.registry.upsert import (  # noqa: F401  (the public names of the write path)
    CHUNK,
    INDEX_FIELDS,
    PERSON_FIELDS,
    UpsertResult,
    persons_write,
)


def persons_upsert(*, actor: User | None, rows: Sequence[PersonRow],
                   request: HttpRequest | None = None, today: date | None = None,
                   prepared: Prepared | None = None) -> UpsertResult:
    """Create or update persons by ID number. All or nothing: any error writes nothing.

    Households are settled before persons are written, so each person is written once, with
    its household, and gets one history row per change (canlian.registry.upsert). `prepared`:
    what `upsert.prepare` computed ahead for these rows (a large import), if anything.
    """
    return persons_write(actor=actor, rows=rows, request=request,
                         today=today or timezone.localdate(), prepared=prepared)


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


# ------------------------------------------------------------------ living status

# The events that end a person's place in the county's registry, and their words.
LIVING_STATUS_EVENTS: dict[str, str] = {LivingStatus.DECEASED: "死亡",
                                        LivingStatus.MOVED_OUT: "户籍迁出"}


@transaction.atomic
def person_living_status_set(*, actor: User, person: Person, status: str, on_date: date,
                             summary: str = "", request: HttpRequest | None = None) -> Person:
    """Record a death or a hukou move out of the county, with the date it happened.

    DOMAIN.md §0.3: a person is enrolable in month M only if alive, with hukou in the county, at
    the start of M, and payment stops from the month after the death or the move; so the date
    is required and is what the benefits rules read. As the import checks a 死亡日期: not in
    the future, not before birth. A person recorded dead does not move out afterwards.
    Recording the same status and date again changes nothing; otherwise one history row (who,
    when) and one audit row (old → new).
    """
    word = LIVING_STATUS_EVENTS.get(status)
    if word is None:
        raise DomainError("living_status", "只能登记死亡或户籍迁出。", field="living_status")
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if not in_jurisdiction(actor, locked.region_id):
        raise DomainError("jurisdiction", "该人员不在您的管辖范围内。")
    if on_date > timezone.localdate():
        raise DomainError("future", f"{word}日期不能晚于今天。", field="living_status_on")
    if on_date < locked.birth_date:
        raise DomainError("before_birth", f"{word}日期不能早于出生日期。",
                          field="living_status_on")
    if locked.living_status == LivingStatus.DECEASED and status == LivingStatus.MOVED_OUT:
        raise DomainError("deceased", "该人员已登记死亡，不能再登记户籍迁出。",
                          field="living_status")
    if (locked.living_status, locked.living_status_on) == (status, on_date):
        return locked
    before = audit.snapshot(locked, ["living_status", "living_status_on"])
    locked.living_status, locked.living_status_on = status, on_date
    locked._history_user = actor  # type: ignore[attr-defined]  # simple-history's who
    locked.save(update_fields=["living_status", "living_status_on", "updated_at"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       summary=summary or f"登记{word}",
                       changes=audit.diff(before, audit.snapshot(locked, before)),
                       request=request)
    return locked


# ------------------------------------------------------------------ household status periods

HOUSEHOLD_STATUS_LABELS = dict(HouseholdStatusKind.choices)


def _household_for_status(actor: User, person: Person, kind: str) -> tuple[Household, str]:
    """The person's household, locked (its periods change one writer at a time), and the
    status's label; refusals as the registry words them."""
    label = HOUSEHOLD_STATUS_LABELS.get(kind)
    if label is None:
        raise DomainError("kind", "未知的家庭保障类型。", field="kind")
    if not in_jurisdiction(actor, person.region_id):
        raise DomainError("jurisdiction", "该人员不在您的管辖范围内。")
    household = (Household.objects.select_for_update().filter(pk=person.household_id).first()
                 if person.household_id is not None else None)
    if household is None:
        raise DomainError("no_household", "此人未登记家庭户，请先在基础库中登记家庭户后再处理。")
    return household, label


@transaction.atomic
def household_status_open(*, actor: User, person: Person, kind: str, start_month: date,
                          end_month: date | None = None, note: str = "",
                          request: HttpRequest | None = None) -> HouseholdStatus:
    """Record a 低保 / 特困 / orphan guarantee / work-injury care period of the person's
    household, in whole months (inclusive; `end_month` None = still running).

    DOMAIN.md §0.3 reads statuses per month ("the household is in 低保 in M"), so periods of one
    kind never overlap: an overlapping one is refused, not merged. One history row and one
    audit row.
    """
    household, label = _household_for_status(actor, person, kind)
    start_month = start_month.replace(day=1)
    end_month = end_month.replace(day=1) if end_month is not None else None
    if end_month is not None and end_month < start_month:
        raise DomainError("period_order", "终止月份不能早于起始月份。", field="end_month")
    overlapping = HouseholdStatus.objects.filter(
        Q(household=household), Q(kind=kind),
        Q(end_month__isnull=True) | Q(end_month__gte=start_month))
    if end_month is not None:
        overlapping = overlapping.filter(start_month__lte=end_month)
    if overlapping.exists():
        raise DomainError("overlap", f"该家庭已有与此重叠的{label}期间，请在基础库中核对。")
    status = HouseholdStatus(household=household, kind=kind, start_month=start_month,
                             end_month=end_month, note=note[:200])
    status._history_user = actor  # type: ignore[attr-defined]  # simple-history's who
    status.save()
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=status,
                       region_code=person.region_id, summary=f"登记{label}期间",
                       changes=audit.created(status, ["kind", "start_month", "end_month",
                                                      "note"]), request=request)
    return status


@transaction.atomic
def household_status_close(*, actor: User, person: Person, kind: str, end_month: date,
                           request: HttpRequest | None = None) -> list[HouseholdStatus]:
    """End the household's period(s) of `kind` still running after `end_month` (its last
    month, inclusive). A period starting after `end_month` is left alone; nothing running
    changes nothing. Each period closed gets a history row and an audit row."""
    household, label = _household_for_status(actor, person, kind)
    end_month = end_month.replace(day=1)
    running = list(HouseholdStatus.objects.filter(
        Q(household=household), Q(kind=kind), Q(start_month__lte=end_month),
        Q(end_month__isnull=True) | Q(end_month__gt=end_month)).order_by("start_month"))
    for status in running:
        before = audit.snapshot(status, ["end_month"])
        status.end_month = end_month
        status._history_user = actor  # type: ignore[attr-defined]
        status.save(update_fields=["end_month"])
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=status,
                           region_code=person.region_id, summary=f"结束{label}期间",
                           changes=audit.diff(before, audit.snapshot(status, ["end_month"])),
                           request=request)
    return running
