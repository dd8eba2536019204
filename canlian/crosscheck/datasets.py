"""Importing a department's list and (re-)matching it (issue #8 §1–§3).

`dataset_import` checks every row first and writes nothing if any row is bad (all-or-nothing
per file); otherwise it keeps the list (who, when, source, rows), matches it and produces the
findings in one transaction. `dataset_rematch` runs the matching and findings again against
today's registry. Both are audited; neither changes the registry or any enrolment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from canlian.benefits.months import month_start
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, User
from canlian.core.tables import gc_paused
from canlian.crosscheck.findings import findings_refresh
from canlian.crosscheck.matching import candidates_find, rows_match
from canlian.crosscheck.models import Dataset, DatasetKind, DatasetRow, Finding
from canlian.crosscheck.permissions import can_import
from canlian.crosscheck.staging import stage_list
from canlian.registry.rows import RowError


@dataclass
class ImportReport:
    rows: int = 0
    matched: int = 0
    candidates: int = 0
    rejected: int = 0
    added: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    dataset_id: int | None = None
    header: list[Any] = field(default_factory=list)
    source_rows: dict[int, list[Any]] = field(default_factory=dict)

    @property
    def written(self) -> bool:
        return self.dataset_id is not None

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "matched": self.matched, "candidates": self.candidates,
                "rejected": self.rejected, "added": self.added, "dataset": self.dataset_id,
                "file_errors": self.file_errors,
                "errors": [{"row": e.row, "column": e.column, "message": e.message}
                           for e in self.errors]}


@dataclass
class MatchOutcome:
    matched: int
    candidates: int
    added: dict[str, int]


def _match(dataset: Dataset) -> MatchOutcome:
    if connection.vendor == "postgresql":
        # Joins of a million list rows with the registry hash in memory at this size
        # (STACK.md §7: 64 MB halves the join); for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
    matched = rows_match(dataset)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the matched rows: plan the findings on them
            cursor.execute(f"ANALYZE {DatasetRow._meta.db_table}")
    candidates = candidates_find(dataset)
    added = findings_refresh(dataset)
    dataset.matched_count, dataset.candidate_count = matched, candidates
    dataset.finding_count = sum(added.values())
    dataset.matched_at, dataset.match_runs = timezone.now(), dataset.match_runs + 1
    dataset.save(update_fields=["matched_count", "candidate_count", "finding_count",
                                "matched_at", "match_runs"])
    return MatchOutcome(matched, candidates, added)


def _check_actor(actor: User) -> None:
    if not can_import(actor):
        raise DomainError("wrong_role", "您的角色不能导入比对数据。")


class _Rejected(Exception):
    """A bad file: roll back the dataset record made to stage it."""


def dataset_import(*, actor: User, kind: str, source: str, filename: str,
                   header: Sequence[Any], rows: Sequence[Sequence[Any]],
                   reference_month: date | None = None, today: date | None = None,
                   on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check, keep, match and find. Any bad row: nothing is written, every error reported."""
    with gc_paused():
        return _dataset_import(actor=actor, kind=kind, source=source, filename=filename,
                               header=header, rows=rows, reference_month=reference_month,
                               today=today, on_progress=on_progress)


def _dataset_import(*, actor: User, kind: str, source: str, filename: str,
                    header: Sequence[Any], rows: Sequence[Sequence[Any]],
                    reference_month: date | None, today: date | None,
                    on_progress: Callable[[int], None] | None) -> ImportReport:
    _check_actor(actor)
    if kind not in DatasetKind.values:
        raise DomainError("kind", "未知的数据类型。", field="kind")
    today = today or timezone.localdate()
    report = ImportReport(header=list(header))
    try:
        with transaction.atomic():
            dataset = Dataset.objects.create(
                kind=kind, source=source.strip()[:100] or "未注明", filename=filename[:200],
                reference_month=month_start(reference_month or today),
                region_id=actor.region_id, imported_by=actor)
            staged = stage_list(dataset, header, rows, today=today, on_progress=on_progress)
            if staged.file_errors or staged.errors or not staged.written:
                report.file_errors = staged.file_errors or (
                    [] if staged.errors else ["文件中没有数据行。"])
                report.errors = staged.errors
                raise _Rejected
            dataset.row_count = staged.written
            dataset.save(update_fields=["row_count"])
            outcome = _match(dataset)
            audit.audit_record(actor=actor, action=AuditAction.IMPORT, obj=dataset,
                               summary=f"导入比对数据：{dataset.get_kind_display()}"
                                       f" {staged.written} 行",
                               changes={"source": dataset.source, "filename": dataset.filename,
                                        "rows": staged.written, "matched": outcome.matched,
                                        "candidates": outcome.candidates,
                                        "findings": outcome.added})
    except _Rejected:
        bad = {e.row for e in report.errors}
        report.rejected = len(bad)
        report.rows = sum(1 for r in rows if any(c not in (None, "") for c in r))
        report.source_rows = {n: list(rows[n - 2]) for n in bad if 0 <= n - 2 < len(rows)}
        return report
    report.rows = staged.written
    report.dataset_id = dataset.pk
    report.matched, report.candidates, report.added = (outcome.matched, outcome.candidates,
                                                       outcome.added)
    return report


@transaction.atomic
def dataset_rematch(*, actor: User, dataset: Dataset,
                    reference_month: date | None = None) -> MatchOutcome:
    """Match the kept list again against today's registry (e.g. next month)."""
    _check_actor(actor)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if reference_month is not None:
        dataset.reference_month = month_start(reference_month)
        dataset.save(update_fields=["reference_month"])
    outcome = _match(dataset)
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=dataset,
                       summary=f"重新比对：{dataset.get_kind_display()}",
                       changes={"matched": outcome.matched, "candidates": outcome.candidates,
                                "findings": outcome.added,
                                "reference_month": dataset.reference_month.isoformat()})
    return outcome


def dataset_findings(dataset: Dataset) -> list[Finding]:
    return list(dataset.findings.select_related("person").order_by("kind", "pk"))
