"""manage.py crosscheck --kind {deaths,moves,dibao,mental,orphans,injury} FILE [--json]
— import a department's list, match it against the registry and list the findings (issue #8 §4).

An operator command run as a county staff user (`--user`, default the first county staff
account): with --json the findings carry full ID numbers, for the county's own systems; the
import is audited like the page's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.benefits.management.commands.run_eligibility import _actor
from canlian.benefits.months import parse_month
from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.core.tables import ImportFileError, read_table
from canlian.crosscheck.datasets import ImportReport, dataset_import
from canlian.crosscheck.findings import findings_supported_by
from canlian.crosscheck.jobs import LIST_LIMITS
from canlian.crosscheck.models import Dataset, DatasetKind, MatchCandidate
from canlian.crosscheck.selectors import candidates_for


class Command(BaseCommand):
    help = "导入部门数据（死亡、迁出、低保特困、严重精神障碍、孤儿、工伤护理费）并与基础库比对。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=DatasetKind.values,
                            help="数据类型")
        parser.add_argument("file", help="XLSX 或 CSV 文件")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="以 JSON 输出（含完整身份证号）")
        parser.add_argument("--source", default="", help="数据来源单位，如 县民政局")
        parser.add_argument("--month", default=None, help="比对月份 YYYY-MM，默认本月")
        parser.add_argument("--user", default=None, help="以该县残联工作人员身份运行")

    def handle(self, *args: Any, kind: str, file: str, as_json: bool, source: str,
               month: str | None, user: str | None, **options: Any) -> None:
        actor = _actor(user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            reference = parse_month(month) if month else None
            header, rows = read_table(path, limits=LIST_LIMITS)
            report = dataset_import(actor=actor, kind=kind, filename=path.name,
                                    source=source or DatasetKind(kind).label, header=header,
                                    rows=rows, reference_month=reference)
        except (ImportFileError, DomainError) as exc:
            raise CommandError(exc.message) from exc
        if as_json:
            self.stdout.write(json.dumps(self._result(report, actor), ensure_ascii=False))
        else:
            self._summary(report)
        if not report.written:
            raise CommandError(f"文件未导入：有错误 {report.rejected} 行"
                               + ("；" + "；".join(report.file_errors) if report.file_errors
                                  else ""))

    def _result(self, report: ImportReport, actor: User) -> dict[str, Any]:
        result: dict[str, Any] = {"rows": report.rows, "matched": report.matched,
                                  "rejected": report.rejected, "findings": [],
                                  "candidate_count": 0, "candidates": []}
        if not report.written:
            result["errors"] = [{"row": e.row, "column": e.column, "message": e.message}
                                for e in report.errors] + [
                {"row": None, "column": "", "message": m} for m in report.file_errors]
            return result
        dataset = Dataset.objects.get(pk=report.dataset_id)
        findings = (findings_supported_by(dataset).select_related("person", "row")
                    .order_by("kind", "pk"))
        result["findings"] = [
            {"kind": f.kind,
             "id_number": f.person.id_number if f.person is not None else f.row.id_number,
             "detail": f.detail}
            for f in findings.iterator(chunk_size=2000)]
        result["candidate_count"] = report.candidates
        candidates = (candidates_for(actor).filter(row__dataset=dataset)
                      .order_by("row__row_number", "pk"))
        result["candidates"] = [_candidate(c) for c in candidates.iterator(chunk_size=2000)]
        return result

    def _summary(self, report: ImportReport) -> None:
        self.stdout.write(f"共 {report.rows} 行，匹配 {report.matched} 人，疑似匹配 "
                          f"{report.candidates} 条，有错误 {report.rejected} 行")
        for error in report.errors[:50]:
            self.stdout.write(f"  第 {error.row} 行 {error.column or '整行'}：{error.message}")
        for message in report.file_errors:
            self.stdout.write(f"  文件：{message}")
        for kind, count in report.added.items():
            if count:
                self.stdout.write(f"  新增发现 {kind}: {count}")


def _candidate(candidate: MatchCandidate) -> dict[str, Any]:
    """A near match: the list's row and ID number, the registry person's ID number (the same
    name), and the characters that differ (1-based positions)."""
    listed, registered = candidate.row.id_number, candidate.person.id_number
    return {"row": candidate.row.row_number, "name": candidate.row.name,
            "list_id_number": listed, "registry_id_number": registered,
            "reason": candidate.reason, "status": candidate.status,
            "differs": [{"position": n + 1, "list": a, "registry": b}
                        for n, (a, b) in enumerate(zip(listed, registered, strict=False))
                        if a != b]}
