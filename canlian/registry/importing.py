"""Registry import (issue #3 §4): read an XLSX or CSV file, check every row, then write all
rows, only the valid ones, or nothing (preview). Used by the page (as a background task) and by
`manage.py import_registry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from canlian.core.models import Region, User
from canlian.core.tables import MAX_BYTES, ImportFileError, gc_paused, read_table
from canlian.registry.rows import ParseResult, RowError, parse_rows
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
    regions = set(Region.objects.values_list("code", flat=True))
    parsed: ParseResult = parse_rows(header, rows, known_region_codes=regions)
    report.file_errors = list(parsed.file_errors)
    if report.file_errors:
        return report
    good = parsed.rows
    errors = list(parsed.errors)
    if good:
        # Database rules (jurisdiction, heads) are checked by a write we may roll back.
        outcome, written = _upsert(actor, good,
                                   write=not dry_run and (valid_only or not errors))
        errors += outcome.errors
        if outcome.errors and valid_only and not dry_run:
            bad_rows = {e.row for e in outcome.errors}
            good = [r for r in good if r.row not in bad_rows]
            outcome, written = _upsert(actor, good, write=True)
        report.created, report.updated, report.unchanged = (
            outcome.created, outcome.updated, outcome.unchanged)
        report.written = written
    report.errors = sorted(errors, key=lambda e: (e.row, e.column))
    bad_rows = {e.row for e in report.errors}
    report.rejected = len(bad_rows)
    # Only the rows with errors go into the error report: keep just those cells.
    report.source_rows = {n: list(rows[n - 2]) for n in bad_rows if 0 <= n - 2 < len(rows)}
    return report


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
                result = persons_upsert(actor=actor, rows=ordered[start:start + UPSERT_CHUNK])
                outcome.created += result.created
                outcome.updated += result.updated
                outcome.unchanged += result.unchanged
                outcome.errors += result.errors
            if outcome.errors or not write:
                raise _Rollback
            written = True
    except _Rollback:
        pass
    return outcome, written


__all__ = ["MAX_BYTES", "ImportFileError", "ImportReport", "import_rows", "read_table"]
