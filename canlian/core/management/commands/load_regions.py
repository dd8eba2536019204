"""manage.py load_regions FILE.csv — load or update administrative divisions, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.regions import regions_load_csv


class Command(BaseCommand):
    help = "从 CSV（列：code,name,level,parent_code）导入行政区划；有任何错误则不导入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args: Any, csv_file: Path, **options: Any) -> None:
        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {csv_file}：请确认文件存在且为 UTF-8 编码。") from exc
        result = regions_load_csv(text)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"发现 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(
            f"导入完成：新增 {result.created} 条，更新 {result.updated} 条，"
            f"未变化 {result.unchanged} 条。"
        )
