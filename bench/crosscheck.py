"""Cross-check benchmark (`make bench`, called by bench/run.py after the benefits one). It
prints figures; it never passes or fails.

BENCH_CROSSCHECK_PERSONS registry persons (default 1,000,000 on PostgreSQL, 100,000 on SQLite;
generated with the registry bench generator, households and 低保/特困 periods with the benefits
bench's, reused when the count matches) against BENCH_CROSSCHECK_ROWS list rows (default: as
many as persons), a mix of two department files written as CSV:
- 死亡人员 (30 % of the rows): one row in ten is a registry person, 1 % of those with a mistyped
  digit (near-match candidates), the rest are other residents of the county;
- 低保/特困 (70 %): one row in three is a registry person — nine in ten of them already
  recorded in 低保 (the list and the registry mostly agree), one in ten new to the registry
  (a 待纳入 finding); one in twenty ended last month, one in fifty 特困 — the rest other
  residents.
Timed, per file, through the real service (`dataset_import`: row checks and blind index per
row in forked workers, staging COPY, match, near candidates, findings by INSERT … SELECT), with
its phases (stage_list = checks + HMAC + COPY + ANALYZE); then the
same work again (a re-run adds nothing). The floor: the same joins (deaths alive in the
registry, 低保 periods missing from it) done directly in DuckDB on the same data — the registry
and staged rows exported once, then read and joined in memory.

Uses the database bench/run.py configured (DATABASE_URL). `python bench/crosscheck.py
[--persons N] [--rows N]` runs it on its own.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")

T = TypeVar("T")
TARGET_S = 30
FLOOR_RATIO = 10
PHASES: dict[str, float] = {}


def _row(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<58} {seconds * 1000:10.1f} ms" + (f"   {note}" if note else ""),
          flush=True)


def _timed(label: str, func: Callable[[], T], note: Callable[[T], str] | None = None
           ) -> tuple[T, float]:
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    _row(label, seconds, note(result) if note else "")
    return result, seconds


def _phase(name: str, func: Callable[..., T]) -> Callable[..., T]:
    def wrapper(*args: Any, **kwargs: Any) -> T:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - start
    return wrapper


def _instrument() -> None:
    """Time the phases of dataset_import from outside (bench only), findings by kind."""
    from canlian.crosscheck import datasets, findings

    for name in ("stage_list", "rows_match", "candidates_find", "findings_refresh"):
        setattr(datasets, name, _phase(name, getattr(datasets, name)))
    refresh = findings._refresh

    def by_kind(kind: str, *args: Any) -> int:
        return _phase(f"findings_refresh: {kind}", refresh)(kind, *args)

    findings._refresh = by_kind


def worker_cost(path: Path, kind: str) -> None:
    """Row checks + blind index + COPY text of 50,000 rows in this one process: the CPU the
    forked workers spend per row, free of the database."""
    from datetime import date as day

    from canlian.core.tables import read_table
    from canlian.crosscheck import staging
    from canlian.crosscheck.jobs import LIST_LIMITS
    from canlian.crosscheck.rows import header_columns

    header, rows = read_table(path, limits=LIST_LIMITS)
    columns, _ = header_columns(kind, header)
    staging._JOB.update(kind=kind, columns=columns, rows=rows[:50_000], today=day.today(),
                        start_row=2, as_text=True, dataset_id=1)
    try:
        _, seconds = _timed(f"{kind}: checks + HMAC + COPY text, 50,000 rows, one process",
                            lambda: staging._work((0, 50_000)))
    finally:
        staging._JOB.clear()
    print(f"  {'':<58} {seconds / 50_000 * 1e6:10.1f} µs/row")


def default_persons(vendor: str) -> int:
    configured = os.environ.get("BENCH_CROSSCHECK_PERSONS")
    if configured:
        return int(configured)
    return 1_000_000 if vendor == "postgresql" else 100_000


def clear_crosscheck() -> None:
    from django.db import connection, transaction

    from canlian.crosscheck import models as m

    tables = [x._meta.db_table for x in (m.Finding, m.MatchCandidate, m.DatasetRow, m.Dataset)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def _other_id(rng: random.Random) -> str:
    from canlian.core.idnumbers import id_check_char

    first17 = (f"520322{rng.randint(1930, 2015)}{rng.randint(1, 12):02d}"
               f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}")
    return first17 + id_check_char(first17)


def _mistyped(number: str) -> str:
    position = 15  # a sequence digit: the birth date stays valid, the check character not
    digit = str((int(number[position]) + 1) % 10)
    return number[:position] + digit + number[position + 1:]


def write_lists(directory: Path, rows: int, month: date) -> tuple[Path, Path, dict[str, int]]:
    """The two department files; registry persons are read back (decrypted) from the
    database, the rest generated."""
    from canlian.benefits.months import add_months
    from canlian.registry.models import HouseholdStatus, Person

    rng = random.Random(8)
    deaths_n = rows * 3 // 10
    dibao_n = rows - deaths_n
    # 民政's list and the registry mostly agree (the registry took last month's list): nine in
    # ten of the list's registry persons are already recorded in 低保 (those the generator put
    # there), one in ten is new to the registry.
    wanted = dibao_n // 3
    in_dibao = HouseholdStatus.objects.active_in_month(month).filter(kind="dibao").values(
        "household_id")
    recorded = list(Person.objects.filter(household_id__in=in_dibao).order_by("pk")
                    .values_list("name", "id_number")[:wanted * 9 // 10])
    taken = {number for _, number in recorded}
    others = [p for p in Person.objects.exclude(household_id__in=in_dibao).order_by("pk")
              .values_list("name", "id_number")[:deaths_n // 10 + wanted - len(recorded)]
              if p[1] not in taken]
    rng.shuffle(others)
    registry_deaths = others[:deaths_n // 10]
    registry_dibao = recorded + others[deaths_n // 10:]
    rng.shuffle(registry_dibao)
    counts = {"deaths_registry": len(registry_deaths), "dibao_registry": len(registry_dibao),
              "dibao_recorded": len(recorded), "near": 0}
    seen = {number for _, number in recorded + others}

    def other() -> str:
        while (number := _other_id(rng)) in seen:
            pass
        seen.add(number)
        return number

    deaths = directory / "deaths.csv"
    with deaths.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "身份证号", "死亡日期", "来源单位"])
        died = add_months(month, -2).replace(day=15)
        written = 0
        for i, (name, number) in enumerate(registry_deaths):
            if number[6:14] > f"{died:%Y%m%d}":
                continue  # born after the day: not on a death list
            if i % 100 == 0:
                number = _mistyped(number)
                counts["near"] += 1
            writer.writerow([name, number, died.isoformat(), "县人民医院"])
            written += 1
        for _ in range(deaths_n - written):
            writer.writerow(["居民", other(), died.isoformat(), "县公安局"])
    dibao = directory / "dibao.csv"
    start, ended = add_months(month, -60), add_months(month, -1)
    with dibao.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "身份证号", "户主身份证号", "保障类别", "起始年月", "终止年月"])
        for i, (name, number) in enumerate(registry_dibao):
            category, begin, end = "农村低保", start, None
            if i % 20 == 2:
                end = ended  # ended last month: the registry still has it open
            elif i % 50 == 3:
                category = "特困供养"
            writer.writerow([name, number, number, category, f"{begin:%Y-%m}",
                             f"{end:%Y-%m}" if end else ""])
        for _ in range(dibao_n - len(registry_dibao)):
            number = other()
            writer.writerow(["居民", number, number, "城市低保", f"{start:%Y-%m}", ""])
    return deaths, dibao, counts


def import_file(path: Path, kind: str, actor: Any, month: date) -> tuple[Any, float]:
    from canlian.core.tables import read_table
    from canlian.crosscheck.datasets import dataset_import
    from canlian.crosscheck.jobs import LIST_LIMITS

    PHASES.clear()
    start = time.perf_counter()
    header, rows = read_table(path, limits=LIST_LIMITS)
    PHASES["read_table"] = time.perf_counter() - start
    report = dataset_import(actor=actor, kind=kind, source="基准", filename=path.name,
                            header=header, rows=rows, reference_month=month)
    seconds = time.perf_counter() - start
    assert report.written, report.as_json()
    _row(f"{kind}: {len(rows):,} rows end to end (read + import + match + findings)", seconds,
         f"matched {report.matched:,}, candidates {report.candidates:,}, "
         f"findings {sum(report.added.values()):,}")
    for name, phase in PHASES.items():
        _row(f"    {name}", phase)
    return report, seconds


def duckdb_floor(directory: Path, dataset_ids: dict[str, int], month: date) -> float | None:
    """The same joins in DuckDB on the same data: registry persons and household statuses, and
    the staged rows of both lists, exported as CSV, then read and joined in memory."""
    try:
        import duckdb
    except ImportError:
        print("  (duckdb not installed: pip install -r requirements-dev.txt)")
        return None
    from django.db import connection

    def export(sql: str, name: str) -> Path:
        path = directory / f"{name}.csv"
        with connection.cursor() as cursor, path.open("w", encoding="utf-8",
                                                      newline="") as out:
            cursor.execute(sql)
            writer = csv.writer(out)
            writer.writerow([c[0] for c in cursor.description])
            while batch := cursor.fetchmany(50_000):
                writer.writerows(batch)
        return path

    persons = export("SELECT id, id_number_index, name, living_status, household_id "
                     "FROM registry_person", "persons")
    statuses = export("SELECT household_id, kind, start_month, end_month "
                      "FROM registry_householdstatus", "statuses")
    rows = export("SELECT dataset_id, id_index, name, event_on, status_kind, start_month, "
                  "end_month FROM crosscheck_datasetrow WHERE dataset_id IN "
                  f"({dataset_ids['deaths']}, {dataset_ids['dibao']})", "rows")
    m = month.isoformat()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    start = time.perf_counter()
    con.execute(f"CREATE TABLE p AS SELECT * FROM read_csv('{persons}')")
    dates = "{'start_month': 'DATE', 'end_month': 'DATE'}"
    con.execute(f"CREATE TABLE s AS SELECT * FROM read_csv('{statuses}', types={dates})")
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{rows}', types="
                "{'event_on': 'DATE', 'start_month': 'DATE', 'end_month': 'DATE'})")
    deaths = con.execute(
        "SELECT count(*) FROM r JOIN p ON p.id_number_index = r.id_index "
        f"WHERE r.dataset_id = {dataset_ids['deaths']} AND p.living_status <> 'deceased'"
    ).fetchone()[0]
    starts = con.execute(
        "SELECT count(*) FROM r JOIN p ON p.id_number_index = r.id_index "
        f"WHERE r.dataset_id = {dataset_ids['dibao']} AND r.start_month <= DATE '{m}' "
        f"AND (r.end_month IS NULL OR r.end_month >= DATE '{m}') AND NOT EXISTS ("
        "SELECT 1 FROM s WHERE s.household_id = p.household_id AND s.kind = r.status_kind "
        f"AND s.start_month <= DATE '{m}' AND (s.end_month IS NULL OR s.end_month >= DATE '{m}'))"
    ).fetchone()[0]
    seconds = time.perf_counter() - start
    _row("DuckDB floor: read CSV exports + match + 2 finding joins", seconds,
         f"deaths alive {deaths:,}, 低保 starts {starts:,}")
    return seconds


def bench_crosscheck(persons: int | None = None, rows: int | None = None) -> None:
    from benefits import ensure_households, ensure_persons  # bench/benefits.py
    from django.db import connection
    from registry import _county_staff  # bench/registry.py

    from canlian.benefits.months import this_month
    from canlian.crosscheck.datasets import dataset_rematch
    from canlian.crosscheck.models import Dataset, Finding

    count = persons or default_persons(connection.vendor)
    size = rows or int(os.environ.get("BENCH_CROSSCHECK_ROWS", count))
    month = this_month()
    print(f"数据比对 · cross-check: {size:,} list rows against {count:,} persons "
          f"({connection.vendor})", flush=True)
    clear_crosscheck()
    ensure_persons(count)
    ensure_households(month)
    actor = _county_staff()
    _instrument()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (deaths, dibao, _counts), _ = _timed("write the two CSV files (not part of the import)",
                                            lambda: write_lists(directory, size, month),
                                            lambda r: str(r[2]))
        mb = (deaths.stat().st_size + dibao.stat().st_size) / 1e6
        print(f"  ({mb:,.0f} MB of CSV)")
        worker_cost(dibao, "dibao")
        total = 0.0
        ids = {}
        for path, kind in ((deaths, "deaths"), (dibao, "dibao")):
            report, seconds = import_file(path, kind, actor, month)
            ids[kind] = report.dataset_id
            total += seconds
        verdict = "within" if total <= TARGET_S else "OVER"
        _row(f"total end to end, {size:,} rows", total, f"{verdict} the {TARGET_S} s target")
        sql = sum(PHASES.get(p, 0) for p in ("rows_match", "candidates_find",
                                             "findings_refresh"))
        floor = duckdb_floor(directory, ids, month)
        if floor:
            print(f"  ratio to the DuckDB floor: end to end {total / floor:,.1f}×; "
                  f"database matching + findings of the last file alone {sql / floor:,.1f}× "
                  f"(target ≤ {FLOOR_RATIO}×)")
        for kind in ("deaths", "dibao"):
            dataset = Dataset.objects.get(pk=ids[kind])
            _timed(f"re-run {kind} against the registry (dataset_rematch)",
                   lambda d=dataset: dataset_rematch(actor=actor, dataset=d),
                   lambda o: f"{sum(o.added.values())} new findings")
        print(f"  findings kept: {Finding.objects.count():,}; ru_maxrss "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    clear_crosscheck()


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="cross-check benchmark")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args(argv[1:])
    from registry import standalone_setup  # bench/registry.py

    standalone_setup()
    bench_crosscheck(args.persons, args.rows)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    _main(sys.argv)
