"""Benefits benchmarks (`make bench`, called by bench/run.py after the registry's). They print
figures; they never pass or fail.

On BENCH_BENEFITS_PERSONS persons (default 1,000,000 on PostgreSQL, 100,000 on SQLite: the
registry search benchmark's persons are reused when the count matches, else generated with its
generator), each given a household (one per person, set-based), 20 % of households in 低保
(some periods ended last month), 2 % 特困:
- the shipped catalog (8 policies) is loaded and 85 % of the persons eligible six months ago
  are enrolled in each of the two subsidies (INSERT … SELECT), so that the run finds both
  待纳入 and 应停发 rows;
- timed: the eligibility run of this month over every policy (eligibility_run_execute), payroll
  generation of this month for both subsidies (payroll_generate), and the rule editor's preview
  count (`Person.objects.filter(rule.q(month)).count()` for care_subsidy);
- the naive alternative: facts_for + evaluate of every policy, person by person, on 10,000
  persons, scaled to N, and its ratio to the set-based run;
- memory: the Python heap peak (tracemalloc) of the run and of payroll generation — flat in
  the number of persons when the work stays in SQL — and the process's ru_maxrss.

Uses the database bench/run.py configured (DATABASE_URL); empties the benefits tables first and
last. `python bench/benefits.py [--persons N]` runs it on its own.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")

NAIVE_SAMPLE = 10_000
ENROLLED_PERCENT = 85
T = TypeVar("T")


def benefits_persons(vendor: str) -> int:
    configured = os.environ.get("BENCH_BENEFITS_PERSONS")
    if configured:
        return int(configured)
    return 1_000_000 if vendor == "postgresql" else 100_000


def _row(label: str, ms: float, note: str = "") -> None:
    print(f"  {label:<58} {ms:10.1f} ms" + (f"   {note}" if note else ""), flush=True)


def _timed(label: str, func: Callable[[], T], note: Callable[[T], str] | None = None,
           *, trace: bool = False) -> tuple[T, float, int]:
    """Run once; returns (result, seconds, Python heap peak in bytes when traced)."""
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    _row(label, seconds * 1000, (note(result) if note else "")
         + (f"   heap peak {peak / 1e6:,.1f} MB" if trace else ""))
    return result, seconds, peak


def clear_benefits() -> None:
    from django.db import connection, transaction

    from canlian.benefits import models as m

    tables = [x._meta.db_table for x in (
        m.Overpayment, m.PayrollLine, m.PayrollBatch, m.EligibilityGap, m.EligibilityRun,
        m.EnrolmentStep, m.Enrolment, m.PaymentAccount, m.LedgerEntry, m.Budget, m.Rate,
        m.PolicyRuleVersion, m.Policy)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def ensure_persons(count: int) -> None:
    from django.db import connection
    from registry import clear_registry, generate_persons  # bench/registry.py

    from canlian.registry.models import Person

    if Person.objects.count() == count:
        print(f"  (the registry already holds {count:,} persons: reused)")
        return
    clear_registry()
    _timed(f"generate {count:,} persons (the registry bench generator)",
           lambda: generate_persons(count))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def ensure_households(month: date) -> None:
    """One household per person without one; 低保 for 20 % (one in twenty of them ended last
    month), 特困 for 2 % — set-based."""
    from django.db import connection, transaction
    from django.db.models import DateField, F, Value
    from django.db.models.functions import Mod
    from django.utils import timezone

    from canlian.benefits.months import add_months
    from canlian.core.bulk import insert_from_select
    from canlian.registry.models import Household, HouseholdStatus, Person

    loose = Person.objects.filter(household__isnull=True)
    if not loose.exists():
        return

    def build() -> int:
        with transaction.atomic():
            first_new = (Household.objects.order_by("-pk").values_list("pk", flat=True)
                         .first() or 0)
            made = insert_from_select(Household, loose.order_by(), {
                "region": F("region_id"), "head": F("pk"), "address": Value(""),
                "created_at": Value(timezone.now())})
            # UPDATE … FROM (PostgreSQL, SQLite ≥ 3.33): a join, where the ORM's correlated
            # subquery per person took 5 minutes at 1,000,000 persons on PostgreSQL.
            person, household = Person._meta.db_table, Household._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {person} SET household_id = h.id FROM {household} h "
                               f"WHERE h.head_id = {person}.id AND {person}.household_id IS NULL")
            new = Household.objects.filter(pk__gt=first_new).annotate(
                r100=Mod(F("pk"), 100)).order_by()
            start = add_months(month, -60)
            for kind, share, end in (("dibao", new.filter(r100__lt=19), None),
                                     ("dibao", new.filter(r100=19), add_months(month, -1)),
                                     ("tekun", new.filter(r100__in=[20, 21]), None)):
                insert_from_select(HouseholdStatus, share, {
                    "household": F("pk"), "kind": Value(kind), "start_month": Value(start),
                    "end_month": Value(end, output_field=DateField()), "note": Value("")})
        return made

    _timed("households + 低保/特困 periods (set-based)", build, lambda n: f"{n:,} households")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def enrol_share(month: date, actor: Any) -> int:
    """85 % of the persons eligible six months ago, enrolled from then (INSERT … SELECT)."""
    from django.db import transaction
    from django.db.models import F, Value
    from django.db.models.functions import Mod
    from django.utils import timezone

    from canlian.benefits.eligibility import eligible_persons
    from canlian.benefits.models import Enrolment, EnrolmentStatus, Policy
    from canlian.benefits.months import add_months
    from canlian.core.bulk import insert_from_select

    start, now, total = add_months(month, -6), timezone.now(), 0
    with transaction.atomic():
        for policy in (Policy.objects.filter(code__in=["living_allowance", "care_subsidy"])
                       .select_related("region").prefetch_related("rates", "rule_versions")):
            persons = (eligible_persons(policy, start, prefix=policy.region.prefix)
                       .annotate(r100=Mod(F("pk"), 100)).filter(r100__lt=ENROLLED_PERCENT)
                       .order_by())
            total += insert_from_select(Enrolment, persons, {
                "person": F("pk"), "policy": Value(policy.pk), "region": F("region_id"),
                "status": Value(EnrolmentStatus.ENROLLED), "next_step": Value(""),
                "applied_month": Value(start), "start_month": Value(start),
                "for_ward": Value(False), "channel": Value("staff"), "note": Value(""),
                "stop_reason": Value(""), "applied_by": Value(actor.pk),
                "created_at": Value(now), "decided_at": Value(now), "version": Value(0)})
    return total


def naive_seconds_per_person(month: date) -> tuple[float, int]:
    """facts_for + evaluate of every active policy, person by person (what the run avoids)."""
    from canlian.benefits.catalog import current_rule
    from canlian.benefits.eligibility import active_policies
    from canlian.benefits.rules import facts_for
    from canlian.registry.models import Person

    rules = [current_rule(p) for p in active_policies()]
    persons = list(Person.objects.order_by("pk")[:NAIVE_SAMPLE])
    eligible = 0
    start = time.perf_counter()
    for person in persons:
        facts = facts_for(person, month)
        eligible += sum(rule.evaluate(facts).ok for rule in rules)
    return (time.perf_counter() - start) / len(persons), eligible


def bench_benefits(persons: int | None = None) -> None:
    from django.db import connection
    from registry import _county_staff  # bench/registry.py

    from canlian.benefits.catalog import SHIPPED_CATALOG, current_rule, policies_load
    from canlian.benefits.eligibility import eligibility_run_execute, eligibility_run_start
    from canlian.benefits.models import Policy
    from canlian.benefits.months import this_month
    from canlian.benefits.payroll import payroll_generate
    from canlian.registry.models import Person

    count = persons or benefits_persons(connection.vendor)
    month = this_month()
    print(f"政策与补贴 · benefits at {count:,} persons ({connection.vendor}), month {month:%Y-%m}",
          flush=True)
    clear_benefits()
    ensure_persons(count)
    ensure_households(month)
    actor = _county_staff()
    result, _, _ = _timed("load the shipped catalog (policies_load)", lambda: policies_load(
        actor=None, text=SHIPPED_CATALOG.read_text(encoding="utf-8")))
    print(f"  ({result.created} policies)")
    _timed("enrol 85 % of those eligible 6 months ago, 2 subsidies", lambda: enrol_share(
        month, actor), lambda n: f"{n:,} enrolments")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    run = eligibility_run_start(actor=actor, month=month)
    summary, run_s, run_peak = _timed(
        f"eligibility run, {Policy.objects.filter(is_active=True).count()} policies "
        "(eligibility_run_execute)", lambda: eligibility_run_execute(run=run), trace=True)
    for code in ("living_allowance", "care_subsidy"):
        s = summary[code]
        print(f"    {code:<20} eligible {s['eligible']:>9,}  enrolled {s['enrolled']:>9,}  "
              f"待纳入 {s['to_enrol']:>8,}  应停发 {s['to_stop']:>7,}")
    payroll_s = 0.0
    for code in ("living_allowance", "care_subsidy"):
        policy = Policy.objects.get(code=code)
        _, seconds, _ = _timed(
            f"payroll generation {code} (payroll_generate)",
            lambda p=policy: payroll_generate(actor=actor, policy=p, period_start=month),
            lambda b: f"{b.line_count:,} lines, {b.total:,} 元", trace=True)
        payroll_s += seconds
    care = current_rule(Policy.objects.prefetch_related("rule_versions").get(
        code="care_subsidy"))
    for attempt in ("cold", "warm"):
        _timed(f"rule editor preview count, care_subsidy ({attempt})",
               lambda: Person.objects.filter(care.q(month)).count(), lambda n: f"{n:,} persons")

    sample = min(NAIVE_SAMPLE, count)
    per_person, _ = naive_seconds_per_person(month)
    scaled = per_person * count
    _row(f"naive: facts_for + evaluate × 8 policies, {sample:,} persons",
         per_person * sample * 1000)
    _row(f"naive scaled to {count:,} persons", scaled * 1000,
         f"{scaled / run_s:,.0f}× the set-based run")
    print(f"  {'memory: Python heap peak of the run / ru_maxrss of the process':<58} "
          f"{run_peak / 1e6:7.1f} MB / "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print(f"  {'total set-based: run + both payrolls':<58} {(run_s + payroll_s) * 1000:10.1f} ms")
    clear_benefits()


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="benefits benchmark")
    parser.add_argument("--persons", type=int, default=None)
    args = parser.parse_args(argv[1:])
    from registry import standalone_setup  # bench/registry.py

    standalone_setup()
    bench_benefits(args.persons)


if __name__ == "__main__":
    _main(sys.argv)
