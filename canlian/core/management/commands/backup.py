"""manage.py backup FILE — the whole database and a manifest in one file (core.backups).

Schedule it (cron or a systemd timer) and keep the files, and separately the keys, as
docs/operations.md “备份与恢复” says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.backups import BackupError, backup_write


class Command(BaseCommand):
    help = "备份整个数据库（SQLite 在线备份 / PostgreSQL pg_dump）并附清单；不含密钥。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            info = backup_write(file)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"备份完成：{file}（{info['vendor']}，{len(info['rows'])} 张表，"
                          f"{sum(info['rows'].values())} 行）。密钥未写入备份，请另行保管。")
