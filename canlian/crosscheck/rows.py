"""Reading a department's list: header text in any order, one checked row per line.

Pure Python (no database). Every problem is a registry `RowError` naming the row and the
column, in Chinese, never repeating the ID number. A wrong check character is not an error: the
row is kept (as `id_valid=False`) so that near matches can be offered for it — the department
mistyped a digit, the person still exists (issue #8 §2).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from canlian.core.idnumbers import IdNumberError, parse_id_number
from canlian.crosscheck.models import DatasetKind, StatusKind
from canlian.registry.rows import EARLIEST_BIRTH_DATE, RowError

NAME, ID_NUMBER, DIED_ON, SOURCE = "姓名", "身份证号", "死亡日期", "来源单位"
MOVED_ON, DESTINATION = "迁出日期", "迁往地"
HEAD_ID, STATUS, START, END = "户主身份证号", "保障类别", "起始年月", "终止年月"
DIAGNOSIS, AREA = "诊断", "管理地区代码"

# (column, required) per list kind, in template order (issue #8 §1).
COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    DatasetKind.DEATHS: ((NAME, True), (ID_NUMBER, True), (DIED_ON, True), (SOURCE, False)),
    DatasetKind.MOVES: ((NAME, True), (ID_NUMBER, True), (MOVED_ON, True),
                        (DESTINATION, False)),
    DatasetKind.DIBAO: ((NAME, True), (ID_NUMBER, True), (HEAD_ID, False), (STATUS, True),
                        (START, True), (END, False)),
    DatasetKind.MENTAL: ((NAME, True), (ID_NUMBER, True), (DIAGNOSIS, False), (AREA, False)),
    DatasetKind.ORPHANS: ((NAME, True), (ID_NUMBER, True), (START, True), (END, False)),
    DatasetKind.INJURY: ((NAME, True), (ID_NUMBER, True), (START, True), (END, False)),
}
# 保障类别 → (household status, 城乡)
STATUS_NAMES = {"城市低保": (StatusKind.DIBAO, "城市"), "农村低保": (StatusKind.DIBAO, "农村"),
                "低保": (StatusKind.DIBAO, ""), "特困供养": (StatusKind.TEKUN, ""),
                "特困": (StatusKind.TEKUN, ""), "特困人员": (StatusKind.TEKUN, "")}
FIXED_STATUS = {DatasetKind.ORPHANS: StatusKind.ORPHAN,
                DatasetKind.INJURY: StatusKind.WORK_INJURY_CARE}
MAX_NAME, MAX_PLACE = 50, 100
ROW_FAILED = "该行无法解析，请检查单元格内容"

_SPACES = re.compile(r"\s+")
_HEADER_MARK = re.compile(r"^\*+|(?:\(必填\)|\*)+$")
_DATE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?(?:[ T][0-9:.]+)?")
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})(?:[-/.年]([0-9]{1,2})月?|([0-9]{2}))")
_AREA = re.compile(r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?")


@dataclass(slots=True)
class ListRow:
    row: int
    name: str
    id_number: str
    id_valid: bool
    event_on: date | None = None
    start_month: date | None = None
    end_month: date | None = None
    status_kind: str = ""
    dibao_area: str = ""
    place: str = ""
    region_code: str = ""


@dataclass
class ListParse:
    rows: list[ListRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.isascii():  # most cells: no NFKC needed
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def header_columns(kind: str, cells: Sequence[object]) -> tuple[dict[str, int], list[str]]:
    """Column → index for the kind's columns; other columns are ignored (departments' lists
    carry their own extra columns). File errors for duplicates and missing required columns."""
    wanted = {name for name, _ in COLUMNS[kind]}
    columns: dict[str, int] = {}
    errors: list[str] = []
    for index, cell in enumerate(cells):
        text = _HEADER_MARK.sub("", _SPACES.sub("", _text(cell)))
        if text not in wanted:
            continue
        if text in columns:
            errors.append(f"重复的列：{text}（第 {columns[text] + 1} 列和第 {index + 1} 列）")
        else:
            columns[text] = index
    errors += [f"缺少必填列：{name}" for name, required in COLUMNS[kind]
               if required and name not in columns]
    return columns, errors


class _Cells:
    def __init__(self, number: int, cells: Sequence[object], columns: dict[str, int]) -> None:
        self.number, self.cells, self.columns = number, cells, columns
        self.errors: list[RowError] = []

    def raw(self, column: str) -> object:
        index = self.columns.get(column)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def text(self, column: str) -> str:
        return _text(self.raw(column))

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))


def _name(cells: _Cells) -> str:
    name = "".join(cells.text(NAME).split())
    if not name:
        cells.error(NAME, "请填写姓名")
    elif len(name) > MAX_NAME:
        cells.error(NAME, f"姓名不能超过 {MAX_NAME} 个字")
    return name


def _id_number(cells: _Cells, column: str, today: date, *, required: bool
               ) -> tuple[str, bool, date | None] | None:
    """(number, check character right, birth date) or None with an error."""
    value = cells.raw(column)
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        # An 18-digit number stored as a number has lost its last digits in Excel.
        cells.error(column, f"{column}在 Excel 中被存成了数字，末几位已丢失，"
                            "请将该列设为文本后重新导出")
        return None
    text = "".join(_text(value).split()).upper()
    if not text:
        if required:
            cells.error(column, f"请填写{column}")
        return None
    try:
        info = parse_id_number(text, today=today, earliest=EARLIEST_BIRTH_DATE)
        return info.number, True, info.birth_date
    except IdNumberError as exc:
        if exc.code == "checksum":
            return text, False, _birth(text)
        cells.error(column, exc.message.replace("身份证号", column, 1))
    return None


@lru_cache(maxsize=4096)
def _date_text(text: str) -> date | str:
    """A date written as text, or the Chinese problem. Cached: a list repeats its dates."""
    match = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        return "应为日期，如 2026-01-31 或 20260131"
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return "不是有效的日期"


@lru_cache(maxsize=4096)
def _month_text(text: str) -> date | str:
    match = _MONTH.fullmatch(text) or _DATE.fullmatch(text)
    if match is None:
        return "应为年月，如 2026-01 或 202601"
    groups = match.groups()
    try:
        return date(int(groups[0]), int(groups[1] or groups[2]), 1)
    except (TypeError, ValueError):
        return "不是有效的年月"


def _date(cells: _Cells, column: str, today: date, *, required: bool) -> date | None:
    value = cells.raw(column)
    if isinstance(value, datetime):
        found: date | str = value.date()
    elif isinstance(value, date):
        found = value
    else:
        text = "".join(_text(value).split())
        if not text:
            if required:
                cells.error(column, f"请填写{column}")
            return None
        found = _date_text(text)
        if isinstance(found, str):
            cells.error(column, f"{column}{found}")
            return None
    if found > today:
        cells.error(column, f"{column}不能晚于今天")
    return found


def _month(cells: _Cells, column: str, *, required: bool) -> date | None:
    value = cells.raw(column)
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    text = "".join(_text(value).split())
    if not text:
        if required:
            cells.error(column, f"请填写{column}")
        return None
    found = _month_text(text)
    if isinstance(found, str):
        cells.error(column, f"{column}{found}")
        return None
    return found


def _free(cells: _Cells, column: str) -> str:
    text = _SPACES.sub(" ", cells.text(column))
    if len(text) > MAX_PLACE:
        cells.error(column, f"{column}不能超过 {MAX_PLACE} 个字")
    return text


def _status(cells: _Cells) -> tuple[str, str]:
    text = "".join(cells.text(STATUS).split())
    if not text:
        cells.error(STATUS, "请填写保障类别")
        return "", ""
    found = STATUS_NAMES.get(text)
    if found is None:
        cells.error(STATUS, "保障类别应为城市低保、农村低保或特困供养")
        return "", ""
    return found


def _area(cells: _Cells) -> str:
    text = _SPACES.sub("", cells.text(AREA))
    if not text:
        return ""
    if not _AREA.fullmatch(text):
        cells.error(AREA, "管理地区代码应为 6、9 或 12 位数字的行政区划代码")
        return ""
    return text.ljust(12, "0")


_DEATHS, _MOVES, _MENTAL, _DIBAO = (DatasetKind.DEATHS.value, DatasetKind.MOVES.value,
                                    DatasetKind.MENTAL.value, DatasetKind.DIBAO.value)


def _row(kind: str, cells: _Cells, today: date) -> ListRow | None:
    name = _name(cells)
    identity = _id_number(cells, ID_NUMBER, today, required=True)
    row = ListRow(row=cells.number, name=name, id_number="", id_valid=True)
    if kind == _DEATHS:
        row.event_on = _date(cells, DIED_ON, today, required=True)
        row.place = _free(cells, SOURCE)
    elif kind == _MOVES:
        row.event_on = _date(cells, MOVED_ON, today, required=True)
        row.place = _free(cells, DESTINATION)
    elif kind == _MENTAL:
        row.place = _free(cells, DIAGNOSIS)
        row.region_code = _area(cells)
    else:
        if kind == _DIBAO:
            row.status_kind, row.dibao_area = _status(cells)
            # Checked, not kept (data minimisation): matching is on the person's own number.
            if identity is None or cells.text(HEAD_ID).upper() != identity[0]:
                _id_number(cells, HEAD_ID, today, required=False)
        else:
            row.status_kind = FIXED_STATUS[kind]
        row.start_month = _month(cells, START, required=True)
        row.end_month = _month(cells, END, required=False)
        if (row.start_month is not None and row.end_month is not None
                and row.end_month < row.start_month):
            cells.error(END, "终止年月不能早于起始年月")
    if identity is None or cells.errors:
        return None
    row.id_number, row.id_valid, birth = identity
    if row.event_on is not None and birth is not None and row.event_on < birth:
        cells.error(DIED_ON if kind == _DEATHS else MOVED_ON,
                    "日期早于身份证号中的出生日期")
        return None
    return row


def _birth(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def row_key(row: ListRow, number: str) -> tuple[object, ...]:
    """One row per person (and per period, for 低保/特困 lists)."""
    return (number, row.status_kind, row.start_month)


def parse_chunk(kind: str, columns: dict[str, int], rows: Sequence[Sequence[object]], *,
                today: date, start_row: int) -> ListParse:
    """Check the rows of one chunk (no duplicate check across rows: see duplicate_errors)."""
    result = ListParse()
    for offset, values in enumerate(rows):
        number = start_row + offset
        if all(v is None or v == "" for v in values):
            continue
        cells = _Cells(number, values, columns)
        try:
            parsed = _row(kind, cells, today)
        except Exception:  # one odd row must not abort a whole import
            result.errors.append(RowError(number, "", ROW_FAILED))
            continue
        result.errors.extend(cells.errors)
        if parsed is not None:
            result.rows.append(parsed)
    return result


def duplicate_errors(keys: Iterable[tuple[int, tuple[object, ...]]]) -> list[RowError]:
    """A person listed twice (for the same period): every later row is an error."""
    seen: dict[tuple[object, ...], int] = {}
    errors = []
    for number, key in keys:
        first = seen.setdefault(key, number)
        if first != number:
            errors.append(RowError(number, ID_NUMBER, f"与第 {first} 行重复"))
    return errors


def parse_list(kind: str, header: Sequence[object], rows: Sequence[Sequence[object]], *,
               today: date, start_row: int = 2) -> ListParse:
    """Check every data row of a list of `kind`; blank rows are skipped."""
    columns, file_errors = header_columns(kind, header)
    if file_errors:
        return ListParse(file_errors=file_errors)
    result = parse_chunk(kind, columns, rows, today=today, start_row=start_row)
    duplicates = duplicate_errors((r.row, row_key(r, r.id_number)) for r in result.rows)
    if duplicates:
        bad = {e.row for e in duplicates}
        result.rows = [r for r in result.rows if r.row not in bad]
        result.errors = sorted([*result.errors, *duplicates], key=lambda e: (e.row, e.column))
    return result
