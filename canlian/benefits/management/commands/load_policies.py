"""manage.py load_policies FILE [--region CODE] — load a policy catalog (YAML) into the database.

All-or-nothing and idempotent (catalog.policies_load): a file with any error writes nothing.
--region sets every policy's region, to load a province's template
(canlian/benefits/data/provinces/*.yaml) for one county (issue 17 §11).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.benefits.catalog import policies_load
from canlian.core.errors import DomainError


class Command(BaseCommand):
    help = "导入政策目录文件（YAML）。有任何错误则不写入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", default="",
                            help="把文件中每项政策的适用地区设为该区划代码（载入省级模板时用）")

    def handle(self, *args: Any, file: Path, region: str, **options: Any) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 {file}") from exc
        except (UnicodeDecodeError, IsADirectoryError) as exc:
            raise CommandError(f"无法读取文件 {file}（应为 UTF-8 编码的 YAML 文本）") from exc
        if region:
            text = _with_region(text, region.strip())
        try:
            result = policies_load(actor=None, text=text)
        except DomainError as exc:
            raise CommandError(f"政策目录有误，未写入任何数据：{exc.message}") from exc
        self.stdout.write(f"政策目录导入完成：新增 {result.created}，更新 {result.updated}，"
                          f"未变化 {result.unchanged}。")


def _with_region(text: str, region: str) -> str:
    try:
        catalog = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CommandError(f"政策目录不是有效的 YAML，未写入任何数据：{exc}") from exc
    if not isinstance(catalog, dict) or not isinstance(catalog.get("policies"), list):
        raise CommandError("政策目录格式有误（缺少 policies 列表），未写入任何数据。")
    for policy in catalog["policies"]:
        if isinstance(policy, dict):
            policy["region"] = region
    return yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False)
