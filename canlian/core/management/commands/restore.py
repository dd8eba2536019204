"""manage.py restore FILE — put a backup (manage.py backup) into an empty database, after
checking that the configured keys are the backup's (core.backups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = ("从备份文件恢复到空数据库；数据库类型或密钥与备份时不同则拒绝；已有数据须加 --force。"
            "恢复后按清单核对各表行数。请先停止网站和后台任务。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true",
                            help="数据库已有数据时仍然恢复（用备份覆盖现有全部数据）")

    def handle(self, *args: Any, file: Path, force: bool, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"找不到备份文件 {file}")
        try:
            info = backup_restore(file, force=force)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(info["rows"].values())
        self.stdout.write(f"恢复完成：{info['created_at']} 的备份，{len(info['rows'])} 张表、"
                          f"{rows} 行，各表行数与备份清单一致。")
