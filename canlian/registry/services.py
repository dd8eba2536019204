"""Writes of the registry: one upsert path, shared by the form, the API and the importer.

Every write goes through :func:`persons_upsert` with rows already parsed by
`canlian.registry.rows` (so a form, an API call and a spreadsheet row obey the same rules). It
works set-based: a few bulk queries per thousand rows, never a query per person. Each created or
changed person gets a history row (django-simple-history, with the acting user) and an audit row
with the masked old → new values, in the same transaction. Re-running the same rows changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, AuditEvent, User
from canlian.core.permissions import in_jurisdiction
from canlian.registry.models import (
    CertificateStatus,
    Household,
    HouseholdStatus,
    HouseholdStatusKind,
    LivingStatus,
    Person,
)
from canlian.registry.pinyin import name_initials
from canlian.registry.rows import PersonRow, RowError

CHUNK = 1000
# Fields an import or a form sets; the audit row and "unchanged" compare exactly these.
PERSON_FIELDS = (
    "name", "name_initials", "id_number", "birth_date", "sex", "phone", "region_id", "address",
    "relation_to_head", "category", "grade", "components", "certificate_number",
    "certificate_issued_on", "certificate_valid_until", "certificate_status",
    "needs_long_term_care", "living_status", "living_status_on", "guardian_name",
    "guardian_id_number", "guardian_phone",
)
INDEX_FIELDS = ("id_number_index", "id_tail_index", "phone_index", "certificate_index")


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _certificate_status(row: PersonRow, existing: Person | None, today: date) -> str:
    if not row.certificate_number:
        return CertificateStatus.NONE
    if (existing is not None and existing.certificate_number == row.certificate_number
            and existing.certificate_status == CertificateStatus.CANCELLED):
        return CertificateStatus.CANCELLED  # a cancellation is only undone by a new certificate
    if row.cert_valid_until is not None and row.cert_valid_until < today:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def _values(row: PersonRow, existing: Person | None, today: date) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row.name,
        "name_initials": name_initials(row.name),
        "id_number": row.id_number,
        "birth_date": row.birth_date,
        "sex": row.sex,
        "phone": row.phone,
        "region_id": row.region_code,
        "address": row.address,
        "relation_to_head": "" if _heads_itself(row) else row.relation_to_head,
        "category": row.category,
        "grade": row.grade,
        "components": list(row.components),
        "certificate_number": row.certificate_number,
        "certificate_issued_on": row.cert_issued_on,
        "certificate_valid_until": row.cert_valid_until,
        "certificate_status": _certificate_status(row, existing, today),
        "living_status": row.living_status,
        "living_status_on": row.died_on if row.living_status == LivingStatus.DECEASED else (
            existing.living_status_on if existing is not None
            and existing.living_status == row.living_status else None),
        "guardian_name": row.guardian_name,
        "guardian_id_number": row.guardian_id_number,
        "guardian_phone": row.guardian_phone,
    }
    # A blank yes/no cell means "leave as it is".
    if row.needs_long_term_care is not None:
        values["needs_long_term_care"] = row.needs_long_term_care
    elif existing is not None:
        values["needs_long_term_care"] = existing.needs_long_term_care
    else:
        values["needs_long_term_care"] = False
    return values


def _indexes(values: dict[str, Any]) -> dict[str, str]:
    number = values["id_number"]
    return {
        "id_number_index": blind_index(number),
        "id_tail_index": blind_index(number[-4:]),
        "phone_index": blind_index(values["phone"]) if values["phone"] else "",
        "certificate_index": (blind_index(values["certificate_number"])
                              if values["certificate_number"] else ""),
    }


def _heads_itself(row: PersonRow) -> bool:
    return not row.head_id_number or row.head_id_number == row.id_number


def _existing_by_index(indexes: Iterable[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    keys = list(indexes)
    for start in range(0, len(keys), CHUNK):
        for person in Person.objects.filter(id_number_index__in=keys[start:start + CHUNK]):
            found[person.id_number_index] = person
    return found


def _check_against_database(actor: User | None, rows: Sequence[PersonRow],
                            existing: dict[str, Person]) -> list[RowError]:
    """Rules that need the database: jurisdiction, and that each named head exists."""
    errors = []
    in_file = {blind_index(r.id_number) for r in rows}
    heads = {blind_index(r.head_id_number) for r in rows if not _heads_itself(r)}
    heads_in_db = set(_existing_by_index(heads - in_file))
    for row in rows:
        # actor None: the command line, run by the operator for the whole database.
        if actor is not None and not in_jurisdiction(actor, row.region_code):
            errors.append(RowError(row.row, "户籍地区划代码", "该区划不在您的管辖范围内"))
        person = existing.get(blind_index(row.id_number))
        if (actor is not None and person is not None
                and not in_jurisdiction(actor, person.region_id)):
            errors.append(RowError(row.row, "身份证号",
                                   "该人员已在您管辖范围以外登记，不能在此修改"))
        if not _heads_itself(row):
            key = blind_index(row.head_id_number)
            if key not in in_file and key not in heads_in_db:
                errors.append(RowError(row.row, "户主身份证号",
                                       "户主未在库中登记，也不在本文件中"))
    return errors


def persons_upsert(*, actor: User | None, rows: Sequence[PersonRow],
                   request: HttpRequest | None = None, today: date | None = None) -> UpsertResult:
    """Create or update persons by ID number. All or nothing: any error writes nothing.

    Households are settled before persons are written, so each person is written once, with
    its household, and gets one history row per change.
    """
    today = today or timezone.localdate()
    keys = [blind_index(r.id_number) for r in rows]
    existing = _existing_by_index(keys)
    result = UpsertResult(errors=_check_against_database(actor, rows, existing))
    if result.errors:
        return result
    with transaction.atomic():
        households, new_households = _plan_households(actor, rows, keys, existing)
        to_create, to_update, audit_rows = [], [], []
        update_fields: set[str] = set()
        for row, key in zip(rows, keys, strict=True):
            person = existing.get(key)
            values = {**_values(row, person, today), "household_id": households[key]}
            if person is None:
                to_create.append(Person(**values, **_indexes(values)))
                continue
            changes = audit.diff({f: getattr(person, f) for f in values}, values)
            if not changes:
                result.unchanged += 1
                continue
            for name, value in {**values, **_indexes(values)}.items():
                setattr(person, name, value)
            update_fields.update(values)
            to_update.append(person)
            audit_rows.append(_audit_row(actor, AuditAction.UPDATE, person, "修改残疾人信息",
                                         changes, request))
        if to_create:
            # PostgreSQL and SQLite ≥ 3.35 return the new ids from the INSERT.
            bulk_create_with_history(to_create, Person, batch_size=CHUNK, default_user=actor)
            audit_rows += [
                _audit_row(actor, AuditAction.CREATE, person, "新增残疾人",
                           audit.created(person, PERSON_FIELDS), request)
                for person in to_create
            ]
        if to_update:
            bulk_update_with_history(to_update, Person,
                                     [*sorted(update_fields), *INDEX_FIELDS],
                                     batch_size=CHUNK, default_user=actor)
        _set_heads(actor, new_households, {p.id_number_index: p.pk for p in to_create})
        AuditEvent.objects.bulk_create(audit_rows, batch_size=CHUNK)
        result.created, result.updated = len(to_create), len(to_update)
        _set_household_statuses(rows, keys, households, today)
    return result


def _audit_row(actor: User | None, action: str, person: Person, summary: str,
               changes: dict[str, Any], request: HttpRequest | None) -> AuditEvent:
    return AuditEvent(actor=actor, actor_username=actor.username if actor else "manage.py",
                      action=action,
                      object_type="registry.person", object_id=str(person.pk),
                      region_code=person.region_id, summary=summary, changes=changes,
                      ip_address=audit.client_ip(request))


def _plan_households(actor: User | None, rows: Sequence[PersonRow], keys: Sequence[str],
                     existing: dict[str, Person]
                     ) -> tuple[dict[str, int], dict[str, Household]]:
    """The household id of every row's person, creating households for new heads.

    A head keeps the household they already head; otherwise they get a new one (its head is
    set once the person has an id). A member joins their head's household, whether the head
    is in this batch or already in the registry.
    """
    heads_in_db = _existing_by_index(
        {blind_index(r.head_id_number) for r in rows if not _heads_itself(r)} - set(keys))
    known = {**existing, **heads_in_db}
    headed = dict(Household.objects.filter(head__in=[p.pk for p in known.values()])
                  .values_list("head_id", "id"))
    plan: dict[str, int] = {}
    new: dict[str, Household] = {}
    for row, key in zip(rows, keys, strict=True):
        if not _heads_itself(row):
            continue
        person = existing.get(key)
        if person is not None and person.pk in headed:
            plan[key] = headed[person.pk]
        else:
            new[key] = Household(region_id=row.region_code, address=row.address)
    for key, head in heads_in_db.items():
        if head.household_id is not None:  # join the household the named person lives in
            plan[key] = head.household_id
        else:  # a registered person with no household, named as head
            new[key] = Household(region_id=head.region_id, address=head.address,
                                 head_id=head.pk)
    if new:
        bulk_create_with_history(list(new.values()), Household, default_user=actor)
        plan.update({key: household.pk for key, household in new.items()})
        adopted = [p for k, p in heads_in_db.items() if k in new]
        for person in adopted:
            person.household_id = plan[person.id_number_index]
        if adopted:
            bulk_update_with_history(adopted, Person, ["household"], default_user=actor)
    members = [(key, blind_index(row.head_id_number))
               for row, key in zip(rows, keys, strict=True) if not _heads_itself(row)]
    # A member may name another member of this batch as head: resolve such chains in turns.
    while members:
        waiting = [(key, head) for key, head in members if head not in plan]
        for key, head in members:
            if head in plan:
                plan[key] = plan[head]
        if len(waiting) == len(members):
            raise DomainError("household_cycle", "户主关系出现循环，请检查“户主身份证号”列。")
        members = waiting
    return plan, new


def _set_heads(actor: User | None, new: dict[str, Household], created: dict[str, int]) -> None:
    """New households of heads created in this batch get their head now that it has an id."""
    waiting = [h for key, h in new.items() if h.head_id is None and key in created]
    for key, household in new.items():
        if household.head_id is None and key in created:
            household.head_id = created[key]
    if waiting:
        bulk_update_with_history(waiting, Household, ["head"], default_user=actor)


def _set_household_statuses(rows: Sequence[PersonRow], keys: Sequence[str],
                            households: dict[str, int], today: date) -> None:
    this_month = today.replace(day=1)
    previous_month = (this_month - timedelta(days=1)).replace(day=1)
    wanted: dict[tuple[int, str], bool] = {}
    for row, key in zip(rows, keys, strict=True):
        household_id = households[key]
        for kind, flag in ((HouseholdStatusKind.DIBAO, row.is_dibao),
                           (HouseholdStatusKind.TEKUN, row.is_tekun)):
            if flag is not None:
                wanted[(household_id, kind)] = wanted.get((household_id, kind), False) or flag
    if not wanted:
        return
    open_periods = {
        (s.household_id, s.kind): s
        for s in HouseholdStatus.objects.filter(
            household_id__in={h for h, _ in wanted}, end_month__isnull=True)
    }
    to_open, to_close, to_drop = [], [], []
    for (household_id, kind), flag in wanted.items():
        period = open_periods.get((household_id, kind))
        if flag and period is None:
            to_open.append(HouseholdStatus(household_id=household_id, kind=kind,
                                           start_month=this_month))
        elif not flag and period is not None:
            if period.start_month >= this_month:
                to_drop.append(period.pk)  # opened this month by mistake: nothing to keep
            else:
                period.end_month = previous_month
                to_close.append(period)
    HouseholdStatus.objects.bulk_create(to_open)
    HouseholdStatus.objects.bulk_update(to_close, ["end_month"])
    HouseholdStatus.objects.filter(pk__in=to_drop).delete()


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
