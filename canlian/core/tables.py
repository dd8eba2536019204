"""Reading an uploaded table (XLSX or CSV) for every import: registry, organizations, ledgers.

The whole file is checked first (empty, too large, a renamed text file, an unknown encoding),
with a Chinese message naming the file problem; rows are then each app's business.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(Exception):
    """The file as a whole cannot be read; `message` is Chinese and names the file problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large table is read or imported. Reading and
    checking a file allocate millions of short-lived lists and strings while the whole file is
    held, and each full collection walks all of them: it doubled the time csv takes to read a
    700,000-row list (bench/crosscheck.py) and took a fifth of a registry import
    (bench/registry.py). Imports make no reference cycles worth collecting; collection resumes
    afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _blank(row: list[Any]) -> bool:
    # any() settles nearly every row; 0 and False are values, not blanks.
    return not any(row) and all(cell in (None, "") for cell in row)


def read_table(path: Path, *, filename: str = "",
               max_bytes: int = MAX_BYTES) -> tuple[list[Any], list[list[Any]]]:
    """Header and data rows of the first sheet (XLSX) or of a CSV (UTF-8 or GBK)."""
    with gc_paused():
        return _read_table(path, filename=filename, max_bytes=max_bytes)


def _read_table(path: Path, *, filename: str,
                max_bytes: int) -> tuple[list[Any], list[list[Any]]]:
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError("文件是空的。")
    if size > max_bytes:
        raise ImportFileError(f"文件超过 {max_bytes // 1024 // 1024} MB，请拆分后分批导入。")
    name = (filename or path.name).lower()
    with path.open("rb") as handle:
        magic = handle.read(4)
    if name.endswith(".csv"):
        rows = _read_csv(path)
    elif name.endswith(".xlsx") or magic == XLSX_MAGIC:
        if magic != XLSX_MAGIC:
            raise ImportFileError(
                "该文件不是有效的 Excel（.xlsx）文件，可能是改了扩展名的其他文件。")
        rows = _read_xlsx(path)
    else:
        raise ImportFileError("只支持 Excel（.xlsx）或 CSV 文件。")
    rows = [r for r in rows if not _blank(r)]  # csv and calamine give each row as a list
    if not rows:
        raise ImportFileError("文件中没有数据。")
    return rows[0], rows[1:]


def _read_xlsx(path: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for damaged files
        raise ImportFileError("无法读取该 Excel 文件，文件可能已损坏。") from exc


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return list(csv.reader(io.StringIO(raw.decode(encoding))))
        except UnicodeDecodeError:
            continue
    raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 编码的 CSV。")
