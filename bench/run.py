"""Benchmarks of the foundation (`make bench`). They print figures; they do not pass or fail.

1. Field encryption: SM4-GCM encrypt/decrypt and HMAC-SM3 blind index per second, the cost that
   importing a registry of up to 1,000,000 persons pays per identifier.
2. Audit log at scale: 1,000,000 audit rows generated set-based (one INSERT … SELECT), then the
   auditor's list page queries (jurisdiction filter + count + first page) and one export-sized
   iteration, timed on a separate database (SQLite file var/bench.sqlite3, or BENCH_DATABASE_URL).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
)
ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "1000000"))


def timed(label: str, func, *args, repeat: int = 1):  # type: ignore[no-untyped-def]
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(*args)
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<58} {best * 1000:10.1f} ms")
    return result, best


def bench_crypto() -> None:
    from canlian.core import crypto

    n = 100_000
    ids = [f"520322{19500101 + i % 500000:08d}{i % 1000:03d}X" for i in range(n)]
    print(f"字段加密 · field encryption ({n:,} ID numbers)")
    encrypted, t_enc = timed("SM4-GCM encrypt", lambda: [crypto.encrypt(v) for v in ids])
    print(f"  {'':<58} {n / t_enc:10,.0f} /s")
    _, t = timed("SM4-GCM decrypt", lambda: [crypto.decrypt(v) for v in encrypted])
    print(f"  {'':<58} {n / t:10,.0f} /s")
    _, t_idx = timed("HMAC-SM3 blind index", lambda: [crypto.blind_index(v) for v in ids])
    print(f"  {'':<58} {n / t_idx:10,.0f} /s")
    per_value = (t_enc + t_idx) / n
    print(f"  → 1,000,000 persons × (ID + phone), encrypt + index ≈ {2_000_000 * per_value:.0f} s")


def bench_audit() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from canlian.core.models import AuditEvent, Region, User
    from canlian.core.roles import Role
    from canlian.core.selectors import AuditFilter, audit_events_for

    call_command("migrate", verbosity=0)
    print(f"审计日志 · audit log with {ROWS:,} rows ({connection.vendor})")
    auditor, _ = User.objects.get_or_create(
        username="bench_auditor",
        defaults={"name": "基准", "role": Role.AUDITOR,
                  "region": Region.objects.get(code="520322000000")},
    )
    have = AuditEvent.objects.count()
    if have < ROWS:
        villages = list(Region.objects.filter(level="village").values_list("code", flat=True))
        codes = [*villages, "610921100000", "510704001000", "410928100000"]
        values = ",".join(f"('{c}')" for c in codes)
        if connection.vendor == "sqlite":
            at_expr, true = "datetime('2026-01-01', '+' || (i %% 300) || ' days')", "1"
        else:
            at_expr, true = "timestamp '2026-01-01' + (i %% 300) * interval '1 day'", "true"
        # One set-based statement: a numbers CTE × the region list (no Python loop per row).
        sql = f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s),
            r(code) AS (VALUES {values}),
            rn AS (SELECT code, ROW_NUMBER() OVER (ORDER BY code) - 1 AS k FROM r)
            INSERT INTO core_auditevent (at, actor_username, action, success, object_type,
                                         object_id, summary, changes, region_code)
            SELECT {at_expr}, 'user' || (i %% 500),
                   CASE WHEN i %% 7 = 0 THEN 'reveal' ELSE 'update' END, {true},
                   'registry.person', CAST(i AS TEXT), '修改', '{{}}', rn.code
            FROM n JOIN rn ON rn.k = i %% (SELECT COUNT(*) FROM r)
        """
        timed(f"generate {ROWS - have:,} rows (INSERT … SELECT)",
                     lambda: connection.cursor().execute(sql, [ROWS - have]))
        if connection.vendor == "postgresql":
            connection.cursor().execute("ANALYZE core_auditevent")
    events = audit_events_for(actor=auditor, filters=AuditFilter())
    timed("auditor list: count in jurisdiction", events.count, repeat=3)
    timed("auditor list: first page of 50", lambda: list(events[:50]), repeat=3)
    reveals = audit_events_for(actor=auditor, filters=AuditFilter(action="reveal"))
    timed("filter action=reveal: count", reveals.count, repeat=3)
    timed("iterate 100,000 rows for export (chunked)",
          lambda: sum(1 for _ in events[:100_000].iterator(chunk_size=2000)))


if __name__ == "__main__":
    if not os.environ.get("BENCH_SKIP_CRYPTO"):
        bench_crypto()
    bench_audit()
    from registry import bench_registry  # bench/registry.py

    bench_registry()
    from benefits import bench_benefits  # bench/benefits.py

    bench_benefits()
    from cases import bench_cases  # bench/cases.py

    bench_cases()
    from crosscheck import bench_crosscheck  # bench/crosscheck.py

    bench_crosscheck()
