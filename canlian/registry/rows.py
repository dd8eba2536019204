"""The registry import row parser: spreadsheet cells → checked :class:`PersonRow` values.

Pure Python (no database): the page form, the API and spreadsheet imports all run their input
through :func:`parse_rows`, so one set of rules applies everywhere. Cells arrive as Excel or CSV
gives them (str, int, float, date, datetime, bool, None). Every problem becomes a
:class:`RowError` with a Chinese message that never repeats an ID or phone number; the parser
itself never raises on cell values. Identity rules: ../shared/DOMAIN.md §0.1 (via
canlian.core.idnumbers), region codes §0.2.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

from canlian.core.idnumbers import (
    CATEGORY_LABELS,
    CertificateNumberError,
    IdInfo,
    IdNumberError,
    check_certificate_matches,
    parse_certificate_number,
    parse_id_number,
)
from canlian.registry.vocabulary import EDUCATION_LEVELS, EMPLOYMENT_STATUSES, ETHNICITIES

NAME, ID_NUMBER, CERTIFICATE = "姓名", "身份证号", "残疾人证号"
CATEGORY, GRADE, COMPONENTS = "残疾类别", "残疾等级", "多重残疾类别"
ISSUED_ON, VALID_UNTIL, REGION = "发证日期", "有效期至", "户籍地区划代码"
ADDRESS, PHONE, HEAD_ID, RELATION = "现住址", "联系电话", "户主身份证号", "与户主关系"
GUARDIAN_NAME, GUARDIAN_ID, GUARDIAN_PHONE = "监护人姓名", "监护人身份证号", "监护人电话"
DIBAO, TEKUN, LONG_TERM_CARE = "是否低保", "是否特困", "是否需长期照护"
LIVING_STATUS, DIED_ON = "生存状态", "死亡日期"
ETHNICITY, EDUCATION, EMPLOYMENT = "民族", "文化程度", "就业状况"

# The import template's columns, in template order.
COLUMNS: tuple[str, ...] = (
    NAME, ID_NUMBER, CERTIFICATE, CATEGORY, GRADE, COMPONENTS, ISSUED_ON, VALID_UNTIL, REGION,
    ADDRESS, PHONE, HEAD_ID, RELATION, GUARDIAN_NAME, GUARDIAN_ID, GUARDIAN_PHONE, DIBAO, TEKUN,
    LONG_TERM_CARE, LIVING_STATUS, DIED_ON, ETHNICITY, EDUCATION, EMPLOYMENT,
)  # fmt: skip
REQUIRED_COLUMNS: tuple[str, ...] = (NAME, ID_NUMBER, REGION)
# The error file gives a user back their own rows with this column added; importing the fixed
# file again ignores it (issue 16 §7).
NOTE_COLUMN = "错误说明"
# The template's example row: its 姓名 starts with this, and it is skipped like a blank row.
EXAMPLE_MARK = "示例"

# Registry persons are alive or recently so: a birth year before 1900 is a typing error
# (idnumbers.EARLIEST_BIRTH_DATE allows 1800 only for the standard's own test vector).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
MAX_NAME, MAX_ADDRESS, MAX_RELATION = 50, 200, 20  # the Person model's field lengths
# A float at or above 2**53 cannot hold every integer: 18-digit IDs typed as numbers lose digits.
_EXACT_FLOAT_LIMIT = 2.0**53
ROW_FAILED = "该行无法解析，请检查单元格内容"

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_WHITESPACE = re.compile(r"\s+")
_HEADER_MARK = re.compile(r"^\*+|(?:\(必填\)|\*)+$")
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_SMALL_INT = re.compile(r"([0-9])(?:\.0+)?")
_REGION_CODE = re.compile(r"[0-9]{12}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}|[2-9][0-9]{6,7}")
_DATE_PATTERNS = (
    re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})(?:[ T][0-9:.]+)?"),
    re.compile(r"([0-9]{4})()([0-9]{2})([0-9]{2})"),
    re.compile(r"([0-9]{4})(年)([0-9]{1,2})月([0-9]{1,2})日?"),
)
_COMPONENT_SEPARATORS = re.compile(r"[、,;\s]+")
_CATEGORY_NAMES = {label.removesuffix("残疾"): value for value, label in CATEGORY_LABELS.items()}
_GRADE_NAMES = {"一": 1, "二": 2, "三": 3, "四": 4}
_YES = {"是", "Y", "YES", "1", "TRUE", "√", "✓", "✔"}
_NO = {"否", "N", "NO", "0", "FALSE", "×", "✗"}
_LIVING = {"正常": "alive", "在世": "alive", "死亡": "deceased", "迁出": "moved_out"}


def _vocabulary(names: Sequence[str], aliases: dict[str, str]) -> dict[str, str]:
    """Accepted spellings (NFKC, spaces removed) → the stored name."""
    found = {unicodedata.normalize("NFKC", name): name for name in names}
    return found | {unicodedata.normalize("NFKC", k): v for k, v in aliases.items()}


# 民族 may be written without 族 (汉, 苗); 文化程度 and 就业状况 accept the usual short forms.
_ETHNICITIES = _vocabulary(ETHNICITIES, {n.removesuffix("族"): n for n in ETHNICITIES
                                         if n.endswith("族")})
_EDUCATION = _vocabulary(EDUCATION_LEVELS, {
    "文盲": "未上过学", "学前": "学前教育", "高中": "高中（含中专）", "中专": "高中（含中专）",
    "职高": "高中（含中专）", "大专": "大学专科", "本科": "大学本科", "研究生及以上": "研究生",
    "硕士": "研究生", "博士": "研究生"})
_EMPLOYMENT = _vocabulary(EMPLOYMENT_STATUSES, {
    "个体就业": "个体就业（含自主创业）", "自主创业": "个体就业（含自主创业）",
    "公益性岗位": "公益性岗位就业", "务农": "农村种养加", "无业": "未就业", "失业": "未就业",
    "学生": "在校学生", "退休": "离退休"})
_VOCABULARY_HINTS = {
    ETHNICITY: "民族应填写民族名称，如汉族、苗族、仡佬族（“族”字可省略）",
    EDUCATION: "文化程度应为" + "、".join(EDUCATION_LEVELS) + "之一",
    EMPLOYMENT: "就业状况应为" + "、".join(EMPLOYMENT_STATUSES) + "之一",
}

CATEGORY_HINT = "残疾类别应为视力、听力、言语、肢体、智力、精神或多重（可带“残疾”二字），或 1–7"
GRADE_HINT = "残疾等级应为一级至四级或 1–4"
DATE_HINT = "应为日期，如 2020-01-31、2020/01/31、2020.01.31 或 20200131"
PHONE_HINT = "应为 11 位手机号，或固定电话（如 0851-12345678，区号可省略）"
FLAG_HINT = "应填“是”或“否”（也可填 Y/N、1/0、√）"


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number, the header being row 1
    column: str  # the column's header text, "" for the whole row
    message: str


class PersonRow(NamedTuple):
    """One checked row, as the write path takes it. A named tuple: a large import's workers
    send their rows back pickled, and a tuple unpickles four times faster than a dataclass."""

    row: int
    name: str
    id_number: str
    certificate_number: str
    category: int | None
    grade: int | None
    components: tuple[int, ...]
    cert_issued_on: date | None
    cert_valid_until: date | None
    region_code: str
    address: str
    phone: str
    head_id_number: str  # "" when the person heads their own household
    relation_to_head: str
    guardian_name: str
    guardian_id_number: str
    guardian_phone: str
    is_dibao: bool | None  # None: column absent or cell blank, "leave as it is"
    is_tekun: bool | None
    needs_long_term_care: bool | None
    living_status: str  # "alive" | "deceased" | "moved_out"
    died_on: date | None
    birth_date: date
    sex: str  # "M" | "F"
    # None: column absent, "leave as it is" (files made before these columns existed);
    # "" clears the value.
    ethnicity: str | None = None
    education: str | None = None
    employment_status: str | None = None


@dataclass
class ParseMemo:
    """What :func:`parse_rows` remembers across the chunks of one file, when it is given the
    file a chunk at a time: the first row of each ID number (a later one is a duplicate) and
    the ID numbers already checked (heads and guardians are mostly other rows' own).

    With `occurrences` (a list), the rows' ID numbers are listed there instead of checked for
    duplicates: chunks checked side by side leave that check to whoever reads them in order
    (:func:`duplicate_id_error`)."""

    seen: dict[str, int] = field(default_factory=dict)
    ids: dict[str, IdInfo | IdNumberError] = field(default_factory=dict)
    occurrences: list[tuple[int, str]] | None = None


def duplicate_id_error(number: int, id_number: str, seen: dict[str, int]) -> RowError | None:
    """The error of row `number` when an earlier row of the file had the same ID number."""
    first = seen.setdefault(id_number, number)
    return RowError(number, ID_NUMBER, f"与第 {first} 行身份证号重复") if first != number else None


@dataclass
class ParseResult:
    rows: list[PersonRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    total_rows: int = 0  # non-blank data rows


# --------------------------------------------------------------------------------------------
# Cells as text
# --------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as stripped text. Whole floats lose their ".0" (``5.0`` → ``"5"``)."""
    if value is None:
        return ""
    if isinstance(value, str):  # most cells: a fast path
        # Zero-width characters are not ASCII: most cells need no translation.
        return (value if value.isascii() else value.translate(_ZERO_WIDTH)).strip()
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"  # as Excel shows it
    elif isinstance(value, int):
        text = str(value) if abs(value) < 10**100 else "?"  # str() refuses huge ints
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else str(value)  # exact, never 5.2e+17
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        try:
            text = str(value)
        except Exception:
            text = ""
    return text.translate(_ZERO_WIDTH).strip()


def _code_text(value: object) -> str:
    """Text of a code-like cell: full-width characters (５, Ｘ, （） become ASCII."""
    if type(value) is str and value.isascii():
        return value.strip()  # most code cells: NFKC leaves ASCII as it is
    return unicodedata.normalize("NFKC", _text(value)).strip()


def _compact(value: object) -> str:
    """A number typed with spaces in it (``5203 2219…``), spaces removed."""
    text = _code_text(value)
    return text if text.isalnum() else _WHITESPACE.sub("", text)  # no space in letters/digits


def _inexact_float(value: object) -> bool:
    """A number too long for a float to be trusted with every digit."""
    return isinstance(value, float) and math.isfinite(value) and abs(value) >= _EXACT_FLOAT_LIMIT


def _scientific(text: str) -> bool:
    """A number copied out of Excel as it was displayed: ``5.20322199001011E+17``."""
    return bool(_SCIENTIFIC.fullmatch(text))


def _is_blank(cells: Sequence[object]) -> bool:
    return all(not _code_text(cell) for cell in cells)


def _is_example(cells: Sequence[object], columns: dict[str, int]) -> bool:
    index = columns.get(NAME)
    return (index is not None and index < len(cells)
            and _code_text(cells[index]).startswith(EXAMPLE_MARK))


# --------------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------------


def _header_text(cell: object) -> str:
    text = _WHITESPACE.sub("", _code_text(cell))  # NFKC: （必填） → (必填), ＊ → *
    return _HEADER_MARK.sub("", text)


def parse_header(cells: Sequence[object]) -> tuple[dict[str, int], list[str]]:
    """Map each template column to its index; file-level errors for unknown, duplicate and
    missing required columns. Blank header cells, and the error file's 错误说明, are ignored."""
    columns: dict[str, int] = {}
    errors: list[str] = []
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        text = _header_text(cell)
        if not text or text == NOTE_COLUMN:
            continue
        if text not in COLUMNS:
            # A data row where the header should be would put an ID number in the message.
            shown = f"第 {index + 1} 列" if re.search(r"[0-9]{6}", text) else text[:30]
            unknown.append(f"未知的列：{shown}")
        elif text in columns:
            errors.append(f"重复的列：{text}（第 {columns[text] + 1} 列和第 {index + 1} 列）")
        else:
            columns[text] = index
    if not columns and unknown:
        return columns, [
            "第 1 行应为导入模板的表头（姓名、身份证号、户籍地区划代码等），未找到任何已知列"
        ]
    errors[:0] = unknown
    errors += [f"缺少必填列：{name}" for name in REQUIRED_COLUMNS if name not in columns]
    return columns, errors


# --------------------------------------------------------------------------------------------
# One row
# --------------------------------------------------------------------------------------------


class _Row:
    """The cells of one data row and the errors found in it."""

    def __init__(self, number: int, cells: Sequence[object], columns: dict[str, int],
                 ids: dict[str, IdInfo | IdNumberError]) -> None:
        self.number = number
        self.cells = cells
        self.columns = columns
        self.errors: list[RowError] = []
        # ID numbers already checked in this file: a head's and a guardian's number is
        # usually another row's own (one dict per parse_rows call, dropped with it).
        self.ids = ids

    def raw(self, column: str) -> object:
        index = self.columns.get(column)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def failed(self, column: str) -> bool:
        return any(error.column == column for error in self.errors)


def _name(row: _Row, column: str, *, required: bool) -> str:
    text = _WHITESPACE.sub(" ", _text(row.raw(column)))
    if not text and required:
        row.error(column, f"请填写{column}")
    elif len(text) > MAX_NAME:
        row.error(column, f"{column}不能超过 {MAX_NAME} 个字")
    return text


def _free_text(row: _Row, column: str, limit: int) -> str:
    text = _WHITESPACE.sub(" ", _text(row.raw(column)))
    if len(text) > limit:
        row.error(column, f"{column}不能超过 {limit} 个字")
    return text


def _precision_message(column: str) -> str:
    return f"{column}在 Excel 中被存成了数字，末几位已丢失，请将该列设为文本后重新录入"


def _id_number(row: _Row, column: str, today: date, *, required: bool) -> IdInfo | None:
    value = row.raw(column)
    text = _compact(value)
    if not text:
        if required:
            row.error(column, f"请填写{column}")
        return None
    if _inexact_float(value) or _scientific(text):
        # Excel keeps 15 significant digits and XlsxWriter writes 16, so an 18-digit number
        # read back is rounded: its last digits (check character, sequence, near sequence 000
        # even the birth date) are not the person's. A rounded value still passes the MOD 11-2
        # check 1 time in 11, so a number-typed ID is refused outright rather than trusted.
        row.error(column, _precision_message(column))
        return None
    found = row.ids.get(text)
    if found is None:
        try:
            found = parse_id_number(text, today=today, earliest=EARLIEST_BIRTH_DATE)
        except IdNumberError as exc:
            found = exc.with_traceback(None)
        row.ids[text] = found
    if isinstance(found, IdNumberError):  # idnumbers says "身份证号…"; name the column
        row.error(column, found.message.replace("身份证号", column, 1))
        return None
    return found


def _choice(row: _Row, column: str, names: dict[str, int], suffix: str, high: int) -> int | None:
    text = _WHITESPACE.sub("", _code_text(row.raw(column)))
    if not text:
        return None
    value = names.get(text.removesuffix(suffix))
    match = _SMALL_INT.fullmatch(text.removesuffix(suffix))
    if value is None and match and 1 <= int(match.group(1)) <= high:
        value = int(match.group(1))
    if value is None:
        row.error(column, CATEGORY_HINT if column == CATEGORY else GRADE_HINT)
    return value


def _disability(row: _Row) -> tuple[int | None, int | None, tuple[int, ...]]:
    category = _choice(row, CATEGORY, _CATEGORY_NAMES, "残疾", 7)
    grade = _choice(row, GRADE, _GRADE_NAMES, "级", 4)
    has_category, has_grade = bool(_code_text(row.raw(CATEGORY))), bool(_code_text(row.raw(GRADE)))
    if has_category and not has_grade:
        row.error(GRADE, "填写了残疾类别时须同时填写残疾等级")
    if has_grade and not has_category:
        row.error(CATEGORY, "填写了残疾等级时须同时填写残疾类别")
    return category, grade, _components(row, category)


def _components(row: _Row, category: int | None) -> tuple[int, ...]:
    parts = [p for p in _COMPONENT_SEPARATORS.split(_code_text(row.raw(COMPONENTS))) if p]
    if category != 7:
        if parts and not row.failed(CATEGORY):
            row.error(COMPONENTS, "只有残疾类别为多重残疾时才填写多重残疾类别")
        return ()
    found: set[int] = set()
    for part in parts:
        value = _CATEGORY_NAMES.get(part.removesuffix("残疾"))
        match = _SMALL_INT.fullmatch(part)
        value = int(match.group(1)) if value is None and match else value
        if value is None or not 1 <= value <= 6:
            shown = f"“{part}”" if len(part) <= 6 else ""
            row.error(
                COMPONENTS,
                f"多重残疾类别中的{shown}不是有效类别，应为视力、听力、言语、"
                "肢体、智力、精神或 1–6",
            )
            return ()
        found.add(value)
    if len(found) < 2:
        row.error(
            COMPONENTS,
            "多重残疾须在多重残疾类别中填写至少两种不同的残疾类别，用“、”或“,”分隔，如“视力、肢体”",
        )
        return ()
    return tuple(sorted(found))


def _certificate(
    row: _Row, id_info: IdInfo | None, category: int | None, grade: int | None, today: date
) -> str:
    value = row.raw(CERTIFICATE)
    text = _compact(value)
    if not text:
        return ""
    if _inexact_float(value) or _scientific(text):  # as for ID numbers: digits are lost
        row.error(CERTIFICATE, _precision_message(CERTIFICATE))
        return ""
    try:
        info = parse_certificate_number(text, today=today)
        if id_info is None:
            return info.number  # the ID column has its own error
        if category is None or grade is None:
            if not row.failed(CATEGORY) and not row.failed(GRADE):
                row.error(CERTIFICATE, "填写了残疾人证号时须同时填写残疾类别和残疾等级")
            if info.id_number != id_info.number:
                row.error(CERTIFICATE, "残疾人证号前 18 位与身份证号不一致")
            return info.number
        check_certificate_matches(
            info.number, id_number=id_info.number, category=category, grade=grade
        )
        return info.number
    except CertificateNumberError as exc:
        row.error(CERTIFICATE, exc.message)
    return ""


def _date(row: _Row, column: str) -> date | None:
    value = row.raw(column)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _WHITESPACE.sub(" ", _code_text(value))
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, _, month, day = match.groups()
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                row.error(column, f"{column}不是有效的日期")
                return None
    row.error(column, f"{column}{DATE_HINT}")
    return None


def _not_future(row: _Row, column: str, value: date | None, today: date) -> None:
    if value is not None and value > today:
        row.error(column, f"{column}不能晚于今天")


def _not_before_birth(row: _Row, column: str, value: date | None, birth: date | None) -> None:
    if value is not None and birth is not None and value < birth:
        row.error(column, f"{column}不能早于出生日期")


def _certificate_dates(
    row: _Row, today: date, birth: date | None
) -> tuple[date | None, date | None]:
    issued, valid_until = _date(row, ISSUED_ON), _date(row, VALID_UNTIL)
    _not_future(row, ISSUED_ON, issued, today)
    _not_before_birth(row, ISSUED_ON, issued, birth)
    if issued is not None and valid_until is not None and valid_until <= issued:
        row.error(VALID_UNTIL, "有效期至应晚于发证日期")
    return issued, valid_until


def _region(row: _Row, known: Container[str] | None) -> str:
    text = _compact(row.raw(REGION))
    if not text:
        row.error(REGION, "请填写户籍地区划代码")
    elif not _REGION_CODE.fullmatch(text):
        row.error(REGION, "户籍地区划代码应为 12 位数字（村、社区的统计用区划代码）")
    elif known is not None and text not in known:
        row.error(REGION, "户籍地区划代码不存在，请核对（应为本系统中的村、社区区划代码）")
    elif known is not None and text.endswith("000"):
        row.error(REGION, "户籍地区划代码应为村（社区）级区划代码，不能是乡镇或以上")
    else:
        return text
    return ""


def _phone(row: _Row, column: str) -> str:
    text = _compact(row.raw(column))
    if not text:
        return ""
    if _MOBILE.fullmatch(text.replace("-", "")):
        return text.replace("-", "")
    if _LANDLINE.fullmatch(text):
        return text
    row.error(column, f"{column}{PHONE_HINT}")
    return ""


def _flag(row: _Row, column: str) -> bool | None:
    value = row.raw(column)
    if isinstance(value, bool):
        return value
    text = _compact(value).upper()
    if not text:
        return None
    if text in _YES or text in _NO:
        return text in _YES
    row.error(column, f"{column}{FLAG_HINT}")
    return None


def _named(row: _Row, column: str, vocabulary: dict[str, str]) -> str | None:
    """A value from a fixed list, None when the file has no such column."""
    if column not in row.columns:
        return None
    text = _WHITESPACE.sub("", _code_text(row.raw(column)))
    if not text:
        return ""
    value = vocabulary.get(text)
    if value is None:
        row.error(column, _VOCABULARY_HINTS[column])
        return ""
    return value


def _living(row: _Row, today: date, birth: date | None) -> tuple[str, date | None]:
    text = _compact(row.raw(LIVING_STATUS))
    status = _LIVING.get(text) if text else "alive"
    if status is None:
        row.error(LIVING_STATUS, "生存状态应为正常、死亡或迁出")
    died_on = _date(row, DIED_ON)
    _not_future(row, DIED_ON, died_on, today)
    _not_before_birth(row, DIED_ON, died_on, birth)
    if status == "deceased" and died_on is None and not row.failed(DIED_ON):
        row.error(DIED_ON, "生存状态为死亡时须填写死亡日期")
    if status in ("alive", "moved_out") and died_on is not None:
        row.error(DIED_ON, "填写了死亡日期时，生存状态应为“死亡”")
    return status or "alive", died_on


def _household(row: _Row, id_info: IdInfo | None, today: date) -> tuple[str, str]:
    head = _id_number(row, HEAD_ID, today, required=False)
    relation = _free_text(row, RELATION, MAX_RELATION)
    heads_itself = head is not None and id_info is not None and head.number == id_info.number
    if _compact(row.raw(HEAD_ID)) and not heads_itself and not relation:
        row.error(RELATION, "户主不是本人时须填写与户主关系（如配偶、子女、父母）")
    return ("" if head is None or heads_itself else head.number), relation


def _person(
    row: _Row, today: date, known: Container[str] | None, memo: ParseMemo
) -> PersonRow | None:
    name = _name(row, NAME, required=True)
    id_info = _id_number(row, ID_NUMBER, today, required=True)
    if id_info is not None:
        if memo.occurrences is not None:
            memo.occurrences.append((row.number, id_info.number))
        elif duplicate := duplicate_id_error(row.number, id_info.number, memo.seen):
            row.errors.append(duplicate)
    birth = id_info.birth_date if id_info is not None else None
    category, grade, components = _disability(row)
    certificate = _certificate(row, id_info, category, grade, today)
    issued_on, valid_until = _certificate_dates(row, today, birth)
    region = _region(row, known)
    address = _free_text(row, ADDRESS, MAX_ADDRESS)
    phone = _phone(row, PHONE)
    head_id, relation = _household(row, id_info, today)
    guardian_name = _name(row, GUARDIAN_NAME, required=False)
    guardian = _id_number(row, GUARDIAN_ID, today, required=False)
    if guardian is not None and id_info is not None and guardian.number == id_info.number:
        row.error(GUARDIAN_ID, "监护人身份证号不能与本人身份证号相同")
    guardian_phone = _phone(row, GUARDIAN_PHONE)
    flags = _flag(row, DIBAO), _flag(row, TEKUN), _flag(row, LONG_TERM_CARE)
    living_status, died_on = _living(row, today, birth)
    ethnicity = _named(row, ETHNICITY, _ETHNICITIES)
    education = _named(row, EDUCATION, _EDUCATION)
    employment = _named(row, EMPLOYMENT, _EMPLOYMENT)
    if row.errors or id_info is None:
        return None
    # fmt: off
    return PersonRow(
        row=row.number, name=name, id_number=id_info.number, certificate_number=certificate,
        category=category, grade=grade, components=components, cert_issued_on=issued_on,
        cert_valid_until=valid_until, region_code=region, address=address, phone=phone,
        head_id_number=head_id, relation_to_head=relation, guardian_name=guardian_name,
        guardian_id_number=guardian.number if guardian is not None else "",
        guardian_phone=guardian_phone, is_dibao=flags[0], is_tekun=flags[1],
        needs_long_term_care=flags[2], living_status=living_status, died_on=died_on,
        birth_date=id_info.birth_date, sex=id_info.sex, ethnicity=ethnicity,
        education=education, employment_status=employment,
    )
    # fmt: on


def _today() -> date:
    # Dates are Asia/Shanghai; China has had no DST since 1991, so UTC+8 gives the same date.
    return datetime.now(timezone(timedelta(hours=8))).date()


def parse_rows(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    today: date | None = None,
    known_region_codes: Container[str] | None = None,
    start_row: int = 2,
    memo: ParseMemo | None = None,
) -> ParseResult:
    """Check every data row. ``start_row`` is the spreadsheet row number of the first data row.

    Rows with errors are left out of ``rows``; each of their problems is in ``errors``. With a
    file-level error (header) no row is checked, but ``total_rows`` still counts them. Blank rows
    are skipped and not counted. ``known_region_codes``, when given, also requires a village
    (community) code. ``memo``: given the chunks of one file in order, each with its
    ``start_row`` and the same memo, the result is what one call on the whole file gives.
    """
    columns, file_errors = parse_header(header)
    result = ParseResult(file_errors=file_errors)
    today = today or _today()
    memo = memo if memo is not None else ParseMemo()
    ids = memo.ids
    for offset, cells in enumerate(rows):
        number = start_row + offset
        try:
            values = list(cells) if cells is not None else []
            if _is_blank(values) or _is_example(values, columns):
                continue
            result.total_rows += 1
            if file_errors:
                continue
            row = _Row(number, values, columns, ids)
            person = _person(row, today, known_region_codes, memo)
        except Exception:  # a safety net: one odd row must not abort a whole import
            result.errors.append(RowError(number, "", ROW_FAILED))
            continue
        result.errors.extend(row.errors)
        if person is not None:
            result.rows.append(person)
    return result
