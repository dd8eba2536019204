"""Checking a list and writing it into the staging table, set-based.

Each row's ID number becomes its blind index here (HMAC-SM3, with the row checks the import's
main cost); the number itself is encrypted only where it is kept (see models.DatasetRow).
PostgreSQL takes the rows by COPY. A large file on PostgreSQL is checked and formatted by
forked worker processes, one chunk each (the rows are inherited, nothing is pickled on the way
in; each worker hands back its COPY text and its errors): the parent streams each chunk's text
while the workers check the next. A person listed twice is found across chunks by the blind
index.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from canlian.core.crypto import blind_index, encrypt
from canlian.crosscheck.models import Dataset, DatasetKind, DatasetRow, MatchQuality
from canlian.crosscheck.rows import ListRow, duplicate_errors, header_columns, parse_chunk
from canlian.registry.rows import RowError

CHUNK = 10_000
PARALLEL_MIN_ROWS = 50_000
COLUMNS = ("dataset_id", "row_number", "name", "id_index", "id_number", "id_valid", "event_on",
           "start_month", "end_month", "status_kind", "dibao_area", "place", "region_code",
           "match")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def keeps_number(kind: str, row: ListRow) -> bool:
    """The mental-disorder list is an outreach list (people may not be in the registry), and a
    wrong check character needs the number to compute near matches."""
    return kind == DatasetKind.MENTAL or not row.id_valid


@dataclass
class StageResult:
    written: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "\\N"


def _copy_text(dataset_id: int, kind: str, rows: Sequence[ListRow], indexes: list[str]) -> str:
    """COPY text format lines (tab-separated, \\N for NULL, backslash escapes)."""
    lines = []
    for r, index in zip(rows, indexes, strict=True):
        kept = encrypt(r.id_number) if keeps_number(kind, r) else ""
        lines.append("\t".join((
            str(dataset_id), str(r.row), r.name.translate(_COPY_ESCAPES), index, kept,
            "t" if r.id_valid else "f", _day(r.event_on), _day(r.start_month),
            _day(r.end_month), r.status_kind, r.dibao_area, r.place.translate(_COPY_ESCAPES),
            r.region_code, MatchQuality.NONE)))
    return "\n".join(lines) + "\n" if lines else ""


# The job of one worker, set in the parent just before forking (inherited, not pickled).
_JOB: dict[str, Any] = {}


@dataclass
class _Chunk:
    """One checked chunk: its errors, its rows' numbers and duplicate keys, and either the
    COPY text (PostgreSQL) or the rows and their blind indexes (SQLite)."""
    errors: list[RowError]
    numbers: list[int]
    keys: list[str]
    text: str = ""
    rows: list[ListRow] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)


def _work(bounds: tuple[int, int]) -> _Chunk:
    start, end = bounds
    job = _JOB
    parsed = parse_chunk(job["kind"], job["columns"], job["rows"][start:end],
                         today=job["today"], start_row=job["start_row"] + start)
    indexes = [blind_index(r.id_number) for r in parsed.rows]
    # A flat string per row pickles back to the parent far faster than a tuple of a date.
    keys = [f"{index}|{r.status_kind}|{r.start_month}"
            for r, index in zip(parsed.rows, indexes, strict=True)]
    chunk = _Chunk(parsed.errors, [r.row for r in parsed.rows], keys)
    if parsed.errors:
        return chunk  # nothing of a bad file is written: its rows are not needed
    if job["as_text"]:
        chunk.text = _copy_text(job["dataset_id"], job["kind"], parsed.rows, indexes)
    else:
        chunk.rows, chunk.indexes = parsed.rows, indexes
    return chunk


def _workers(rows: int) -> int:
    if connection.vendor != "postgresql" or rows < PARALLEL_MIN_ROWS:
        return 1
    return max(1, min(os.cpu_count() or 1, int(os.environ.get("CANLIAN_IMPORT_WORKERS", "2"))))


@contextmanager
def _checked_chunks(bounds: list[tuple[int, int]]) -> Iterator[Iterator[_Chunk]]:
    """The chunks in order, as they are checked: by forked workers for a large file, so that
    the parent writes one chunk while the workers check the next ones."""
    workers = _workers(bounds[-1][1] if bounds else 0)
    if workers == 1:
        yield (_work(b) for b in bounds)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield pool.imap(_work, bounds, chunksize=1)


def _write(dataset: Dataset, chunk: _Chunk) -> None:
    if connection.vendor == "postgresql":
        table = DatasetRow._meta.db_table
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            copy.write(chunk.text)
    else:
        DatasetRow.objects.bulk_create([_model_row(dataset, r, index) for r, index
                                        in zip(chunk.rows, chunk.indexes, strict=True)],
                                       batch_size=2000)


def stage_list(dataset: Dataset, header: Sequence[Any], rows: Sequence[Sequence[Any]], *,
               today: date, on_progress: Callable[[int], None] | None = None) -> StageResult:
    """Check every row and write the good chunks as they come (inside the caller's
    transaction: once any row is bad nothing more is written, and the caller rolls back)."""
    columns, file_errors = header_columns(dataset.kind, header)
    if file_errors:
        return StageResult(file_errors=file_errors)
    _JOB.update(kind=dataset.kind, columns=columns, rows=rows, today=today, start_row=2,
                as_text=connection.vendor == "postgresql", dataset_id=dataset.pk)
    bounds = [(i, min(i + CHUNK, len(rows))) for i in range(0, len(rows), CHUNK)]
    errors: list[RowError] = []
    first_rows: dict[Hashable, int] = {}  # duplicate key → the row that had it first
    written = 0
    try:
        with _checked_chunks(bounds) as chunks:
            for chunk in chunks:
                errors += chunk.errors
                errors += duplicate_errors(zip(chunk.numbers, chunk.keys, strict=True),
                                           seen=first_rows)
                if not errors:
                    _write(dataset, chunk)
                    written += len(chunk.numbers)
                    if on_progress is not None:
                        on_progress(written)
    finally:
        _JOB.clear()
    if errors:
        return StageResult(errors=sorted(errors, key=lambda e: (e.row, e.column)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh rows: the match joins on real counts
            cursor.execute(f"ANALYZE {DatasetRow._meta.db_table}")
    return StageResult(written=written)


def _model_row(dataset: Dataset, r: ListRow, index: str) -> DatasetRow:
    return DatasetRow(dataset=dataset, row_number=r.row, name=r.name, id_index=index,
                      id_number=r.id_number if keeps_number(dataset.kind, r) else "",
                      id_valid=r.id_valid, event_on=r.event_on, start_month=r.start_month,
                      end_month=r.end_month, status_kind=r.status_kind,
                      dibao_area=r.dibao_area, place=r.place, region_code=r.region_code,
                      match=MatchQuality.NONE)
