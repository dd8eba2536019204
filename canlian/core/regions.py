"""Loading administrative divisions from a CSV `code,name,level,parent_code` (DOMAIN.md §0.2).

Every row is checked before anything is written; one bad row means nothing is loaded, and the
errors name the row and column. Loading the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

SHIPPED_REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"
COLUMNS = ("code", "name", "level", "parent_code")
LEVEL_ORDER = ("province", "city", "county", "township", "village")
DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
LEVEL_NAMES = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str


def _parse(text: str, result: RegionLoadResult) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        result.errors.append(f"表头缺少列：{'、'.join(missing)}（应为 {','.join(COLUMNS)}）")
        return []
    rows = []
    for line, raw in enumerate(reader, start=2):
        rows.append(
            _Row(
                line=line,
                code=(raw["code"] or "").strip(),
                name=(raw["name"] or "").strip(),
                level=(raw["level"] or "").strip(),
                parent_code=(raw["parent_code"] or "").strip(),
            )
        )
    return rows


def _validate(rows: list[_Row], known: dict[str, tuple[str, str, str | None]],
              result: RegionLoadResult) -> None:
    """`known` maps code → (name, level, parent) for regions already in the database."""
    levels = {code: value[1] for code, value in known.items()}
    seen: dict[str, int] = {}
    for row in rows:
        where = f"第 {row.line} 行"
        if not (len(row.code) == 12 and row.code.isdigit()):
            result.errors.append(f"{where} code 列：区划代码应为 12 位数字")
            continue
        if row.code in seen:
            result.errors.append(f"{where} code 列：区划代码与第 {seen[row.code]} 行重复")
            continue
        seen[row.code] = row.line
        if not row.name:
            result.errors.append(f"{where} name 列：名称不能为空")
        if row.level not in DIGITS:
            result.errors.append(f"{where} level 列：级别应为 {'/'.join(LEVEL_ORDER)} 之一")
            continue
        digits = DIGITS[row.level]
        if row.code[digits:].strip("0"):
            result.errors.append(
                f"{where} code 列：{LEVEL_NAMES[row.level]}级代码第 {digits + 1} 位起应全为 0"
            )
        levels[row.code] = row.level
        if row.level == "province":
            if row.parent_code:
                result.errors.append(f"{where} parent_code 列：省级区划不应有上级")
            continue
        parent_level = LEVEL_ORDER[LEVEL_ORDER.index(row.level) - 1]
        if row.parent_code not in levels:
            result.errors.append(f"{where} parent_code 列：上级区划 {row.parent_code or '（空）'} "
                                 "不存在（上级须在本文件前面的行或已在系统中）")
        elif levels[row.parent_code] != parent_level:
            result.errors.append(f"{where} parent_code 列：上级应为{LEVEL_NAMES[parent_level]}级")
        elif not row.code.startswith(row.parent_code[: DIGITS[parent_level]]):
            result.errors.append(f"{where} code 列：代码应以上级代码 "
                                 f"{row.parent_code[: DIGITS[parent_level]]} 开头")


def regions_load_csv(text: str, *, region_model: Any = None) -> RegionLoadResult:
    """Validate the whole file, then upsert it in one transaction (or write nothing)."""
    if region_model is None:
        from canlian.core.models import Region

        region_model = Region
    result = RegionLoadResult()
    rows = _parse(text, result)
    known = {
        code: (name, level, parent)
        for code, name, level, parent in region_model.objects.values_list(
            "code", "name", "level", "parent_id"
        )
    }
    if not result.errors:
        _validate(rows, known, result)
    if result.errors:
        return result
    new = [r for r in rows if r.code not in known]
    changed = [
        r for r in rows
        if r.code in known and known[r.code] != (r.name, r.level, r.parent_code or None)
    ]
    with transaction.atomic():
        # Rows are parent-before-child, so creating in file order keeps foreign keys valid.
        region_model.objects.bulk_create(
            [
                region_model(code=r.code, name=r.name, level=r.level,
                             parent_id=r.parent_code or None)
                for r in new
            ],
            batch_size=500,
        )
        for r in changed:
            region_model.objects.filter(code=r.code).update(
                name=r.name, level=r.level, parent_id=r.parent_code or None
            )
    result.created, result.updated = len(new), len(changed)
    result.unchanged = len(rows) - len(new) - len(changed)
    return result
