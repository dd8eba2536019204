"""manage.py export_policies [FILE] — the policy catalog in the load_policies format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.benefits.catalog import policies_export
from canlian.core.errors import DomainError


class Command(BaseCommand):
    help = "导出政策目录（YAML），可用 load_policies 重新导入。不指定文件则输出到屏幕。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?")

    def handle(self, *args: Any, file: Path | None, **options: Any) -> None:
        try:
            text = policies_export()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if file is None:
            self.stdout.write(text, ending="")
            return
        try:
            file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入文件 {file}") from exc
        self.stdout.write(f"已导出政策目录到 {file}")
