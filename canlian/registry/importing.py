"""Registry import (issue #3 §4): read an XLSX or CSV file, check every row, then write all
rows, only the valid ones, or nothing (preview). Used by the page (as a background task) and by
`manage.py import_registry`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from canlian.core.models import Region, User
from canlian.core.tables import MAX_BYTES, ImportFileError, TableLimits, gc_paused
from canlian.core.tables import read_table as read_core_table
from canlian.registry.prepare import Prepared, prepare
from canlian.registry.rows import (
    ParseMemo,
    ParseResult,
    PersonRow,
    RowError,
    duplicate_id_error,
    parse_header,
    parse_rows,
)
from canlian.registry.services import UpsertResult, persons_upsert
from canlian.registry.sqlwrite import large_write_cache


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    written: bool = False
    # The original cells of each spreadsheet row, for the error report.
    source_rows: dict[int, list[Any]] = field(default_factory=dict)
    header: list[Any] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "written": self.written, "file_errors": self.file_errors,
            "errors": [{"row": e.row, "column": e.column, "message": e.message}
                       for e in self.errors],
        }


def import_rows(*, actor: User | None, header: Sequence[Any], rows: Sequence[Sequence[Any]],
                valid_only: bool = False, dry_run: bool = False) -> ImportReport:
    """Check every row; write all, the valid ones, or (dry run / any error) nothing."""
    with gc_paused():
        return _import_rows(actor=actor, header=header, rows=rows, valid_only=valid_only,
                            dry_run=dry_run)


def _import_rows(*, actor: User | None, header: Sequence[Any], rows: Sequence[Sequence[Any]],
                 valid_only: bool, dry_run: bool) -> ImportReport:
    report = ImportReport(header=list(header))
    report.file_errors = parse_header(header)[1]
    if report.file_errors:
        return report
    regions = set(Region.objects.values_list("code", flat=True))
    errors: list[RowError] = []
    good: list[PersonRow] = []
    outcome, written = UpsertResult(), False
    try:
        # Database rules (jurisdiction, heads) are checked by a write we may roll back.
        with large_write_cache(), transaction.atomic():
            outcome = _check_and_write(actor, header, rows, regions, errors, good)
            if outcome.errors or not good or dry_run or (errors and not valid_only):
                raise _Rollback
            written = True
    except _Rollback:
        pass
    errors += outcome.errors
    if outcome.errors and valid_only and not dry_run:
        bad_rows = {e.row for e in outcome.errors}
        outcome, written = _upsert(actor, [r for r in good if r.row not in bad_rows],
                                   write=True)
    report.created, report.updated, report.unchanged = (
        outcome.created, outcome.updated, outcome.unchanged)
    report.written = written
    report.errors = sorted(errors, key=lambda e: (e.row, e.column))
    bad_rows = {e.row for e in report.errors}
    report.rejected = len(bad_rows)
    # Only the rows with errors go into the error report: keep just those cells.
    report.source_rows = {n: list(rows[n - 2]) for n in bad_rows if 0 <= n - 2 < len(rows)}
    return report


# A file this large is checked by worker processes, a chunk each, while this one writes the
# chunks already checked: checking and preparing a row (parse, pinyin, blind indexes, SM4)
# costs about as much CPU as writing it, and the two overlap.
PARALLEL_MIN_ROWS = 20_000
CHECK_CHUNK = 10_000
FIRST_CHUNK = 2_000
# The chunk job, set just before forking (inherited by the workers, not pickled).
_JOB: dict[str, Any] = {}
Checked = tuple[ParseResult, list[tuple[int, str]], Prepared]


def _check_chunk(bounds: tuple[int, int]) -> Checked:
    """One chunk checked on its own; its ID numbers are listed for the duplicate check, which
    needs the chunks in order (_check_and_write)."""
    start, end = bounds
    job = _JOB
    memo = ParseMemo(occurrences=[])
    parsed = parse_rows(job["header"], job["rows"][start:end], today=job["today"],
                        known_region_codes=job["regions"], start_row=2 + start, memo=memo)
    return parsed, memo.occurrences or [], prepare(parsed.rows, today=job["today"])


def _checkers(rows: int) -> int:
    if rows < PARALLEL_MIN_ROWS:
        return 0
    return max(1, min(os.cpu_count() or 1, int(os.environ.get("CANLIAN_IMPORT_WORKERS", "2"))))


@contextmanager
def _checked_chunks(header: Sequence[Any], rows: Sequence[Sequence[Any]], regions: set[str],
                    today: date) -> Iterator[Iterator[Checked]]:
    """The file's chunks, checked, in order: by forked workers for a large file."""
    # A small first chunk: the writing process starts on it while the workers check the rest.
    edges = sorted({0, min(FIRST_CHUNK, CHECK_CHUNK, len(rows)),
                    *range(CHECK_CHUNK, len(rows), CHECK_CHUNK), len(rows)})
    bounds = list(pairwise(edges))
    _JOB.update(header=header, rows=rows, regions=regions, today=today)
    try:
        workers = _checkers(len(rows))
        if not workers:
            yield (_check_chunk(b) for b in bounds)
            return
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield pool.imap(_check_chunk, bounds, chunksize=1)
    finally:
        _JOB.clear()


def _check_and_write(actor: User | None, header: Sequence[Any], rows: Sequence[Sequence[Any]],
                     regions: set[str], errors: list[RowError], good: list[PersonRow]
                     ) -> UpsertResult:
    """Check every row, collecting `errors` and the `good` rows; write the good ones as they
    come. A member waits until their head is written (earlier in the file or in the same
    chunk); members whose head comes later, or is only in the database, are written at the
    end. The caller's transaction decides whether any of it stays."""
    outcome = UpsertResult()
    today = timezone.localdate()  # one day for checking, preparing and writing
    waiting: list[PersonRow] = []
    waiting_prepared = Prepared()
    written: set[str] = set()  # ID numbers of the persons written so far
    seen: dict[str, int] = {}  # ID number → its first row in the file
    with _checked_chunks(header, rows, regions, today) as chunks:
        for parsed, occurrences, prepared in chunks:
            duplicates = [error for number, id_number in occurrences
                          if (error := duplicate_id_error(number, id_number, seen))]
            errors += parsed.errors + duplicates
            repeated = {error.row for error in duplicates}
            checked = [r for r in parsed.rows if r.row not in repeated]
            good += checked
            ready, later = _writable_now(checked, written)
            waiting += later
            waiting_prepared.add(prepared)
            if ready:
                result = persons_upsert(actor=actor, rows=ready, prepared=prepared, today=today)
                _add(outcome, result)
                if not result.errors:  # a batch with errors wrote nothing
                    written.update(r.id_number for r in ready)
    for start in range(0, len(waiting), UPSERT_CHUNK):
        _add(outcome, persons_upsert(actor=actor, rows=waiting[start:start + UPSERT_CHUNK],
                                     prepared=waiting_prepared, today=today))
    return outcome


def _writable_now(rows: Sequence[PersonRow], written: set[str]
                  ) -> tuple[list[PersonRow], list[PersonRow]]:
    """The rows that can be written now (heads, and members whose head is written or among
    these rows, following chains of members), and the members that must wait. Writing
    members with their chunk keeps the database busy while the workers check the next ones,
    instead of leaving every member to the end."""
    ready = [r for r in rows if not r.head_id_number or r.head_id_number == r.id_number]
    members = [r for r in rows if r.head_id_number and r.head_id_number != r.id_number]
    known = written | {r.id_number for r in ready}
    while members:
        now = [r for r in members if r.head_id_number in known]
        if not now:
            break
        ready += now
        known.update(r.id_number for r in now)
        members = [r for r in members if r.id_number not in known]
    return ready, members


def _add(outcome: UpsertResult, result: UpsertResult) -> None:
    outcome.created += result.created
    outcome.updated += result.updated
    outcome.unchanged += result.unchanged
    outcome.errors += result.errors


class _Rollback(Exception):
    pass


UPSERT_CHUNK = 10_000


def _upsert(actor: User | None, rows: list[Any], *, write: bool
            ) -> tuple[UpsertResult, bool]:
    """Write in chunks (heads first, so members find them) inside one transaction that is
    rolled back on any error or when only checking: memory stays flat for large files.
    Returns the summed counts and whether the rows were written."""
    outcome, written = UpsertResult(), False
    ordered = sorted(rows, key=lambda r: bool(r.head_id_number) and
                     r.head_id_number != r.id_number)
    try:
        with large_write_cache(), transaction.atomic():
            for start in range(0, len(ordered), UPSERT_CHUNK):
                _add(outcome, persons_upsert(actor=actor,
                                             rows=ordered[start:start + UPSERT_CHUNK]))
            if outcome.errors or not write:
                raise _Rollback
            written = True
    except _Rollback:
        pass
    return outcome, written


# A county's registry is 5,000–30,000 persons; the rectangle calamine may build is at most
# 200,001 × 64 cells (≈ 400 MB), however a file is crafted (issue 17 §2).
TABLE_LIMITS = TableLimits(label="残疾人信息导入", max_bytes=MAX_BYTES, max_rows=200_000,
                           max_columns=64, max_unpacked_bytes=1024 * 1024 * 1024)


def read_table(path: Path, *, filename: str = "") -> tuple[list[Any], list[list[Any]]]:
    """A registry file, within TABLE_LIMITS."""
    return read_core_table(path, filename=filename, limits=TABLE_LIMITS)


__all__ = ["MAX_BYTES", "TABLE_LIMITS", "ImportFileError", "ImportReport", "import_rows",
           "read_table"]
