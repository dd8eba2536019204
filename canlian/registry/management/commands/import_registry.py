"""manage.py import_registry FILE [--dry-run] [--valid-only] [--json] — the page's import from
the command line (run by the operator for the whole database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.registry.importing import ImportFileError, import_rows, read_table


class Command(BaseCommand):
    help = "导入残疾人信息（XLSX 或 CSV）。默认全部正确才写入；--valid-only 只写入正确的行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--valid-only", action="store_true", help="只导入正确的行")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="以 JSON 输出结果")

    def handle(self, *args: Any, file: Path, dry_run: bool, valid_only: bool, as_json: bool,
               **options: Any) -> None:
        try:
            header, rows = read_table(file)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 {file}") from exc
        except ImportFileError as exc:
            if as_json:
                self._print_json({"written": False, "created": 0, "updated": 0, "unchanged": 0,
                                  "rejected": 0,
                                  "errors": [{"row": 0, "column": "", "message": exc.message}]})
            raise CommandError(exc.message) from exc
        report = import_rows(actor=None, header=header, rows=rows, valid_only=valid_only,
                             dry_run=dry_run)
        result = report.as_json()
        result["errors"] = ([{"row": 0, "column": "", "message": m} for m in report.file_errors]
                            + result["errors"])
        if as_json:
            # written: the rows were applied and the counts are what was written; false for
            # --dry-run or when errors stopped the import, and the counts are what would be.
            self._print_json({k: result[k] for k in
                              ("written", "created", "updated", "unchanged", "rejected",
                               "errors")})
        else:
            for error in result["errors"]:
                where = f"第 {error['row']} 行 {error['column']}" if error["row"] else "文件"
                self.stderr.write(f"{where}：{error['message']}")
            verb = "检查完成（未写入）" if dry_run or not report.written else "导入完成"
            self.stdout.write(f"{verb}：新增 {report.created}，更新 {report.updated}，"
                              f"未变化 {report.unchanged}，错误 {report.rejected} 行。")
        if (report.errors or report.file_errors) and not report.written:
            raise CommandError("有错误，未写入任何数据。")

    def _print_json(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
