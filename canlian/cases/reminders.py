"""Daily deadline work on open cases: remind the responsible unit of cases due within two working
days, and escalate overdue cases to the level above (督办): once when first overdue, and again
each `ESCALATE_AGAIN_WORKING_DAYS` while still overdue, up to the county federation.

Set-based and idempotent: a fixed number of queries whatever the number of cases (one read,
one bulk update, one bulk insert of events, one read of the staff to text), and running it twice
on a day changes nothing the second time (`reminded_on`, `escalated_at`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from canlian.cases import routing
from canlian.cases.deadlines import DUE_SOON_WORKING_DAYS
from canlian.cases.models import Case, CaseAction, CaseEvent, CaseStatus
from canlian.core import audit
from canlian.core.models import AuditAction, User
from canlian.core.roles import Role
from canlian.core.sms import send_sms
from canlian.core.workdays import add_working_days
from canlian.organizations.models import OrgUnit

ESCALATE_AGAIN_WORKING_DAYS = 5


@dataclass
class DeadlineRun:
    reminded: int = 0
    escalated: int = 0
    texts: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


def overdue_condition(today: date) -> Q:
    """Open cases past their current deadline: acceptance for 登记, conclusion after that."""
    return (Q(status=CaseStatus.REGISTERED, accept_due_on__lt=today)
            | Q(status__in=(CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS), due_on__lt=today))


def due_soon_condition(today: date) -> Q:
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    return (Q(status=CaseStatus.REGISTERED, accept_due_on__gte=today, accept_due_on__lte=soon)
            | Q(status__in=(CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS), due_on__gte=today,
                due_on__lte=soon))


def _escalation_target(case: Case, today: date, above: dict[int, OrgUnit | None]) -> OrgUnit | None:
    def parent(unit: OrgUnit | None) -> OrgUnit | None:
        if unit is None:
            return None
        if unit.pk not in above:
            above[unit.pk] = routing.unit_above(unit)
        return above[unit.pk]

    if case.escalation_level == 0:
        return parent(case.responsible_unit) or case.responsible_unit
    if case.escalated_at is None:
        return None
    again_on = add_working_days(timezone.localdate(case.escalated_at),
                                ESCALATE_AGAIN_WORKING_DAYS)
    if today <= again_on:
        return None
    return parent(case.escalated_to)


@transaction.atomic
def cases_deadline_run(*, today: date | None = None) -> DeadlineRun:
    today = today or timezone.localdate()
    now = timezone.now()
    run = DeadlineRun()
    events: list[CaseEvent] = []
    above: dict[int, OrgUnit | None] = {}

    overdue = list(Case.objects.filter(overdue_condition(today))
                   .select_related("responsible_unit", "escalated_to"))
    escalated = []
    for case in overdue:
        target = _escalation_target(case, today, above)
        if target is None:
            continue
        case.escalation_level += 1
        case.escalated_to, case.escalated_at = target, now
        escalated.append(case)
        events.append(CaseEvent(case=case, action=CaseAction.ESCALATE, from_status=case.status,
                                to_status=case.status, at=now, unit=target,
                                due_on=case.due_on or case.accept_due_on,
                                note=f"逾期未办结，第 {case.escalation_level} 次督办：{target}"))
        run.texts[target.pk].append(case.reference)
    Case.objects.bulk_update(escalated, ["escalation_level", "escalated_to", "escalated_at"])

    soon = list(Case.objects.filter(due_soon_condition(today))
                .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
                .select_related("responsible_unit"))
    for case in soon:
        case.reminded_on = today
        events.append(CaseEvent(case=case, action=CaseAction.REMIND, from_status=case.status,
                                to_status=case.status, at=now, unit=case.responsible_unit,
                                due_on=case.due_on or case.accept_due_on,
                                note="即将到期提醒"))
    Case.objects.bulk_update(soon, ["reminded_on"])
    CaseEvent.objects.bulk_create(events)
    run.escalated, run.reminded = len(escalated), len(soon)

    reminders: dict[int, int] = defaultdict(int)
    for case in soon:
        if case.responsible_unit_id:
            reminders[case.responsible_unit_id] += 1
    _text_units(run.texts, reminders)
    if escalated or soon:
        audit.audit_record(actor=None, actor_username="system", action=AuditAction.UPDATE,
                           object_type="cases.case",
                           summary=f"诉求期限检查：督办 {len(escalated)} 件，提醒 {len(soon)} 件")
    return run


def _text_units(escalations: dict[int, list[str]], reminders: dict[int, int]) -> None:
    """One text per unit and kind to its staff (township units: township staff; county-level
    units: county staff), sent after the transaction commits."""
    unit_ids = set(escalations) | set(reminders)
    if not unit_ids:
        return
    units = OrgUnit.objects.in_bulk(unit_ids)
    staff = defaultdict(list)
    for user in User.objects.filter(is_active=True, role__in=[Role.TOWNSHIP_STAFF,
                                                               Role.COUNTY_STAFF],
                                    region_id__in={u.region_id for u in units.values()}):
        staff[user.region_id].append(user)
    messages = []
    for unit_id, unit in units.items():
        phones = [u.phone for u in staff[unit.region_id] if u.phone]
        if unit_id in escalations:
            refs = escalations[unit_id]
            text = (f"【县残联督办】{unit.name}：{len(refs)} 件诉求逾期未办结"
                    f"（{'、'.join(refs[:3])}{'等' if len(refs) > 3 else ''}），请督促办理。")
            messages += [(p, text) for p in phones]
        if unit_id in reminders:
            text = (f"【县残联提醒】{unit.name}：{reminders[unit_id]} 件诉求将在 2 个工作日内到期，"
                    "请及时办理。")
            messages += [(p, text) for p in phones]
    transaction.on_commit(lambda: [send_sms(p, t) for p, t in messages])
