"""Shared test helpers: building import rows the way a spreadsheet would hold them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from canlian.registry.rows import PersonRow, parse_rows

HEADER = ["姓名", "身份证号", "户籍地区划代码", "残疾类别", "残疾等级", "残疾人证号", "发证日期",
          "有效期至", "联系电话", "户主身份证号", "与户主关系", "是否低保", "生存状态", "死亡日期"]


def row(name: str, id_number: str, region: str, *, category: Any = "", grade: Any = "",
        certificate: str = "", issued: str = "", valid_until: str = "", phone: str = "",
        head: str = "", relation: str = "", dibao: str = "", living: str = "正常",
        died: str = "") -> list[Any]:
    return [name, id_number, region, category, grade, certificate, issued, valid_until, phone,
            head, relation, dibao, living, died]


def parsed(rows: Sequence[Sequence[Any]]) -> list[PersonRow]:
    result = parse_rows(HEADER, rows)
    assert result.errors == [] and result.file_errors == []
    return result.rows
