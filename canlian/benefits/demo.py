"""Demo data for benefits: the shipped catalog, believable enrolments and three paid months.

`manage.py seed_demo --persons N` calls :func:`seed_demo` after the registry has filled the demo
county (canlian.core's command finds it without importing benefits). On the registry's persons:
- the catalog (data/policies.yaml) is loaded;
- of the persons eligible for each of the two subsidies, about 85 % are enrolled (start months
  spread over the past year, each in a month they were eligible), and about 3 % more have an
  application waiting at 乡镇初审, so the 待纳入 list shows the rest;
- most enrolled persons get a bank account (社会化发放);
- the payroll of the last three months is generated, approved and marked paid, and an
  eligibility run is made for the current month.

Set-based throughout: one eligible-set query per policy and month, bulk inserts, and the payroll
and eligibility services (INSERT … SELECT). Running it twice changes nothing the second time.
"""

from __future__ import annotations

import random
import time
from datetime import date
from typing import TextIO

from django.db import transaction
from django.db.models import F

from canlian.benefits.catalog import SHIPPED_CATALOG, policies_load
from canlian.benefits.eligibility import (
    eligibility_run_execute,
    eligibility_run_start,
    eligible_persons,
)
from canlian.benefits.models import (
    Enrolment,
    EnrolmentStatus,
    EnrolmentStep,
    LineStatus,
    PaymentAccount,
    Policy,
    ReviewStep,
)
from canlian.benefits.months import add_months, this_month
from canlian.benefits.payroll import payroll_approve, payroll_generate, payroll_lines_mark
from canlian.core import audit
from canlian.core.models import AuditAction, RegionLevel, User
from canlian.core.roles import Role
from canlian.registry.models import Person

SUBSIDIES = ("living_allowance", "care_subsidy")
ENROLLED_SHARE = 0.85
PENDING_SHARE = 0.03
WITH_ACCOUNT = 0.92
HISTORY_MONTHS = 12  # enrolments start up to a year back
PAID_MONTHS = 3
BANKS = (("贵州农村信用社", "6224", 0.55), ("中国农业银行", "6228", 0.2),
         ("中国邮政储蓄银行", "6221", 0.15), ("中国建设银行", "6217", 0.1))
STEP_LABELS = dict(ReviewStep.choices)
BATCH = 2000


def _county_actor() -> User | None:
    return (User.objects.filter(role=Role.COUNTY_STAFF, is_active=True,
                                region__level=RegionLevel.COUNTY)
            .select_related("region").order_by("pk").first())


def _eligible_by_month(policy: Policy, months: list[date]) -> dict[date, set[int]]:
    prefix = policy.region.prefix
    return {m: set(eligible_persons(policy, m, prefix=prefix).values_list("pk", flat=True))
            for m in months}


def _enrol(policy: Policy, actor: User, now: date, rng: random.Random) -> tuple[int, int]:
    """Enrol ~85 % of the persons eligible in the first paid month, each from a month in the
    past year in which they were eligible; 3 % of this month's eligible (at least one)
    apply this month and are pending."""
    first_paid = add_months(now, -PAID_MONTHS)
    months = [add_months(first_paid, -k) for k in range(HISTORY_MONTHS - PAID_MONTHS + 1)]
    eligible = _eligible_by_month(policy, [*months, now])
    region_of = dict(Person.objects.filter(pk__in=eligible[first_paid] | eligible[now])
                     .values_list("pk", "region_id"))
    steps = list(policy.review_steps)
    enrolled, pending = [], []
    for person_id in sorted(eligible[first_paid]):
        if rng.random() >= ENROLLED_SHARE:
            continue
        start = months[rng.randrange(len(months))]
        if person_id not in eligible[start]:
            start = first_paid
        enrolled.append(Enrolment(person_id=person_id, policy=policy,
                                  region_id=region_of[person_id],
                                  status=EnrolmentStatus.ENROLLED, applied_month=start,
                                  start_month=start, applied_by=actor, decided_at=None))
    # A fixed share drawn, not a coin per person: a small county (or a month in which few are
    # newly eligible) still shows township staff at least one application waiting for them.
    candidates = sorted(eligible[now] - {e.person_id for e in enrolled})
    wanted = min(len(candidates), max(1, round(PENDING_SHARE * len(eligible[now]))))
    for person_id in sorted(rng.sample(candidates, wanted)):
        pending.append(Enrolment(person_id=person_id, policy=policy,
                                 region_id=region_of[person_id],
                                 status=EnrolmentStatus.PENDING,
                                 next_step=steps[0] if steps else "", applied_month=now,
                                 applied_by=actor))
    Enrolment.objects.bulk_create(enrolled + pending, batch_size=BATCH)
    Enrolment.objects.filter(pk__in=[e.pk for e in enrolled]).update(decided_at=F("created_at"))
    history = []
    for e in enrolled:
        history.append(EnrolmentStep(enrolment=e, action="申请", actor=actor))
        history += [EnrolmentStep(enrolment=e, action=STEP_LABELS[step], actor=actor,
                                  note="材料齐全，同意") for step in steps]
    history += [EnrolmentStep(enrolment=e, action="申请", actor=actor) for e in pending]
    EnrolmentStep.objects.bulk_create(history, batch_size=BATCH)
    return len(enrolled), len(pending)


def _accounts(rng: random.Random) -> int:
    """A bank account for most persons enrolled (the number is encrypted on insert)."""
    enrolled = (Person.objects.filter(enrolments__status=EnrolmentStatus.ENROLLED)
                .exclude(pk__in=PaymentAccount.objects.values("person_id"))
                .distinct().order_by("pk").values_list("pk", "name"))
    accounts = []
    for person_id, name in enrolled:
        if rng.random() >= WITH_ACCOUNT:
            continue
        bank, bin_, _ = rng.choices(BANKS, [b[2] for b in BANKS])[0]
        number = bin_ + "".join(str(rng.randrange(10)) for _ in range(15))
        accounts.append(PaymentAccount(person_id=person_id, bank=bank, account_number=number,
                                       holder=name))
    PaymentAccount.objects.bulk_create(accounts, batch_size=BATCH)
    return len(accounts)


def _payroll(policies: list[Policy], actor: User, now: date) -> int:
    lines = 0
    for k in range(PAID_MONTHS, 0, -1):
        for policy in policies:
            batch = payroll_generate(actor=actor, policy=policy,
                                     period_start=add_months(now, -k))
            payroll_approve(actor=actor, batch=batch)
            lines += payroll_lines_mark(actor=actor, batch=batch, line_ids=None,
                                        status=LineStatus.PAID)
    return lines


def seed_demo(*, persons: int, stdout: TextIO) -> None:
    """Benefits demo data on top of the registry's (skipped when enrolments exist)."""
    if persons <= 0:
        return
    actor = _county_actor()
    if actor is None or not Person.objects.exists():
        stdout.write("演示政策数据：没有县残联工作人员账户或残疾人数据，跳过\n")
        return
    start = time.perf_counter()
    result = policies_load(actor=None, text=SHIPPED_CATALOG.read_text(encoding="utf-8"))
    if Enrolment.objects.exists():
        stdout.write(f"演示政策数据：政策目录未变化 {result.unchanged} 项；"
                     "已有享受记录，不再生成\n")
        return
    rng, now = random.Random(2026), this_month()
    policies = list(Policy.objects.filter(code__in=SUBSIDIES).select_related("region")
                    .prefetch_related("rates", "rule_versions").order_by("code"))
    with transaction.atomic():
        counts = {p.code: _enrol(p, actor, now, rng) for p in policies}
        accounts = _accounts(rng)
        audit.audit_record(actor=None, action=AuditAction.CREATE,
                           object_type="benefits.enrolment", region_code=actor.region_id,
                           summary="生成演示政策享受数据",
                           changes={code: {"enrolled": e, "pending": p}
                                    for code, (e, p) in counts.items()})
    lines = _payroll(policies, actor, now)
    run = eligibility_run_start(actor=actor, month=now)
    summary = eligibility_run_execute(run=run)
    elapsed = time.perf_counter() - start
    described = "，".join(f"{p.name}在册 {counts[p.code][0]} 人、待审 {counts[p.code][1]} 人"
                         for p in policies)
    to_enrol = sum(s["to_enrol"] for code, s in summary.items() if code in SUBSIDIES)
    stdout.write(f"演示政策数据：{described}；发放账户 {accounts} 个；近 {PAID_MONTHS} 个月发放 "
                 f"{lines} 笔；本月待纳入 {to_enrol} 人；用时 {elapsed:.1f} 秒\n")
