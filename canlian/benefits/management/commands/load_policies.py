"""manage.py load_policies FILE — load a policy catalog (YAML) into the database.

All-or-nothing and idempotent (catalog.policies_load): a file with any error writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.benefits.catalog import policies_load
from canlian.core.errors import DomainError


class Command(BaseCommand):
    help = "导入政策目录文件（YAML）。有任何错误则不写入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 {file}") from exc
        except (UnicodeDecodeError, IsADirectoryError) as exc:
            raise CommandError(f"无法读取文件 {file}（应为 UTF-8 编码的 YAML 文本）") from exc
        try:
            result = policies_load(actor=None, text=text)
        except DomainError as exc:
            raise CommandError(f"政策目录有误，未写入任何数据：{exc.message}") from exc
        self.stdout.write(f"政策目录导入完成：新增 {result.created}，更新 {result.updated}，"
                          f"未变化 {result.unchanged}。")
