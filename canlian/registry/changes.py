"""Maker-checker for village liaison officers' edits (issue #3 §3).

A liaison officer's new person or edit becomes a PersonChangeRequest; township (or county)
staff of the jurisdiction approve it, which applies it through the normal write path, or return
it with a reason. The request remembers the person's version it was made on: if someone changed
the record since, approval is refused and the request is flagged as a conflict.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role
from canlian.registry.models import ChangeStatus, Person, PersonChangeRequest
from canlian.registry.rows import PersonRow, parse_rows
from canlian.registry.services import person_save

APPROVER_ROLES = frozenset({Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})


def needs_approval(actor: User) -> bool:
    return actor.role == Role.VILLAGE_LIAISON


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
