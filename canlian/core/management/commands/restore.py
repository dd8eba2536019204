"""manage.py restore FILE — put a backup (manage.py backup) into an empty database, after
checking that the configured keys are the backup's (core.backups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "从备份文件恢复到空数据库；密钥与备份时不同则拒绝。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"找不到备份文件 {file}")
        try:
            info = backup_restore(file)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(info["rows"].values())
        self.stdout.write(f"恢复完成：{info['created_at']} 的备份，{rows} 行。")
