"""Crafted lists for the cross-check tests: headers and rows as a department's file holds them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from canlian.core.models import User
from canlian.crosscheck.datasets import ImportReport, dataset_import

TODAY = date(2026, 3, 20)
MARCH = date(2026, 3, 1)
HEADERS = {
    "deaths": ["姓名", "身份证号", "死亡日期", "来源单位"],
    "moves": ["姓名", "身份证号", "迁出日期", "迁往地"],
    "dibao": ["姓名", "身份证号", "户主身份证号", "保障类别", "起始年月", "终止年月"],
    "mental": ["姓名", "身份证号", "诊断", "管理地区代码"],
    "orphans": ["姓名", "身份证号", "起始年月", "终止年月"],
    "injury": ["姓名", "身份证号", "起始年月", "终止年月"],
}


def import_list(actor: User, kind: str, rows: Sequence[Sequence[Any]], *,
                header: Sequence[Any] | None = None, month: date = MARCH) -> ImportReport:
    return dataset_import(actor=actor, kind=kind, source="县民政局", filename=f"{kind}.xlsx",
                          header=list(header or HEADERS[kind]), rows=[list(r) for r in rows],
                          reference_month=month, today=TODAY)


def mistype(number: str, position: int) -> str:
    """`number` with the digit at `position` changed (the check character now wrong)."""
    digit = str((int(number[position]) + 1) % 10)
    return number[:position] + digit + number[position + 1:]


def swap(number: str, position: int) -> str:
    chars = list(number)
    chars[position], chars[position + 1] = chars[position + 1], chars[position]
    return "".join(chars)
