"""Background jobs of cross-checks: a list's import (with progress, error report) and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from canlian.benefits.months import parse_month
from canlian.core.exports import export_path, queryset_export, xlsx_write
from canlian.core.idnumbers import mask_id_number
from canlian.core.models import TaskRun, User
from canlian.core.tables import ImportFileError, TableLimits, read_table
from canlian.core.taskruns import (
    task_run_create,
    task_run_failed,
    task_run_progress,
    task_run_rejected,
    task_run_started,
    task_run_succeeded,
)
from canlian.crosscheck.datasets import ImportReport, dataset_import
from canlian.crosscheck.models import DatasetKind, Finding, FindingKind
from canlian.crosscheck.presentation import finding_action, finding_evidence
from canlian.crosscheck.selectors import FindingFilter, findings_for
from canlian.crosscheck.services import findings_confirm_class

# Departments' lists are bigger than one township's registry file: up to 200 MB (a CSV of a
# province's 低保 roll); rows are streamed into the staging table in chunks.
MAX_LIST_BYTES = 200 * 1024 * 1024
# A list of up to a million persons; the rectangle calamine may build is at most 1,000,001 × 32
# cells (≈ 1 GB, in the task worker), however a file is crafted (issue 17 §2).
LIST_LIMITS = TableLimits(label="部门数据导入", max_bytes=MAX_LIST_BYTES, max_rows=1_000_000,
                          max_columns=32, max_unpacked_bytes=2048 * 1024 * 1024)
EXPORT_HEADERS = ("发现类型", "乡镇（街道）", "区划代码", "姓名", "身份证号", "依据", "建议处理",
                  "状态", "处理说明")


def upload_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / name


def dataset_import_start(*, actor: User, path: Path, filename: str, kind: str, source: str,
                         month: str) -> TaskRun:
    from canlian.crosscheck.tasks import run_dataset_import

    with transaction.atomic():
        return task_run_create(
            actor=actor, kind="crosscheck_import",
            title=f"导入比对数据：{DatasetKind(kind).label}",
            params={"path": str(path), "filename": filename, "kind": kind, "source": source,
                    "month": month},
            enqueue=lambda run_id: run_dataset_import.enqueue(run_id))


def error_report_write(path: Path, *, actor: User, report: ImportReport) -> None:
    headers = ["行号", "列", "错误说明", *[str(h) for h in report.header]]
    rows = ([e.row, e.column or "整行", e.message,
             *[mask_id_number(str(c)) if "身份证号" in str(report.header[i]) else c
               for i, c in enumerate(report.source_rows.get(e.row, []))
               if i < len(report.header)]]
            for e in report.errors)
    file_rows = (["", "文件", message] for message in report.file_errors)
    xlsx_write(path, actor=actor, title="导入错误清单", headers=headers,
               rows=[*file_rows, *rows])


def _message(report: ImportReport) -> str:
    if report.file_errors:
        return "文件无法导入：" + "；".join(report.file_errors)
    if not report.written:
        return (f"未导入任何数据：{report.rows} 行中有错误 {report.rejected} 行。"
                "请下载错误清单，修改后重新导入。")
    return (f"导入完成：{report.rows} 行，匹配基础库 {report.matched} 人，疑似匹配 "
            f"{report.candidates} 条，新增发现 {sum(report.added.values())} 条。")


def dataset_import_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    actor, params = run.created_by, run.params
    try:
        try:
            header, rows = read_table(Path(params["path"]), filename=params["filename"],
                                      limits=LIST_LIMITS)
        except ImportFileError as exc:
            report = ImportReport(file_errors=[exc.message])
        else:
            task_run_started(run, total=len(rows))
            report = dataset_import(
                actor=actor, kind=params["kind"], source=params["source"],
                filename=params["filename"], header=header, rows=rows,
                reference_month=parse_month(params["month"]) if params.get("month") else None,
                on_progress=lambda n: task_run_progress(run, done=n))
        error_file = ""
        if report.errors or report.file_errors:
            error_path = export_path(run)
            error_report_write(error_path, actor=actor, report=report)
            error_file = str(error_path)
        result: dict[str, Any] = report.as_json()
        result["errors"] = len(report.errors)  # the file has them; the record keeps counts
        # Nothing written: 未通过检查, never 已完成 100 % (issue 16 §13).
        (task_run_succeeded if report.written else task_run_rejected)(
            run, message=_message(report), result_file=error_file,
            result_name=f"导入错误清单_{timezone.localtime():%Y%m%d%H%M}.xlsx", result=result,
            **({"result_url": reverse("crosscheck:dataset_detail", args=[report.dataset_id]),
                "result_label": "查看本批比对数据"} if report.written else
               {"result_url": reverse("crosscheck:dataset_import"),
                "result_label": "返回导入比对数据"}))
    except Exception:
        task_run_failed(run, message="导入失败，未写入任何数据。请稍后重试或联系系统管理员。")
        raise
    finally:
        Path(params["path"]).unlink(missing_ok=True)


# ---------------------------------------------------------------- export

def findings_export_start(*, actor: User, filters: FindingFilter) -> TaskRun:
    from canlian.crosscheck.tasks import run_findings_export

    with transaction.atomic():
        return task_run_create(actor=actor, kind="crosscheck_export", title="导出比对发现",
                               params=filters.as_params(),
                               enqueue=lambda run_id: run_findings_export.enqueue(run_id))


def _export_row(f: Finding) -> list[Any]:
    number = f.person.id_number if f.person is not None else f.row.id_number
    return [f.get_kind_display(), getattr(f, "township_name", "") or "", f.region_code,
            f.person.name if f.person is not None else f.row.name, mask_id_number(number),
            "；".join(finding_evidence(f)), finding_action(f), f.get_status_display(),
            f.decision_note]


def findings_export_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    queryset_export(
        run, queryset=findings_for(actor=run.created_by,
                                   filters=FindingFilter.from_params(run.params)),
        title="比对发现", headers=EXPORT_HEADERS, to_row=_export_row,
        object_type="crosscheck.finding", summary="导出比对发现 {count} 条（脱敏）",
        message="已导出 {count} 条（身份证号已脱敏）。")


# ---------------------------------------------------------------- class confirmation

def confirm_class_start(*, actor: User, kind: str) -> TaskRun:
    from canlian.crosscheck.tasks import run_confirm_class

    with transaction.atomic():
        return task_run_create(actor=actor, kind="crosscheck_confirm_class",
                               title=f"按类别批量确认：{FindingKind(kind).label}",
                               params={"kind": kind},
                               enqueue=lambda run_id: run_confirm_class.enqueue(run_id))


def confirm_class_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    try:
        outcome = findings_confirm_class(
            actor=run.created_by, kind=run.params["kind"],
            on_start=lambda total: task_run_started(run, total=total),
            on_progress=lambda done: task_run_progress(run, done=done))
        note = (f"，{len(outcome.failed)} 条未能处理（请逐条查看原因）" if outcome.failed
                else "")
        task_run_succeeded(run, message=f"已批量确认 {outcome.confirmed} 条{note}。",
                           result_url=reverse("crosscheck:finding_list"),
                           result_label="查看比对发现",
                           result={"confirmed": outcome.confirmed,
                                   "failed": [f for f, _ in outcome.failed][:1000]})
    except Exception:
        task_run_failed(run, message="批量确认中断；已确认的各条已生效，请刷新后查看。")
        raise
