"""Writes of visits (走访): record a visit with its needs and photo, turn a need into a case or
a service demand in one step, keep drafts of half-filled forms, and the visit plans (census
rounds, schedules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from canlian.cases import files, permissions, services
from canlian.cases.due import plan_for
from canlian.cases.models import (
    CaseSource,
    LivingArrangement,
    NeedKind,
    NeedOutcome,
    ScheduleCondition,
    Visit,
    VisitDraft,
    VisitMode,
    VisitNeed,
    VisitPurpose,
    VisitRound,
    VisitSchedule,
)
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, Region, User
from canlian.core.permissions import in_jurisdiction
from canlian.registry.models import LivingStatus, Person

MAX_NEEDS = 9


@dataclass(frozen=True)
class NeedIn:
    kind: str
    description: str


def registered_on(person: Person) -> date:
    """When the person entered the registry: the record's creation, or the issue of their
    certificate if earlier (the national 残疾人人口基础库 had them then, DOMAIN.md §9)."""
    created = timezone.localdate(person.created_at)
    issued = person.certificate_issued_on
    return min(created, issued) if issued else created


def _current_round(person: Person, day: date) -> VisitRound | None:
    for round_ in plan_for(person.region_id, day).rounds:
        if person.region_id.startswith(round_.region.prefix):
            return round_
    return None


def _purpose(person: Person, day: date) -> tuple[str, VisitRound | None]:
    """The first visit of a person in the current census round is its census visit."""
    round_ = _current_round(person, day)
    if round_ is not None and not Visit.objects.filter(person=person, round=round_).exists():
        return VisitPurpose.CENSUS, round_
    return VisitPurpose.FOLLOW_UP, None


def _validate(actor: User, person: Person, visited_on: date | None, mode: str,
              people_met: str, living_arrangement: str, needs: Sequence[NeedIn]) -> None:
    if not permissions.can_record_visit(actor, person.region_id):
        raise DomainError("jurisdiction", "只能为本辖区（本村）的残疾人登记走访。", field="person")
    if person.living_status != LivingStatus.ALIVE:
        raise DomainError("person", f"该人员的状态为“{person.get_living_status_display()}”，"
                                    "不能登记走访。", field="person")
    today = timezone.localdate()
    if visited_on is None:
        raise DomainError("visited_on", "请填写走访日期。", field="visited_on")
    if visited_on > today:
        raise DomainError("visited_on", "走访日期不能晚于今天。", field="visited_on")
    first = registered_on(person)
    if visited_on < first:
        raise DomainError("visited_on", f"走访日期不能早于该人员的建档日期"
                                        f"（{first:%Y-%m-%d}）。", field="visited_on")
    if mode not in VisitMode.values:
        raise DomainError("mode", "请选择走访方式。", field="mode")
    if not people_met.strip():
        raise DomainError("people_met", "请填写见到的人（如：本人、配偶）。", field="people_met")
    if living_arrangement not in LivingArrangement.values:
        raise DomainError("living_arrangement", "请选择居住情况。", field="living_arrangement")
    if len(needs) > MAX_NEEDS:
        raise DomainError("needs", f"一次走访最多登记 {MAX_NEEDS} 项需求。", field="needs")
    for need in needs:
        if need.kind not in NeedKind.values:
            raise DomainError("needs", "请为每项需求选择类别。", field="needs")
        if not need.description.strip():
            raise DomainError("needs", f"请填写“{NeedKind(need.kind).label}”需求的具体内容。",
                              field="needs")


@transaction.atomic
def visit_record(*, actor: User, person: Person, visited_on: date | None, mode: str,
                 people_met: str, living_arrangement: str, living_note: str = "",
                 summary: str = "", needs: Sequence[NeedIn] = (),
                 photo: files.Upload | None = None,
                 request: HttpRequest | None = None) -> Visit:
    """Record one visit (and its needs); the officer's draft for this person is discarded."""
    _validate(actor, person, visited_on, mode, people_met, living_arrangement, needs)
    assert visited_on is not None
    stored = None
    if photo is not None:
        stored = files.store(photo, folder="visits", allowed=files.PHOTO_TYPES, field="photo")
    purpose, round_ = _purpose(person, visited_on)
    visit = Visit.objects.create(
        person=person, region_id=person.region_id, visitor=actor, visited_on=visited_on,
        mode=mode, purpose=purpose, round=round_, people_met=people_met.strip()[:200],
        living_arrangement=living_arrangement, living_note=living_note.strip()[:500],
        summary=summary.strip()[:1000],
        photo_path=stored.path if stored else "",
        photo_content_type=stored.content_type if stored else "",
        photo_size=stored.size if stored else 0)
    VisitNeed.objects.bulk_create([
        VisitNeed(visit=visit, person=person, region_id=person.region_id, kind=n.kind,
                  description=n.description.strip()[:500]) for n in needs])
    VisitDraft.objects.filter(owner=actor, person=person).delete()
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=visit,
                       summary=f"登记走访（{visit.get_purpose_display()}，"
                               f"{visit.get_mode_display()}，需求 {len(needs)} 项）",
                       changes=audit.created(visit, ["person_id", "visited_on", "mode",
                                                     "purpose"]),
                       request=request)
    return visit


# ------------------------------------------------------------------ needs


def _require_need_open(actor: User, need: VisitNeed) -> None:
    if not permissions.can_record_visit(actor, need.region_id):
        raise DomainError("jurisdiction", "该需求不在您的管辖范围内。")
    if need.outcome != NeedOutcome.PENDING:
        raise DomainError("out_of_order",
                          f"该需求已处理（{need.get_outcome_display()}），不能重复处理。")


@transaction.atomic
def need_to_case(*, actor: User, need: VisitNeed, title: str = "", description: str = "",
                 request: HttpRequest | None = None) -> Any:
    """One step: the need becomes a case (source 走访发现) for the person, routed and dated."""
    need = VisitNeed.objects.select_for_update().select_related("person").get(pk=need.pk)
    _require_need_open(actor, need)
    case = services.case_register(
        actor=actor, source=CaseSource.VISIT, category=need.kind,
        title=title.strip() or f"走访发现：{need.get_kind_display()}需求",
        description=description.strip() or need.description, person=need.person,
        request=request)
    need.outcome, need.case = NeedOutcome.CASE, case
    need.decided_by, need.decided_at = actor, timezone.now()
    need.save(update_fields=["outcome", "case", "decided_by", "decided_at"])
    return case


@transaction.atomic
def need_decide(*, actor: User, need: VisitNeed, outcome: str,
                request: HttpRequest | None = None) -> VisitNeed:
    """列入服务需求 (for the service departments' demand list) or 当场解决."""
    if outcome not in (NeedOutcome.DEMAND, NeedOutcome.RESOLVED):
        raise DomainError("outcome", "请选择处理方式。", field="outcome")
    need = VisitNeed.objects.select_for_update().get(pk=need.pk)
    _require_need_open(actor, need)
    need.outcome, need.decided_by, need.decided_at = outcome, actor, timezone.now()
    need.save(update_fields=["outcome", "decided_by", "decided_at"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=need,
                       summary=f"走访需求：{need.get_outcome_display()}", request=request)
    return need


# ------------------------------------------------------------------ drafts

DRAFT_KEYS = frozenset({"visited_on", "mode", "people_met", "living_arrangement", "living_note",
                        "summary", *(f"need_{k}" for k in NeedKind.values),
                        *(f"need_{k}_note" for k in NeedKind.values)})


def visit_draft_save(*, actor: User, person: Person, data: dict[str, Any]) -> VisitDraft:
    """Keep what has been typed so far (only the form's own fields, as short strings)."""
    if not permissions.can_record_visit(actor, person.region_id):
        raise DomainError("jurisdiction", "只能为本辖区（本村）的残疾人登记走访。")
    clean = {k: str(v)[:1000] for k, v in data.items() if k in DRAFT_KEYS and v not in (None, "")}
    for _ in range(2):  # two tabs saving at once: the loser of the insert race updates
        try:
            with transaction.atomic():
                draft, _created = VisitDraft.objects.update_or_create(
                    owner=actor, person=person, defaults={"data": clean})
            return draft
        except IntegrityError:
            continue
    raise DomainError("conflict", "草稿保存冲突，请稍后重试。")


def visit_draft_discard(*, actor: User, person: Person) -> None:
    VisitDraft.objects.filter(owner=actor, person=person).delete()


# ------------------------------------------------------------------ plans


@transaction.atomic
def round_create(*, actor: User, name: str, region: Region, started_on: date | None,
                 due_on: date | None, request: HttpRequest | None = None) -> VisitRound:
    """A census round over an area of the actor's jurisdiction."""
    if actor.role not in permissions.PLAN_ROLES:
        raise DomainError("forbidden", "您的角色不能安排遍访。")
    if not in_jurisdiction(actor, region.code):
        raise DomainError("jurisdiction", "该区域不在您的管辖范围内。", field="region")
    if not name.strip():
        raise DomainError("name", "请填写遍访名称。", field="name")
    if started_on is None:
        raise DomainError("started_on", "请填写开始日期。", field="started_on")
    if due_on is None or due_on < started_on:
        raise DomainError("due_on", "完成期限不能早于开始日期。", field="due_on")
    round_ = VisitRound.objects.create(name=name.strip()[:100], region=region,
                                       started_on=started_on, due_on=due_on, created_by=actor)
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=round_,
                       summary=f"安排遍访：{round_.name}", request=request)
    return round_


@transaction.atomic
def schedule_save(*, actor: User, name: str, region: Region, interval_months: int,
                  conditions: Sequence[str], schedule: VisitSchedule | None = None,
                  is_active: bool = True, request: HttpRequest | None = None) -> VisitSchedule:
    """Add or change a visit schedule (e.g. 重残独居 每月走访一次)."""
    if actor.role not in permissions.SETTINGS_ROLES:
        raise DomainError("forbidden", "只有县残联工作人员可以设置走访周期。")
    if not in_jurisdiction(actor, region.code):
        raise DomainError("jurisdiction", "该区域不在您的管辖范围内。", field="region")
    if not name.strip():
        raise DomainError("name", "请填写名称。", field="name")
    if interval_months not in (1, 2, 3, 4, 6, 12):
        raise DomainError("interval_months", "走访周期应为 1、2、3、4、6 或 12 个月。",
                          field="interval_months")
    unknown = [c for c in conditions if c not in ScheduleCondition.values]
    if unknown:
        raise DomainError("conditions", "适用条件有误。", field="conditions")
    values = {"name": name.strip()[:100], "region": region, "interval_months": interval_months,
              "conditions": sorted(set(conditions)), "is_active": is_active}
    if schedule is None:
        schedule = VisitSchedule.objects.create(created_by=actor, **values)
        action = AuditAction.CREATE
    else:
        for key, value in values.items():
            setattr(schedule, key, value)
        schedule.save()
        action = AuditAction.UPDATE
    audit.audit_record(actor=actor, action=action, obj=schedule,
                       summary=f"设置走访周期：{schedule.name}", request=request,
                       changes={"interval_months": [None, interval_months],
                                "conditions": [None, ",".join(values["conditions"])]})
    return schedule
