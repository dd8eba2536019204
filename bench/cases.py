"""Visits and cases benchmarks (`make bench`, called by bench/run.py after the benefits one).
They print figures; they never pass or fail. Target (issue #7): each under 1 s on PostgreSQL.

1. Due lists: BENCH_CASES_PERSONS persons (default 100,000; the registry bench's persons are
   reused when the count matches, else generated with its generator, one household each and
   registered two years ago), 400 village liaison officers over the county's villages, a census
   round (1 January – 30 June), the quarterly default and a monthly 重残独居 schedule, and
   about 2.2 visits a person (census 90 %, last quarter 80 %, this quarter 40 %) inserted
   set-based (INSERT … SELECT). Timed:
   - every officer's list at once as counts per village and state (`due_by_village`, one
     grouped query: what the county sees of all 400 lists);
   - every list in full: the state of every person of the county, streamed (one query);
   - each of the 400 officers' own list page (summary + count + first page of 30):
     p50 / p95 and the sum.
2. 问题清单: BENCH_CASES_ROWS cases (default 1,000,000 on PostgreSQL, 200,000 on SQLite) over
   the county's villages, inserted by one INSERT … SELECT over a numbers series; timed: the
   board for the county (cold and warm), for a year, and for one township.

Uses the database bench/run.py configured (DATABASE_URL); empties the cases tables first and
last. `python bench/cases.py [--persons N] [--cases N]` runs it on its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")

OFFICERS = 400
T = TypeVar("T")


def _row(label: str, ms: float, note: str = "") -> None:
    print(f"  {label:<58} {ms:10.1f} ms" + (f"   {note}" if note else ""), flush=True)


def _timed(label: str, func: Callable[[], T], note: Callable[[T], str] | None = None
           ) -> tuple[T, float]:
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    _row(label, seconds * 1000, note(result) if note else "")
    return result, seconds


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute("ANALYZE")


def clear_cases() -> None:
    from django.db import connection, transaction

    from canlian.cases import models as m
    from canlian.core.models import User

    tables = [x._meta.db_table for x in (
        m.CaseEvent, m.CaseAttachment, m.VisitNeed, m.Case, m.VisitDraft, m.Visit,
        m.VisitRound, m.VisitSchedule, m.CaseRoute, m.CaseDeadline)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    User.objects.filter(username__startswith="bench_liaison_").delete()


def ensure_persons(count: int) -> None:
    """The registry bench's persons (one household each), registered two years ago."""
    from benefits import ensure_households  # bench/benefits.py
    from benefits import ensure_persons as benefits_ensure_persons
    from django.db.models import Value
    from django.utils import timezone

    from canlian.registry.models import Person

    benefits_ensure_persons(count)
    ensure_households(date.today().replace(day=1))
    Person.objects.update(created_at=Value(timezone.now() - timedelta(days=730)))


def make_officers(county: str) -> list[Any]:
    """400 liaison accounts: one per village, a second one in the first villages."""
    from canlian.core.models import Region, User
    from canlian.core.roles import Role

    villages = list(Region.objects.filter(code__startswith=county[:6], level="village")
                    .order_by("code").values_list("code", flat=True))
    users = [User(username=f"bench_liaison_{i:03d}", name=f"专职委员{i:03d}",
                  role=Role.VILLAGE_LIAISON, region_id=villages[i % len(villages)],
                  password="!") for i in range(OFFICERS)]
    return User.objects.bulk_create(users)


def make_plan_and_visits(county: str, today: date, staff: Any) -> int:
    """The round, the schedules and ~2.2 visits a person, set-based (three INSERT … SELECT)."""
    from django.db import transaction
    from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Value, When
    from django.db.models.functions import Mod
    from django.utils import timezone

    from canlian.cases.due import add_months, period_start
    from canlian.cases.models import Visit, VisitRound, VisitSchedule
    from canlian.core.bulk import insert_from_select
    from canlian.core.models import User
    from canlian.core.roles import Role
    from canlian.registry.models import Person

    start, due = date(today.year, 1, 1), date(today.year, 6, 30)
    with transaction.atomic():
        census = VisitRound.objects.create(name="基准遍访", region_id=county, started_on=start,
                                           due_on=due, created_by=staff)
        VisitSchedule.objects.create(name="一般 每季度", region_id=county, interval_months=3,
                                     conditions=[], created_by=staff)
        VisitSchedule.objects.create(name="重残独居 每月", region_id=county, interval_months=1,
                                     conditions=["severe", "alone"], created_by=staff)
        officer = Subquery(User.objects.filter(role=Role.VILLAGE_LIAISON,
                                               region_id=OuterRef("region_id"))
                           .order_by("pk").values("pk")[:1])
        persons = Person.objects.filter(category__isnull=False).annotate(
            r100=Mod(F("pk"), 100)).order_by()
        this_q = period_start(today, 3)
        last_q = add_months(this_q, -3)

        def day_in(first: date, last: date) -> Any:
            span = max((last - first).days, 0)
            return Case(*[When(r100__lt=(k + 1) * 10, then=Value(first + timedelta(
                days=span * k // 10))) for k in range(10)], default=Value(last))

        common = {"person": F("pk"), "region": F("region_id"), "visitor": officer,
                  "mode": Value("home"), "people_met": Value("本人"),
                  "living_arrangement": Value("with_family"), "living_note": Value(""),
                  "summary": Value(""), "photo_path": Value(""),
                  "photo_content_type": Value(""), "photo_size": Value(0),
                  "recorded_at": Value(timezone.now())}
        total = insert_from_select(Visit, persons.filter(r100__lt=90), {
            **common, "visited_on": day_in(start, min(due, today)), "purpose": Value("census"),
            "round": Value(census.pk)})
        if last_q > due:
            total += insert_from_select(Visit, persons.filter(r100__gte=5, r100__lt=85), {
                **common, "visited_on": day_in(last_q, this_q - timedelta(days=1)),
                "purpose": Value("follow_up"),
            "round": Value(None, output_field=IntegerField())})
        total += insert_from_select(Visit, persons.filter(r100__gte=50, r100__lt=90), {
            **common, "visited_on": day_in(this_q, today), "purpose": Value("follow_up"),
            "round": Value(None, output_field=IntegerField())})
    return total


def bench_due(count: int) -> None:
    from django.db import connection
    from registry import _county_staff  # bench/registry.py

    from canlian.cases import selectors
    from canlian.cases.due import due_states, plan_for
    from canlian.core.models import User
    from canlian.registry.models import Person

    today = date.today()
    staff = _county_staff()
    county = staff.region_id
    print(f"走访待办 · due lists, {count:,} persons, {OFFICERS} officers ({connection.vendor})",
          flush=True)
    ensure_persons(count)
    officers, _ = _timed(f"create {OFFICERS} liaison accounts", lambda: make_officers(county))
    _timed("round, schedules and visits (INSERT … SELECT)",
           lambda: make_plan_and_visits(county, today, staff), lambda n: f"{n:,} visits")
    _analyze()
    _timed("all lists as counts per village (due_by_village)",
           lambda: selectors.due_by_village(actor=staff, today=today),
           lambda v: f"{len(v)} villages, {sum(x['overdue'] for x in v):,} overdue, "
                     f"{sum(x['open'] for x in v):,} to visit")
    _timed("all lists as counts per village (warm)",
           lambda: selectors.due_by_village(actor=staff, today=today))
    plan = plan_for(county, today)
    _timed("every list in full: state of every person (one query)",
           lambda: sum(1 for _ in due_states(Person.objects.filter(
               region__code__startswith=county[:6]), plan)),
           lambda n: f"{n:,} persons")
    times = []
    officers = list(User.objects.filter(pk__in=[o.pk for o in officers]).select_related(
        "region"))
    for officer in officers:
        start = time.perf_counter()  # what the page does (canlian/cases/views/visits.py)
        persons, due_plan = selectors.due_list_for(actor=officer, today=today)
        persons.count_from(selectors.due_summary_for(actor=officer, plan=due_plan))
        persons.count()
        selectors.due_rows(persons[0:30], due_plan)
        times.append(time.perf_counter() - start)
    times.sort()
    _row(f"one officer's page (summary + 30 rows), p50 of {len(times)}",
         statistics.median(times) * 1000)
    _row("one officer's page, p95", times[int(0.95 * (len(times) - 1))] * 1000)
    _row(f"all {len(times)} officers' pages one after another", sum(times) * 1000)


def make_cases(rows: int, county: str, staff: Any) -> int:
    """`rows` cases in one INSERT … SELECT over a numbers series × the county's villages."""
    from django.db import connection, transaction

    from canlian.cases.models import Case
    from canlian.core.models import Region

    villages = list(Region.objects.filter(code__startswith=county[:6], level="village")
                    .order_by("code").values_list("code", flat=True))
    values = ",".join(f"('{c}', {k})" for k, c in enumerate(villages))
    if connection.vendor == "postgresql":
        numbers = "SELECT generate_series(1, %s) AS i"
        day = "(date '2026-01-01' + (i %% 330))"
        stamp = "(timestamp with time zone '2026-01-01 09:00+08' + (i %% 330) * interval '1 day')"
        later = ("(timestamp with time zone '2026-01-01 09:00+08' + ((i %% 330) + (i %% 17)) "
                 "* interval '1 day')")
    else:
        numbers = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                   "WHERE i < %s) SELECT i FROM n")
        day = "date('2026-01-01', '+' || (i %% 330) || ' days')"
        stamp = "datetime('2026-01-01 01:00:00', '+' || (i %% 330) || ' days')"
        later = "datetime('2026-01-01 01:00:00', '+' || ((i %% 330) + (i %% 17)) || ' days')"
    status = ("CASE WHEN i %% 100 < 70 THEN 'confirmed' WHEN i %% 100 < 80 THEN 'concluded' "
              "WHEN i %% 100 < 90 THEN 'in_progress' WHEN i %% 100 < 94 THEN 'accepted' "
              "WHEN i %% 100 < 98 THEN 'registered' ELSE 'returned' END")
    closed = "i %% 100 < 80"
    table = Case._meta.db_table
    sql = f"""
        INSERT INTO {table} (source, category, title, description, status, version, region_id,
            contact_name, contact_phone, submitted_by_id, registered_at, accept_due_on, due_on,
            extended_days, extension_reason, reply, concluded_at, days_to_conclude,
            satisfaction, closed_at, return_reason, reopen_count, review_stage,
            escalation_level)
        SELECT CASE WHEN i %% 10 < 6 THEN 'visit' WHEN i %% 10 < 8 THEN 'help'
                    ELSE 'hotline' END,
               CASE i %% 9 WHEN 0 THEN 'rehab' WHEN 1 THEN 'device' WHEN 2 THEN 'accessibility'
                    WHEN 3 THEN 'employment' WHEN 4 THEN 'education' WHEN 5 THEN 'care'
                    WHEN 6 THEN 'subsidy' WHEN 7 THEN 'legal' ELSE 'other' END,
               '问题', '基准数据', {status}, 1, v.code, '', '', %s, {stamp}, {day}, {day},
               0, '', '', CASE WHEN {closed} THEN {later} END,
               CASE WHEN {closed} THEN i %% 17 END,
               CASE WHEN i %% 100 < 70 THEN 'satisfied' ELSE '' END,
               CASE WHEN i %% 100 < 70 THEN {later} END, '', 0, 0, 0
        FROM ({numbers}) AS n JOIN (VALUES {values}) AS v(code, k) ON v.k = i %% {len(villages)}
    """
    if connection.vendor == "sqlite":  # SQLite names VALUES columns column1, column2
        sql = sql.replace("AS v(code, k) ON v.k", "AS v ON v.column2").replace(
            "v.code", "v.column1")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [staff.pk, rows])
        return int(cursor.rowcount)


def bench_board(rows: int) -> None:
    from django.db import connection
    from registry import _county_staff  # bench/registry.py

    from canlian.cases import selectors
    from canlian.core.models import Region, User
    from canlian.core.roles import Role

    staff = _county_staff()
    print(f"问题清单 · board over {rows:,} cases ({connection.vendor})", flush=True)
    _timed(f"generate {rows:,} cases (INSERT … SELECT)",
           lambda: make_cases(rows, staff.region_id, staff), lambda n: f"{n:,} rows")
    _timed("VACUUM ANALYZE" if connection.vendor == "postgresql" else "(no ANALYZE on SQLite)",
           _analyze)
    today = date(2026, 11, 23)
    for attempt in ("cold", "warm"):
        _timed(f"board, whole county ({attempt})",
               lambda: selectors.board_for(actor=staff, today=today),
               lambda b: f"{b['total']['found']:,} found, {b['total']['closed']:,} closed, "
                         f"{b['total']['overdue']:,} overdue, "
                         f"{len(b['townships'])} townships")
    _timed("board, whole county, year 2026",
           lambda: selectors.board_for(actor=staff, year=2026, today=today))
    township = Region.objects.filter(code__startswith=staff.region_id[:6],
                                     level="township").order_by("code").first()
    officer, _ = User.objects.get_or_create(
        username="bench_township", defaults={"name": "基准乡镇", "role": Role.TOWNSHIP_STAFF,
                                             "region": township})
    _timed(f"board, one township ({township.name})",
           lambda: selectors.board_for(actor=officer, today=today),
           lambda b: f"{b['total']['found']:,} found")


def cases_rows(vendor: str) -> int:
    configured = os.environ.get("BENCH_CASES_ROWS")
    if configured:
        return int(configured)
    return 1_000_000 if vendor == "postgresql" else 200_000


def bench_cases(persons: int | None = None, rows: int | None = None) -> None:
    from django.db import connection

    clear_cases()
    try:
        bench_due(persons or int(os.environ.get("BENCH_CASES_PERSONS", "100000")))
        bench_board(rows or cases_rows(connection.vendor))
    finally:
        if not os.environ.get("BENCH_CASES_KEEP"):
            clear_cases()


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="visits and cases benchmark")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--cases", type=int, default=None)
    args = parser.parse_args(argv[1:])
    from registry import standalone_setup  # bench/registry.py

    standalone_setup()
    bench_cases(args.persons, args.cases)


if __name__ == "__main__":
    _main(sys.argv)
