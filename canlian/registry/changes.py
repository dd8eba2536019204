"""Maker-checker for village liaison officers' edits (issue #3 §3).

A liaison officer's new person or edit becomes a PersonChangeRequest; township (or county)
staff of the jurisdiction approve it, which applies it through the normal write path, or return
it with a reason. The request remembers the person's version it was made on: if someone changed
the record since, approval is refused and the request is flagged as a conflict.

Which edits wait is set per county and per field group (FIELD_GROUPS) by the county's system
administrator (ChangeApprovalSetting; without a setting a group waits for approval). An edit
touching both kinds of group is split: the groups that apply directly are saved at once, the
others become a request made on the record as it is after that save.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, Region, User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role
from canlian.registry import rows as r
from canlian.registry.models import (
    ChangeApprovalSetting,
    ChangeStatus,
    FieldGroup,
    Person,
    PersonChangeRequest,
)
from canlian.registry.rows import PersonRow, parse_rows
from canlian.registry.services import person_save

APPROVER_ROLES = frozenset({Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})

# Each column of the person form (the import columns) in exactly one group. 身份证号 cannot be
# changed on an existing person (services.person_save); on a new one it is 基本信息.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    FieldGroup.BASIC: (r.NAME, r.ID_NUMBER, r.ETHNICITY, r.EDUCATION, r.EMPLOYMENT),
    FieldGroup.CONTACT: (r.PHONE, r.GUARDIAN_NAME, r.GUARDIAN_ID, r.GUARDIAN_PHONE),
    FieldGroup.HUKOU: (r.REGION, r.ADDRESS, r.HEAD_ID, r.RELATION),
    FieldGroup.DISABILITY: (r.CATEGORY, r.GRADE, r.COMPONENTS, r.CERTIFICATE, r.ISSUED_ON,
                            r.VALID_UNTIL, r.LONG_TERM_CARE),
    FieldGroup.SUPPORT: (r.DIBAO, r.TEKUN),
    FieldGroup.LIVING: (r.LIVING_STATUS, r.DIED_ON),
}
GROUP_OF_COLUMN = {column: group for group, columns in FIELD_GROUPS.items()
                   for column in columns}


def needs_approval(actor: User) -> bool:
    """Whether the actor's edits go through maker-checker at all (village liaison officers);
    which of their edits wait is per field group (groups_needing_approval)."""
    return actor.role == Role.VILLAGE_LIAISON


def county_code_of(region_code: str) -> str:
    """The 12-digit code of the county a region lies in (DOMAIN.md §0.2: 6 significant digits)."""
    return region_code[:6] + "000000"


def groups_needing_approval(county_code: str) -> frozenset[str]:
    """The field groups whose liaison edits wait for approval in this county (default: all)."""
    direct = ChangeApprovalSetting.objects.filter(
        county_id=county_code, needs_approval=False).values_list("group", flat=True)
    return frozenset(FieldGroup.values) - set(direct)


@transaction.atomic
def change_approval_settings_save(*, actor: User, needs_approval: dict[str, bool],
                                  request: HttpRequest | None = None) -> None:
    """The county administrator sets, per field group, whether liaison edits wait for
    approval in their county. One history row per changed group, one audit row."""
    if actor.role != Role.COUNTY_ADMIN:
        raise DomainError("forbidden", "只有县级系统管理员可以设置信息变更审核。")
    county = Region.objects.filter(code=county_code_of(actor.region_id)).first()
    if county is None or not in_jurisdiction(actor, county.code):
        raise DomainError("forbidden", "您的账户不属于某个县（区），不能设置。")
    unknown = set(needs_approval) - set(FieldGroup.values)
    if unknown:
        raise DomainError("group", "未知的信息组。")
    current = {s.group: s for s in ChangeApprovalSetting.objects.select_for_update()
               .filter(county=county)}
    changed: dict[str, list[str]] = {}
    for group, wanted in needs_approval.items():
        setting = current.get(group)
        before = setting.needs_approval if setting is not None else True
        if wanted == before:
            continue
        if setting is None:
            setting = ChangeApprovalSetting(county=county, group=group)
        setting.needs_approval, setting.updated_by = wanted, actor
        setting._history_user = actor  # type: ignore[attr-defined]  # simple-history's who
        setting.save()
        changed[FieldGroup(group).label] = [_approval_label(before), _approval_label(wanted)]
    if changed:
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, object_type=(
            ChangeApprovalSetting._meta.label_lower), object_id=county.code,
            region_code=county.code, summary="修改信息变更审核设置", changes=changed,
            request=request)


def _approval_label(needs: bool) -> str:
    return "须审核" if needs else "直接生效"


def _latest_version(person: Person | None) -> int | None:
    if person is None:
        return None
    return person.history.order_by("-history_id").values_list("history_id", flat=True).first()


@transaction.atomic
def change_request_submit(*, actor: User, person: Person | None, row: PersonRow,
                          payload: dict[str, Any], request: HttpRequest | None = None
                          ) -> PersonChangeRequest:
    if not needs_approval(actor) or not in_jurisdiction(actor, row.region_code):
        raise DomainError("forbidden", "您无权为该区域提交变更。", field="region")
    if person is not None and not in_jurisdiction(actor, person.region_id):
        raise DomainError("forbidden", "该人员不在您的管辖范围内。")
    change = PersonChangeRequest.objects.create(
        person=person, region_id=row.region_code, name=row.name, payload=payload,
        base_history_id=_latest_version(person), requested_by=actor)
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=change,
                       summary="提交残疾人信息变更申请", request=request)
    return change


def can_decide(actor: User, change: PersonChangeRequest) -> bool:
    return (actor.role in APPROVER_ROLES and change.status == ChangeStatus.PENDING
            and in_jurisdiction(actor, change.region_id))


def change_request_row(change: PersonChangeRequest) -> PersonRow:
    """The request's values, checked again by the row parser (rules may have changed)."""
    header, values = list(change.payload), list(change.payload.values())
    result = parse_rows(header, [values])
    if result.errors or result.file_errors or not result.rows:
        messages = [e.message for e in result.errors] + result.file_errors
        raise DomainError("invalid", "申请内容已不符合规则：" + "；".join(messages))
    return result.rows[0]


def _conflict() -> DomainError:
    return DomainError("conflict", "提交申请后该人员信息已被他人修改，不能直接通过。"
                                   "请退回，由专职委员在最新信息上重新提交。")


def _changed_since(change: PersonChangeRequest) -> bool:
    return (change.person is not None
            and _latest_version(change.person) != change.base_history_id)


def change_request_approve(*, actor: User, change: PersonChangeRequest,
                           request: HttpRequest | None = None) -> Person:
    if _changed_since(change):
        # Recorded outside the approval's transaction, which the refusal rolls back.
        PersonChangeRequest.objects.filter(pk=change.pk).update(is_conflict=True)
        raise _conflict()
    return _approve(actor=actor, change=change, request=request)


@transaction.atomic
def _approve(*, actor: User, change: PersonChangeRequest, request: HttpRequest | None) -> Person:
    change = PersonChangeRequest.objects.select_for_update().get(pk=change.pk)
    if not can_decide(actor, change):
        raise DomainError("forbidden", "您不能审核该申请（可能已审核或不在您的管辖范围内）。")
    if _changed_since(change):
        raise _conflict()
    person = person_save(actor=actor, row=change_request_row(change), person=change.person,
                         request=request)
    change.person, change.status = person, ChangeStatus.APPROVED
    change.decided_by, change.decided_at = actor, timezone.now()
    change.save(update_fields=["person", "status", "decided_by", "decided_at"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=change,
                       summary="通过残疾人信息变更申请", request=request)
    return person


@transaction.atomic
def change_request_reject(*, actor: User, change: PersonChangeRequest, note: str,
                          request: HttpRequest | None = None) -> None:
    change = PersonChangeRequest.objects.select_for_update().get(pk=change.pk)
    if not can_decide(actor, change):
        raise DomainError("forbidden", "您不能审核该申请（可能已审核或不在您的管辖范围内）。")
    if not note.strip():
        raise DomainError("note", "退回时请填写原因。", field="note")
    change.status, change.decision_note = ChangeStatus.REJECTED, note.strip()[:200]
    change.decided_by, change.decided_at = actor, timezone.now()
    change.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=change,
                       summary="退回残疾人信息变更申请", changes={"note": change.decision_note},
                       request=request)


def proposed_changes(change: PersonChangeRequest) -> list[dict[str, str]]:
    """Column, current value and proposed value, for the reviewer (identifiers masked)."""
    from canlian.core.audit import MASKED_FIELDS
    from canlian.registry.forms import FIELD_FOR_COLUMN

    current = _current_payload(change.person) if change.person is not None else {}
    lines = []
    for column, new in change.payload.items():
        old = current.get(column, "")
        if str(old) != str(new):
            mask = MASKED_FIELDS.get(FIELD_FOR_COLUMN.get(column, ""), str)
            lines.append({"column": column, "old": mask(str(old)) if old else "（空）",
                          "new": mask(str(new)) if new else "（空）"})
    return lines


def _current_payload(person: Person) -> dict[str, str]:
    from canlian.registry.forms import person_payload

    return person_payload(person)


# ------------------------------------------------------------------ a liaison officer's edit


@dataclass(frozen=True)
class LiaisonEdit:
    """What became of a liaison officer's edit: saved at once, waiting, both, or nothing."""

    person: Person | None  # the record after the groups that apply directly were saved
    change: PersonChangeRequest | None  # the groups waiting for approval
    direct_groups: tuple[str, ...] = ()
    pending_groups: tuple[str, ...] = ()


def _parsed(payload: dict[str, Any]) -> PersonRow:
    result = parse_rows(list(payload), [list(payload.values())])
    if result.errors or result.file_errors or not result.rows:
        error = result.errors[0] if result.errors else None
        raise DomainError("invalid", error.message if error else "；".join(result.file_errors),
                          field=error.column if error else None)
    return result.rows[0]


def _groups(columns: list[str]) -> tuple[str, ...]:
    found = {GROUP_OF_COLUMN[c] for c in columns if c in GROUP_OF_COLUMN}
    return tuple(g for g in FieldGroup.values if g in found)


@transaction.atomic
def liaison_edit_submit(*, actor: User, person: Person | None, payload: dict[str, Any],
                        request: HttpRequest | None = None) -> LiaisonEdit:
    """A liaison officer's new person or edit (`payload`: the form's columns), split by the
    county's settings into what applies directly and what waits for township approval.

    A new person is one record: it waits for approval if any group it fills does.
    """
    if not needs_approval(actor):
        raise DomainError("forbidden", "只有村（社区）专职委员的修改走审核流程。")
    row = _parsed(payload)  # the whole edit obeys the rules, whatever part of it waits
    if person is not None and row.id_number != person.id_number:
        raise DomainError("id_number", "身份证号不能在此修改；如登记有误请注销后重新建档。",
                          field="id_number")
    waiting = groups_needing_approval(county_code_of(actor.region_id))
    before = _current_payload(person) if person is not None else {}
    changed = [c for c, v in payload.items() if str(v) != str(before.get(c, ""))
               and not (person is not None and c == r.ID_NUMBER)]  # checked equal above
    pending = [c for c in changed if GROUP_OF_COLUMN.get(c, FieldGroup.BASIC) in waiting]
    direct = [c for c in changed if c not in pending]
    if not changed:
        return LiaisonEdit(person=None, change=None)
    if person is None and pending:
        change = change_request_submit(actor=actor, person=None, row=row, payload=payload,
                                       request=request)
        return LiaisonEdit(person=None, change=change, pending_groups=_groups(changed))
    saved = None
    if direct:
        direct_payload = before | {c: payload[c] for c in direct} if person else payload
        saved = person_save(actor=actor, row=_parsed(direct_payload), person=person,
                            request=request)
    change = None
    if pending and person is not None:
        base = person if saved is None else saved
        pending_payload = _current_payload(base) | {c: payload[c] for c in pending}
        change = change_request_submit(actor=actor, person=base, row=_parsed(pending_payload),
                                       payload=pending_payload, request=request)
    return LiaisonEdit(person=saved, change=change, direct_groups=_groups(direct),
                       pending_groups=_groups(pending))
