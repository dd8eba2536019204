"""Registry benchmarks (`make bench`, called by bench/run.py). They print figures; they never
pass or fail.

1. Import: a generated XLSX of BENCH_IMPORT_ROWS rows (default 100,000; canlian.registry.demo
   writes believable households, XlsxWriter the file) read with read_table and written with
   import_rows(actor=None, …) into an empty registry, end to end, in a fresh subprocess so its
   peak memory (ru_maxrss) is the import's alone. The time python-calamine alone needs to read
   the file is printed as the floor. Targets: ≥ 5,000 rows/s, peak < 1 GB.
2. Search: BENCH_SEARCH_PERSONS persons (default 1,000,000 on PostgreSQL, 100,000 on SQLite),
   generated set-based (values built in Python in batches with their encryption and blind
   indexes, then written by the import's table writer, canlian.registry.sqlwrite: COPY on
   PostgreSQL, executemany on SQLite; not through persons_upsert, so without households,
   history or audit rows), then the search box through
   selectors.persons_for as a county staff user: first page of 50 plus the count, 50 queries per
   kind, p50/p95. Target p95 ≤ 50 ms.

Uses the database bench/run.py configured (DATABASE_URL). Both benchmarks empty the registry
tables of that database first. On their own: `python bench/registry.py [all|import|search]
[--rows N] [--persons N] [--explain]`, on BENCH_DATABASE_URL (default var/bench.sqlite3).
The import child runs with DEBUG off (as in production) and also prints its CPU time: on a
shared machine the wall-clock figures follow the other load (printed with them).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")

IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SEARCH_TARGET_MS = 50
IMPORT_TARGET_ROWS_PER_S = 5000
INSERT_BATCH = 5000
QUERIES = 50
PAGE = 50


def _mb(kilobytes: float) -> float:
    return kilobytes / 1024  # Linux reports ru_maxrss in KiB


# --------------------------------------------------------------------------------------------
# Shared
# --------------------------------------------------------------------------------------------


def _setup() -> None:
    import django

    django.setup()


def standalone_setup() -> None:
    """A benchmark run on its own: the benchmark database of bench/run.py (never the demo
    database), set up and migrated."""
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    _setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def clear_registry() -> None:
    """Empty the registry tables (persons, households, statuses and their history)."""
    from django.db import connection, transaction

    from canlian.registry.models import Household, HouseholdStatus, Person

    models = (Person, Household, HouseholdStatus)
    tables = [m._meta.db_table for m in models] + [m.history.model._meta.db_table for m in models]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:  # SQLite: foreign keys are deferred to the commit
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def _villages() -> list[str]:
    from canlian.registry.demo import county_village_codes

    return county_village_codes()


# --------------------------------------------------------------------------------------------
# 1. Import
# --------------------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: int) -> None:
    import xlsxwriter

    from canlian.registry.demo import HEADER, iter_rows

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("残疾人")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADER)
    for number, cells in enumerate(iter_rows(persons=rows, region_codes=_villages()), start=1):
        sheet.write_row(number, 0, cells, dates)
    workbook.close()


def _calamine_seconds(path: Path) -> float:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    return time.perf_counter() - start


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def _machine_speed() -> str:
    """A fixed CPU workload (JSON and SHA-256, the best of three), timed: this VM's speed
    drifts by a third or more over an hour, so figures from different runs compare only
    together with it."""
    import hashlib

    def once() -> float:
        start = time.process_time()
        document = {"numbers": list(range(50)), "text": "x" * 100}
        for _ in range(50_000):
            json.dumps(document)
            hashlib.sha256(b"abc" * 10).hexdigest()
        return time.process_time() - start

    return f"fixed CPU workload {min(once() for _ in range(3)) * 1000:.0f} ms, lower is faster"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers that have ended
    return usage.ru_utime + usage.ru_stime


def import_in_this_process(path: Path) -> dict[str, Any]:
    """The measured part (run in a fresh subprocess): read_table + import_rows, then the same
    rows again (idempotent: every row unchanged, nothing written)."""
    _setup()
    from canlian.registry.importing import import_rows, read_table

    start, cpu = time.perf_counter(), time.process_time()
    workers_cpu = _children_cpu()
    header, rows = read_table(path)
    read = time.perf_counter() - start
    report = import_rows(actor=None, header=header, rows=rows)
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    workers_cpu = _children_cpu() - workers_cpu
    maxrss = _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    again = time.perf_counter()
    second = import_rows(actor=None, header=header, rows=rows)
    return {
        "rows": len(rows), "read_s": read, "total_s": total, "cpu_s": total_cpu,
        "workers_cpu_s": workers_cpu,
        "created": report.created, "rejected": report.rejected,
        "file_errors": report.file_errors, "written": report.written,
        "first_error": (report.errors[0].message if report.errors else ""),
        "maxrss_mb": maxrss, "second_s": time.perf_counter() - again,
        "second_unchanged": second.unchanged, "second_changed": second.created + second.updated,
    }


def bench_import(rows: int = IMPORT_ROWS) -> None:
    from django.db import connection

    print(f"残疾人导入 · registry import of {rows:,} XLSX rows ({connection.vendor}; {_load()}; "
          f"{_machine_speed()})")
    clear_registry()
    with tempfile.TemporaryDirectory(prefix="canlian-bench-") as tmp:
        path = Path(tmp) / "registry.xlsx"
        start = time.perf_counter()
        write_xlsx(path, rows)
        print(f"  {'generate + write XLSX (XlsxWriter)':<58} "
              f"{(time.perf_counter() - start) * 1000:10.1f} ms"
              f"   ({path.stat().st_size / 1e6:.1f} MB)")
        floor = _calamine_seconds(path)
        print(f"  {'python-calamine read alone (the floor)':<58} {floor * 1000:10.1f} ms"
              f"   ({rows / floor:,.0f} rows/s)")
        connection.close()  # SQLite: the child writes the same file
        # Production settings (DEBUG off): with DEBUG on, Django keeps every query's SQL.
        child = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child-import", str(path)],
            capture_output=True, text=True, env={**os.environ, "CANLIAN_DEBUG": "0"},
            check=False,
        )
    if child.returncode != 0:
        print(f"  import failed (exit {child.returncode}):\n{child.stderr[-3000:]}")
        return
    result = json.loads(child.stdout.strip().splitlines()[-1])
    total = result["total_s"]
    print(f"  {'read_table (calamine + row lists)':<58} {result['read_s'] * 1000:10.1f} ms")
    print(f"  {'read_table + import_rows, end to end':<58} {total * 1000:10.1f} ms")
    print(f"  {'':<58} {result['rows'] / total:10,.0f} rows/s"
          f"   (target ≥ {IMPORT_TARGET_ROWS_PER_S:,})")
    print(f"  {'  CPU time of the import process':<58} {result['cpu_s'] * 1000:10.1f} ms"
          f"   ({result['rows'] / result['cpu_s']:,.0f} rows per CPU-second)")
    print(f"  {'  CPU time of its checking workers (registry.importing)':<58} "
          f"{result['workers_cpu_s'] * 1000:10.1f} ms")
    print(f"  {'peak memory of the import process (ru_maxrss)':<58} "
          f"{result['maxrss_mb']:10,.0f} MB   (target < 1,024)")
    print(f"  created {result['created']:,}, rejected {result['rejected']:,}, "
          f"written {result['written']}"
          + (f", file errors {result['file_errors']}" if result["file_errors"] else "")
          + (f", first error: {result['first_error']}" if result["first_error"] else ""))
    print(f"  {'the same file again (idempotent)':<58} {result['second_s'] * 1000:10.1f} ms"
          f"   ({result['second_unchanged']:,} unchanged, {result['second_changed']:,} "
          "created or updated)")
    print(f"  ({_load()} at the end: on a shared machine the figures vary by ±30 % or more)")


# --------------------------------------------------------------------------------------------
# 2. Search
# --------------------------------------------------------------------------------------------


def search_persons(vendor: str) -> int:
    configured = os.environ.get("BENCH_SEARCH_PERSONS")
    if configured:
        return int(configured)
    return 1_000_000 if vendor == "postgresql" else 100_000


def _person_values(rows: Iterable[list[object]], today: date) -> Iterator[list[Any]]:
    """Person column values (in `_person_columns` order) for generated import rows, with the
    identifiers encrypted and blind-indexed as services.persons_upsert would store them."""
    from django.utils import timezone

    from canlian.core.crypto import blind_index, encrypt
    from canlian.core.idnumbers import CATEGORY_LABELS, GRADE_LABELS
    from canlian.registry import rows as r
    from canlian.registry.demo import HEADER
    from canlian.registry.pinyin import name_initials

    col = {name: index for index, name in enumerate(HEADER)}
    categories = {label: value for value, label in CATEGORY_LABELS.items()}
    short = {label.removesuffix("残疾"): value for value, label in CATEGORY_LABELS.items()}
    grades = {label: value for value, label in GRADE_LABELS.items()}
    living = {"正常": "alive", "死亡": "deceased", "迁出": "moved_out"}
    now = timezone.now()

    def day(value: object) -> date | None:
        return value if isinstance(value, date) else None

    def secret(value: object) -> str:
        return encrypt(str(value)) if value else ""

    for cells in rows:
        name, number = str(cells[col[r.NAME]]), str(cells[col[r.ID_NUMBER]])
        phone, certificate = str(cells[col[r.PHONE]]), str(cells[col[r.CERTIFICATE]])
        category = categories.get(str(cells[col[r.CATEGORY]]))
        components = [short[p] for p in str(cells[col[r.COMPONENTS]]).split("、") if p]
        valid_until = cells[col[r.VALID_UNTIL]]
        status = ("none" if not certificate else "expired"
                  if isinstance(valid_until, date) and valid_until < today else "valid")
        head = str(cells[col[r.HEAD_ID]])
        yield [
            name, name_initials(name), encrypt(number), blind_index(number),
            blind_index(number[-4:]),
            date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            "M" if int(number[16]) % 2 else "F", "", secret(phone),
            blind_index(phone) if phone else "", cells[col[r.REGION]], cells[col[r.ADDRESS]],
            None, "" if head == number else cells[col[r.RELATION]], category,
            grades.get(str(cells[col[r.GRADE]])), sorted(components),
            secret(certificate), blind_index(certificate) if certificate else "",
            day(cells[col[r.ISSUED_ON]]), day(valid_until), status, "",
            cells[col[r.LONG_TERM_CARE]] == "是", living[str(cells[col[r.LIVING_STATUS]])],
            day(cells[col[r.DIED_ON]]), "", "", cells[col[r.GUARDIAN_NAME]],
            secret(cells[col[r.GUARDIAN_ID]]), secret(cells[col[r.GUARDIAN_PHONE]]), "", now, now,
        ]


def _person_columns() -> list[str]:
    from canlian.registry.models import Person

    return [f.attname for f in Person._meta.concrete_fields if not f.primary_key]


def _batches(values: Iterator[list[Any]], size: int) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate_persons(count: int) -> None:
    """`count` believable persons, set-based, through the import's own table writer
    (canlian.registry.sqlwrite: COPY on PostgreSQL, executemany on SQLite)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from canlian.registry.demo import iter_rows, village_places
    from canlian.registry.models import Person
    from canlian.registry.sqlwrite import TableWriter

    codes = _villages()
    today = timezone.localdate()
    rows = iter_rows(persons=count, seed=1, region_codes=codes, today=today,
                     places=village_places(codes))
    done, start = 0, time.perf_counter()
    with transaction.atomic():
        writer = TableWriter(Person, _person_columns())
        for batch in _batches(_person_values(rows, today), INSERT_BATCH):
            writer.insert(batch)
            done += len(batch)
            if done % 100_000 == 0:
                print(f"    … {done:,} persons ({done / (time.perf_counter() - start):,.0f} /s)",
                      flush=True)
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load (it starts on inserts since PostgreSQL 13):
        # statistics, and the visibility map that index-only scans need.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {Person._meta.db_table}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _county_staff() -> Any:
    from canlian.core.models import Region, User
    from canlian.core.roles import Role

    user, _ = User.objects.get_or_create(
        username="bench_county",
        defaults={"name": "基准", "role": Role.COUNTY_STAFF,
                  "region": Region.objects.get(code="520322000000")},
    )
    return user


def _search_terms() -> dict[str, list[str]]:
    """50 search-box inputs of each kind, taken from persons actually in the registry."""
    import random

    from canlian.registry.models import Person

    rng = random.Random(50)
    first = Person.objects.order_by("id").values_list("id", flat=True).first() or 0
    last = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
    picks = [rng.randint(first, last) for _ in range(20 * QUERIES)]
    sample = list(Person.objects.filter(pk__in=picks)
                  .only("id_number", "certificate_number", "name"))
    ids = [p.id_number for p in sample][:QUERIES]
    certificates = [p.certificate_number for p in sample if p.certificate_number][:QUERIES]
    names = Counter(Person.objects.order_by("id").values_list("name", flat=True)[:20_000])
    common = [name for name, _ in names.most_common(10)]
    return {
        f"name (the 10 most common, e.g. {common[0]})": [common[i % len(common)]
                                                        for i in range(QUERIES)],
        # Mostly a few hundred matches each: where the planner's guess of how many a prefix
        # matches decides the plan (registry migration 0008).
        "first 2 characters of a name (random persons)": [p.name[:2] for p in sample][:QUERIES],
        "pinyin initials “zs”": ["zs"] * QUERIES,
        "full ID number": ids,
        "last 4 of an ID number": [number[-4:] for number in ids],
        "certificate number": certificates,
    }


def _time_query(actor: Any, q: str) -> tuple[float, int]:
    from canlian.registry.selectors import PersonFilter, persons_for

    start = time.perf_counter()
    persons = persons_for(actor=actor, filters=PersonFilter(q=q))
    list(persons[:PAGE])
    found = persons.count()
    return (time.perf_counter() - start) * 1000, found


def _explain(actor: Any, q: str) -> None:
    """EXPLAIN ANALYZE of the page and of the count of one search (BENCH_EXPLAIN=1)."""
    from django.db import connection

    from canlian.registry.selectors import PersonFilter, persons_for

    persons = persons_for(actor=actor, filters=PersonFilter(q=q))
    sql, params = persons.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        prefix = "EXPLAIN ANALYZE" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{prefix} SELECT count(*) FROM ({sql}) t", params)
        count_plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    options = {"analyze": True} if connection.vendor == "postgresql" else {}
    page = persons.values_list("pk", flat=True)[:PAGE]  # the ids query PersonResults runs
    for label, plan in (("page", page.explain(**options).splitlines()),
                        ("count", count_plan)):
        print(f"      plan ({label}):")
        for line in plan[:14]:
            print(f"        {line[:120]}")


def bench_search() -> None:
    from django.db import connection

    from canlian.registry.models import Person

    count = search_persons(connection.vendor)
    default = "BENCH_SEARCH_PERSONS" not in os.environ
    print(f"残疾人检索 · registry search at {count:,} persons ({connection.vendor}"
          + (", the default size for this database" if default else "") + ")")
    if Person.objects.count() != count:
        clear_registry()
        start = time.perf_counter()
        generate_persons(count)
        elapsed = time.perf_counter() - start
        print(f"  {'generate persons set-based':<58} "
              f"{elapsed * 1000:10.1f} ms   ({count / elapsed:,.0f} /s)")
        print("  (values built in Python with their SM4 ciphertext and blind indexes, inserted by "
              + ("COPY" if connection.vendor == "postgresql" else "executemany")
              + "; not through persons_upsert: no households, history or audit rows)")
    else:
        print(f"  (the registry already holds {count:,} persons, e.g. from the import: reused)")
    actor = _county_staff()
    for label, terms in _search_terms().items():
        _time_query(actor, terms[0])  # warm the cache and the plan
        timings, found = [], []
        for term in terms:
            ms, n = _time_query(actor, term)
            timings.append(ms)
            found.append(n)
        p50, p95 = _percentile(timings, 0.5), _percentile(timings, 0.95)
        flag = "" if p95 <= SEARCH_TARGET_MS else "   ← over the 50 ms target"
        print(f"  {label:<46} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
              f"   (avg {statistics.mean(found):,.0f} found){flag}")
        if p95 > SEARCH_TARGET_MS and os.environ.get("BENCH_EXPLAIN"):
            _explain(actor, terms[0])


def bench_registry() -> None:
    """Both registry benchmarks (bench/run.py calls this after django.setup())."""
    bench_import()
    bench_search()


def _main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description="Registry benchmarks on the benchmark database (BENCH_DATABASE_URL, else "
                    "var/bench.sqlite3). They print figures; they never pass or fail.")
    parser.add_argument("which", nargs="?", choices=["all", "import", "search"], default="all")
    parser.add_argument("--rows", type=int, default=IMPORT_ROWS,
                        help="rows of the generated import file (default %(default)s)")
    parser.add_argument("--persons", type=int, default=None,
                        help="persons for the search benchmark (default 1,000,000 on "
                             "PostgreSQL, 100,000 on SQLite)")
    parser.add_argument("--explain", action="store_true",
                        help="print the query plans of searches over the target")
    parser.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv[1:])
    if args.child_import:  # the child of bench_import, with its parent's DATABASE_URL
        print(json.dumps(import_in_this_process(args.child_import)))
        return
    if args.persons is not None:
        os.environ["BENCH_SEARCH_PERSONS"] = str(args.persons)
    if args.explain:
        os.environ["BENCH_EXPLAIN"] = "1"
    standalone_setup()
    if args.which in ("all", "import"):
        bench_import(args.rows)
    if args.which in ("all", "search"):
        bench_search()


if __name__ == "__main__":
    _main(sys.argv)
