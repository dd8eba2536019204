"""Reading a department's list: header text in any order, one checked row per line.

Pure Python (no database). Every problem is a registry `RowError` naming the row and the
column, in Chinese, never repeating the ID number. A wrong check character is not an error: the
row is kept (as `id_valid=False`) so that near matches can be offered for it — the department
mistyped a digit, the person still exists (issue #8 §2).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
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
_ID_CLEAN = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
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


# Cell checks. Each is a pure function of the cell (and of the list's `today`) returning the
# value or the Chinese problem, so a list's repeated cells — dates, months, 保障类别, sources,
# names — are checked once per chunk and then looked up (`_Reader`).


class Problem(str):
    """A cell's problem (the Chinese message), as opposed to its value."""


def _name_cell(value: object) -> str:
    name = "".join(_text(value).split())
    if not name:
        return Problem("请填写姓名")
    if len(name) > MAX_NAME:
        return Problem(f"姓名不能超过 {MAX_NAME} 个字")
    return name


Identity = tuple[str, bool, "date | None"]  # number, check character right, birth date


def _id_cell(value: object, column: str, today: date, *, required: bool
             ) -> Identity | Problem | None:
    """(number, check character right, birth date), a problem, or None for an optional blank.
    A wrong check character is not a problem: near matches are offered for it."""
    if isinstance(value, str) and len(value) == 18 and _ID_CLEAN.fullmatch(value):
        text = value  # as most lists give it: nothing to clean
    elif isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        # An 18-digit number stored as a number has lost its last digits in Excel.
        return Problem(f"{column}在 Excel 中被存成了数字，末几位已丢失，"
                       "请将该列设为文本后重新导出")
    else:
        text = "".join(_text(value).split()).upper()
    if not text:
        return Problem(f"请填写{column}") if required else None
    try:
        info = parse_id_number(text, today=today, earliest=EARLIEST_BIRTH_DATE)
        return info.number, True, info.birth_date
    except IdNumberError as exc:
        if exc.code == "checksum":
            return text, False, _birth(text)
        return Problem(exc.message.replace("身份证号", column, 1))


@lru_cache(maxsize=4096)
def _date_text(text: str) -> date | Problem:
    """A date written as text, or the Chinese problem."""
    match = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        return Problem("应为日期，如 2026-01-31 或 20260131")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return Problem("不是有效的日期")


@lru_cache(maxsize=4096)
def _month_text(text: str) -> date | Problem:
    match = _MONTH.fullmatch(text) or _DATE.fullmatch(text)
    if match is None:
        return Problem("应为年月，如 2026-01 或 202601")
    groups = match.groups()
    try:
        return date(int(groups[0]), int(groups[1] or groups[2]), 1)
    except (TypeError, ValueError):
        return Problem("不是有效的年月")


def _date_cell(value: object, column: str, today: date, *, required: bool
               ) -> date | Problem | None:
    if isinstance(value, datetime):
        found: date | Problem = value.date()
    elif isinstance(value, date):
        found = value
    else:
        text = "".join(_text(value).split())
        if not text:
            return Problem(f"请填写{column}") if required else None
        found = _date_text(text)
        if isinstance(found, Problem):
            return Problem(f"{column}{found}")
    if found > today:
        return Problem(f"{column}不能晚于今天")
    return found


def _month_cell(value: object, column: str, *, required: bool) -> date | Problem | None:
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    text = "".join(_text(value).split())
    if not text:
        return Problem(f"请填写{column}") if required else None
    found = _month_text(text)
    if isinstance(found, Problem):
        return Problem(f"{column}{found}")
    return found


def _free_cell(value: object, column: str) -> str:
    text = _SPACES.sub(" ", _text(value))
    if len(text) > MAX_PLACE:
        return Problem(f"{column}不能超过 {MAX_PLACE} 个字")
    return text


def _status_cell(value: object) -> tuple[str, str] | Problem:
    text = "".join(_text(value).split())
    if not text:
        return Problem("请填写保障类别")
    found = STATUS_NAMES.get(text)
    if found is None:
        return Problem("保障类别应为城市低保、农村低保或特困供养")
    return found


def _area_cell(value: object) -> str:
    text = _SPACES.sub("", _text(value))
    if not text:
        return ""
    if not _AREA.fullmatch(text):
        return Problem("管理地区代码应为 6、9 或 12 位数字的行政区划代码")
    return text.ljust(12, "0")


_DEATHS, _MOVES, _MENTAL, _DIBAO = (DatasetKind.DEATHS.value, DatasetKind.MOVES.value,
                                    DatasetKind.MENTAL.value, DatasetKind.DIBAO.value)


class _Reader:
    """Checks the rows of one chunk of a list: the kind's columns bound to their indexes, and a
    memo of the checked value of every repeated cell (the checks are pure functions)."""

    def __init__(self, kind: str, columns: dict[str, int], today: date) -> None:
        self.kind, self.columns, self.today = kind, columns, today
        self.memo: dict[tuple[str, type, object], object] = {}

    def cell(self, values: Sequence[object], column: str) -> object:
        index = self.columns.get(column)
        return values[index] if index is not None and index < len(values) else None

    def checked(self, column: str, value: object, check: Callable[[object], object]) -> object:
        try:  # the type too: 1, 1.0 and True are equal keys but different cells
            key = (column, value.__class__, value)
            found = self.memo.get(key, _MISSING)
        except TypeError:  # an unhashable cell: check it every time
            return check(value)
        if found is _MISSING:
            found = self.memo[key] = check(value)
        return found

    def row(self, number: int, values: Sequence[object]) -> tuple[ListRow | None,
                                                                 list[RowError]]:
        errors: list[RowError] = []

        def ok(column: str, found: object) -> bool:
            if isinstance(found, Problem):
                errors.append(RowError(number, column, str(found)))
                return False
            return True

        kind, today, cell, checked = self.kind, self.today, self.cell, self.checked
        name = checked(NAME, cell(values, NAME), _name_cell)
        ok(NAME, name)
        identity = _id_cell(cell(values, ID_NUMBER), ID_NUMBER, today, required=True)
        if not ok(ID_NUMBER, identity):
            identity = None
        row = ListRow(row=number, name=str(name), id_number="", id_valid=True)
        if kind in (_DEATHS, _MOVES):
            event, place = (DIED_ON, SOURCE) if kind == _DEATHS else (MOVED_ON, DESTINATION)
            found = checked(event, cell(values, event),
                            lambda v: _date_cell(v, event, today, required=True))
            row.event_on = found if ok(event, found) else None  # type: ignore[assignment]
            found = checked(place, cell(values, place), lambda v: _free_cell(v, place))
            row.place = str(found) if ok(place, found) else ""
        elif kind == _MENTAL:
            found = checked(DIAGNOSIS, cell(values, DIAGNOSIS),
                            lambda v: _free_cell(v, DIAGNOSIS))
            row.place = str(found) if ok(DIAGNOSIS, found) else ""
            found = checked(AREA, cell(values, AREA), _area_cell)
            row.region_code = str(found) if ok(AREA, found) else ""
        else:
            if kind == _DIBAO:
                found = checked(STATUS, cell(values, STATUS), _status_cell)
                if ok(STATUS, found):
                    row.status_kind, row.dibao_area = found  # type: ignore[misc]
                # Checked, not kept (data minimisation): matching is on the person's own
                # number, so a head who is the person needs no second check.
                head = cell(values, HEAD_ID)
                if identity is None or _text(head).upper() != identity[0]:
                    ok(HEAD_ID, _id_cell(head, HEAD_ID, today, required=False))
            else:
                row.status_kind = FIXED_STATUS[kind]
            found = checked(START, cell(values, START),
                            lambda v: _month_cell(v, START, required=True))
            row.start_month = found if ok(START, found) else None  # type: ignore[assignment]
            found = checked(END, cell(values, END),
                            lambda v: _month_cell(v, END, required=False))
            row.end_month = found if ok(END, found) else None  # type: ignore[assignment]
            if (row.start_month is not None and row.end_month is not None
                    and row.end_month < row.start_month):
                errors.append(RowError(number, END, "终止年月不能早于起始年月"))
        if identity is None or errors:
            return None, errors
        row.id_number, row.id_valid, birth = identity  # type: ignore[misc]
        if row.event_on is not None and birth is not None and row.event_on < birth:
            column = DIED_ON if kind == _DEATHS else MOVED_ON
            return None, [RowError(number, column, "日期早于身份证号中的出生日期")]
        return row, errors


_MISSING = object()


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
    reader = _Reader(kind, columns, today)
    append = result.rows.append
    for offset, values in enumerate(rows):
        number = start_row + offset
        if not any(values) and all(v is None or v == "" for v in values):
            continue  # blank (0 and False are values, not blanks)
        try:
            parsed, errors = reader.row(number, values)
        except Exception:  # one odd row must not abort a whole import
            result.errors.append(RowError(number, "", ROW_FAILED))
            continue
        if errors:
            result.errors.extend(errors)
        if parsed is not None:
            append(parsed)
    return result


def duplicate_errors(keys: Iterable[tuple[int, Hashable]],
                     seen: dict[Hashable, int] | None = None) -> list[RowError]:
    """A person listed twice (for the same period): every later row is an error. `seen`
    (key → first row) carries over between the chunks of one list."""
    seen = {} if seen is None else seen
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
