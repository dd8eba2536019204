"""The registry import's spreadsheets (issue 16 §7): the template a user fills in, and the
error file that gives them back their own rows with a 错误说明 column, to fix and import again.

Both keep the header on row 1, as the importer reads it; the watermark (who, when) of the
error file is in the printed page header and the document properties, not in rows that would
stop it from being imported again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from canlian.core.exports import watermark_text
from canlian.core.idnumbers import CATEGORY_LABELS, id_check_char
from canlian.core.models import User
from canlian.registry import rows as r
from canlian.registry.importing import ImportReport
from canlian.registry.vocabulary import EDUCATION_LEVELS, EMPLOYMENT_STATUSES, ETHNICITIES

YES_NO = ("是", "否")
# Columns whose cell is picked from a list (Excel data validation), and the list.
CHOICES: dict[str, tuple[str, ...]] = {
    r.CATEGORY: tuple(CATEGORY_LABELS.values()),
    r.GRADE: ("一级", "二级", "三级", "四级"),
    r.DIBAO: YES_NO, r.TEKUN: YES_NO, r.LONG_TERM_CARE: YES_NO,
    r.LIVING_STATUS: ("正常", "死亡", "迁出"),
    r.ETHNICITY: ETHNICITIES, r.EDUCATION: EDUCATION_LEVELS, r.EMPLOYMENT: EMPLOYMENT_STATUSES,
}
# What each column holds (the 说明 sheet).
NOTES: dict[str, str] = {
    r.NAME: "必填。姓名，不超过 50 个字。",
    r.ID_NUMBER: "必填。18 位居民身份证号（末位可为 X），按身份证号新增或更新；请保持文本格式。",
    r.CERTIFICATE: "身份证号 + 残疾类别代码 + 残疾等级代码，共 20 位（换领后可带 B1 等）。",
    r.CATEGORY: "从下拉列表选择：视力、听力、言语、肢体、智力、精神、多重残疾（也可填 1–7）。",
    r.GRADE: "从下拉列表选择：一级至四级（也可填 1–4）。",
    r.COMPONENTS: "残疾类别为多重残疾时填写，用“、”分隔两个或以上类别，如：视力、肢体。",
    r.ISSUED_ON: "发证日期，如 2020-01-31。",
    r.VALID_UNTIL: "残疾人证有效期截止日期，如 2030-01-31。",
    r.REGION: "必填。户籍所在村（社区）的 12 位区划代码。",
    r.ADDRESS: "现住址，不超过 200 个字。",
    r.PHONE: "11 位手机号，或固定电话（如 0851-12345678）。",
    r.HEAD_ID: "户主的身份证号；本人即户主时留空。户主须已在您管辖范围内登记，或在本文件中。",
    r.RELATION: "户主不是本人时必填，如配偶、子女、父母。",
    r.GUARDIAN_NAME: "监护人姓名（未成年人、智力或精神残疾人等）。",
    r.GUARDIAN_ID: "监护人的身份证号。",
    r.GUARDIAN_PHONE: "监护人的联系电话。",
    r.DIBAO: "从下拉列表选择：是 / 否；留空则保持原样。",
    r.TEKUN: "从下拉列表选择：是 / 否；留空则保持原样。",
    r.LONG_TERM_CARE: "从下拉列表选择：是 / 否。",
    r.LIVING_STATUS: "从下拉列表选择：正常、死亡、迁出；留空视为正常。",
    r.DIED_ON: "生存状态为死亡时填写死亡日期，如 2026-01-31。",
    r.ETHNICITY: "从下拉列表选择民族，如汉族、苗族；没有此列时保持原样。",
    r.EDUCATION: "从下拉列表选择文化程度；没有此列时保持原样。",
    r.EMPLOYMENT: "从下拉列表选择就业状况；没有此列时保持原样。",
}
TEXT_COLUMNS = {r.ID_NUMBER, r.CERTIFICATE, r.REGION, r.PHONE, r.HEAD_ID, r.GUARDIAN_ID,
                r.GUARDIAN_PHONE, r.ISSUED_ON, r.VALID_UNTIL, r.DIED_ON}
DATA_ROWS = 5000  # rows of the template that carry the drop-down lists


def _example(region_code: str) -> dict[str, str]:
    """One filled-in row; its name marks it as the example, which the importer skips."""
    first17 = "52032219800101123"
    number = first17 + id_check_char(first17)
    return {r.NAME: f"{r.EXAMPLE_MARK}张三（导入时跳过此行）", r.ID_NUMBER: number,
            r.CERTIFICATE: f"{number}42", r.CATEGORY: "肢体残疾", r.GRADE: "二级",
            r.ISSUED_ON: "2020-01-31", r.VALID_UNTIL: "2030-01-31", r.REGION: region_code,
            r.ADDRESS: "某某村一组", r.PHONE: "13800000000", r.DIBAO: "否", r.TEKUN: "否",
            r.LONG_TERM_CARE: "否", r.LIVING_STATUS: "正常", r.ETHNICITY: "汉族",
            r.EDUCATION: "初中", r.EMPLOYMENT: "灵活就业"}


def import_template_write(out: IO[bytes], *, region_code: str) -> None:
    """The import template: the header, one example row, drop-down lists, a 说明 sheet."""
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("残疾人信息")
    notes = workbook.add_worksheet("说明")
    options = workbook.add_worksheet("选项")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = workbook.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    example = _example(region_code)
    for col, column in enumerate(r.COLUMNS):
        sheet.write_string(0, col, column, required if column in r.REQUIRED_COLUMNS else bold)
        sheet.write_comment(0, col, NOTES[column])
        sheet.set_column(col, col, 22 if column in TEXT_COLUMNS else 14,
                         text if column in TEXT_COLUMNS else None)
        sheet.write_string(1, col, example.get(column, ""))
        if column in CHOICES:
            index = list(CHOICES).index(column)
            options.write_string(0, index, column, bold)
            for n, value in enumerate(CHOICES[column], start=1):
                options.write_string(n, index, value)
            letter = xlsxwriter.utility.xl_col_to_name(index)
            sheet.data_validation(1, col, DATA_ROWS, col, {
                "validate": "list",
                "source": f"=选项!${letter}$2:${letter}${len(CHOICES[column]) + 1}",
                "error_title": column, "error_message": f"请从下拉列表中选择{column}。"})
    sheet.freeze_panes(1, 0)
    options.hide()
    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 90)
    notes.write_row(0, 0, ["列名", "填写说明"], bold)
    for n, column in enumerate(r.COLUMNS, start=1):
        notes.write_row(n, 0, [column, NOTES[column]])
    last = len(r.COLUMNS) + 2
    for n, line in enumerate((
            "表头必须在第 1 行，列的顺序不限；姓名、身份证号、户籍地区划代码三列必填。",
            f"第 2 行是示例（姓名以“{r.EXAMPLE_MARK}”开头），导入时自动跳过，可以保留或删除。",
            "同一文件重复导入不会产生变化；有错误的行会列在错误清单中，"
            "错误清单就是您的原始行加一列“错误说明”，改正后可直接再次导入。")):
        notes.write_string(last + n, 0, line)
    workbook.close()


def _write_cell(sheet: Any, row: int, col: int, value: Any, date_format: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime | date):
        sheet.write_datetime(row, col, value, date_format)
    else:
        sheet.write_string(row, col, str(value))


def error_file_write(path: Path, *, actor: User, report: ImportReport) -> None:
    """The rows with errors, as the user wrote them (same header, same columns) and a last
    column 错误说明 naming each problem by column; importable again once fixed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    mark = watermark_text(actor)
    workbook.set_properties({"title": "导入错误清单", "author": actor.username,
                             "comments": mark})
    sheet = workbook.add_worksheet("错误清单")
    sheet.set_header(f"&L导入错误清单&R{mark}")
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    header = [h for h in report.header if str(h or "").strip() != r.NOTE_COLUMN]
    width = len(header)
    for col, value in enumerate([*header, r.NOTE_COLUMN]):
        sheet.write(0, col, "" if value is None else str(value), bold)
    messages: dict[int, list[str]] = {}
    for error in report.errors:
        where = f"{error.column}：" if error.column else ""
        messages.setdefault(error.row, []).append(where + error.message)
    line = 1
    for message in report.file_errors:
        sheet.write_string(line, width, f"文件：{message}")
        line += 1
    for number in sorted(messages):
        cells: Sequence[Any] = report.source_rows.get(number, [])
        kept = [c for i, c in enumerate(cells) if i < len(report.header)
                and str(report.header[i] or "").strip() != r.NOTE_COLUMN]
        for col, value in enumerate(kept[:width]):
            _write_cell(sheet, line, col, value, date_format)
        sheet.write_string(line, width, f"原第 {number} 行：" + "；".join(messages[number]))
        line += 1
    sheet.freeze_panes(1, 0)
    workbook.close()
