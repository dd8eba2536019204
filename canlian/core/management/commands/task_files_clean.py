"""manage.py task_files_clean — remove expired import uploads and export files now (every task
worker also does it hourly; docs/operations.md "Background tasks")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from canlian.core.taskfiles import task_files_clean


class Command(BaseCommand):
    help = "清理已结束或已放弃任务的导入文件与过期导出文件。"

    def handle(self, *args: Any, **options: Any) -> None:
        removed = task_files_clean()
        self.stdout.write(f"已清理导入文件 {removed['imports']} 个，"
                          f"导出文件 {removed['exports']} 个。")
