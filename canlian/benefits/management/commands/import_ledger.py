"""manage.py import_ledger FILE --user USERNAME [--dry-run] [--json] — import past years'
ledgers (历史台账, XLSX or CSV) as the page does: all-or-nothing, idempotent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.benefits.ledger import TABLE_LIMITS, ledger_import
from canlian.core.models import User
from canlian.core.tables import ImportFileError, read_table


class Command(BaseCommand):
    help = "导入历史台账（XLSX 或 CSV）。全部正确才写入；--dry-run 只检查。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True,
                            help="导入人账户（按其管辖范围匹配残疾人）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="以 JSON 输出结果")

    def handle(self, *args: Any, file: Path, user: str, dry_run: bool, as_json: bool,
               **options: Any) -> None:
        actor = User.objects.select_related("region").filter(username=user,
                                                             is_active=True).first()
        if actor is None:
            raise CommandError(f"账户“{user}”不存在或已停用。")
        try:
            header, rows = read_table(file, limits=TABLE_LIMITS)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 {file}") from exc
        except ImportFileError as exc:
            if as_json:
                self._print_json({"created": 0, "updated": 0, "unchanged": 0, "rejected": 0,
                                  "errors": [{"row": 0, "column": "", "message": exc.message}]})
            raise CommandError(exc.message) from exc
        report = ledger_import(actor=actor, header=header, rows=rows, dry_run=dry_run)
        result = report.as_json()
        if as_json:
            self._print_json(result)
        else:
            for error in result["errors"]:
                self.stderr.write(f"第 {error['row']} 行 {error['column']}：{error['message']}")
            verb = "检查完成（未写入）" if dry_run or report.errors else "导入完成"
            self.stdout.write(f"{verb}：新增 {report.created}，更新 {report.updated}，"
                              f"未变化 {report.unchanged}，错误 {result['rejected']} 行。")
        if report.errors:
            raise CommandError("有错误，未写入任何数据。")

    def _print_json(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
