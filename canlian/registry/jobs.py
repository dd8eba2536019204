"""Background jobs of the registry: the filtered-list export and the file import."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from canlian.core import audit
from canlian.core.exports import export_path, queryset_export
from canlian.core.idnumbers import mask_certificate_number, mask_id_number, mask_phone
from canlian.core.models import AuditAction, TaskRun, User
from canlian.core.taskruns import (
    task_run_create,
    task_run_failed,
    task_run_rejected,
    task_run_started,
    task_run_succeeded,
)
from canlian.registry.importing import (
    MAX_BYTES,
    ImportFileError,
    ImportReport,
    import_rows,
    read_table,
)
from canlian.registry.models import Person
from canlian.registry.selectors import PersonFilter, persons_for
from canlian.registry.workbook import error_file_write

MAX_UPLOAD_BYTES = MAX_BYTES
EXPORT_HEADERS = ("姓名", "性别", "出生日期", "身份证号", "户籍地", "残疾类别", "残疾等级",
                  "残疾人证号", "证件状态", "有效期至", "联系电话", "生存状态")


# ---------------------------------------------------------------- export

def persons_export_start(*, actor: User, filters: PersonFilter) -> TaskRun:
    from canlian.registry.tasks import run_persons_export

    title = "导出残疾人及户内成员名单" if filters.members else "导出残疾人名单"
    with transaction.atomic():
        return task_run_create(actor=actor, kind="registry_export", title=title,
                               params=asdict(filters),
                               enqueue=lambda run_id: run_persons_export.enqueue(run_id))


def _category_cell(p: Person) -> str:
    if p.category:
        return p.get_category_display()
    return "" if p.is_disabled else "户内成员（无残疾）"


def _export_row(p: Person) -> list[Any]:
    # Masked by default (DOMAIN.md §7.2): an export leaves the system's protection.
    return [p.name, p.get_sex_display(), p.birth_date.isoformat(), mask_id_number(p.id_number),
            p.region.name, _category_cell(p),
            p.get_grade_display() if p.grade else "",
            mask_certificate_number(p.certificate_number), p.get_certificate_status_display(),
            p.certificate_valid_until.isoformat() if p.certificate_valid_until else "",
            mask_phone(p.phone), p.get_living_status_display()]


def persons_export_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    filters = PersonFilter(**run.params)
    # The title says which population the file holds (issue 16 §6).
    title = "残疾人及户内成员名单" if filters.members else "残疾人名单"
    queryset_export(
        run, queryset=persons_for(actor=run.created_by, filters=filters),
        title=title, headers=EXPORT_HEADERS, to_row=_export_row,
        object_type="registry.person", summary=f"导出{title} {{count}} 人（脱敏）",
        message="已导出 {count} 人（证件号码已脱敏）。",
    )


# ---------------------------------------------------------------- import

def import_upload_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / name


def persons_import_start(*, actor: User, path: Path, filename: str, mode: str) -> TaskRun:
    from canlian.registry.tasks import run_persons_import

    titles = {"preview": "检查导入文件（预览）", "all": "导入残疾人信息",
              "valid_only": "导入残疾人信息（仅正确行）"}
    with transaction.atomic():
        return task_run_create(
            actor=actor, kind="registry_import", title=titles[mode],
            params={"path": str(path), "filename": filename, "mode": mode},
            enqueue=lambda run_id: run_persons_import.enqueue(run_id))


def persons_import_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    actor, params = run.created_by, run.params
    try:
        try:
            header, rows = read_table(Path(params["path"]), filename=params["filename"])
        except ImportFileError as exc:
            report = ImportReport(file_errors=[exc.message])
        else:
            task_run_started(run, total=len(rows))
            report = import_rows(actor=actor, header=header, rows=rows,
                                 valid_only=params["mode"] == "valid_only",
                                 dry_run=params["mode"] == "preview")
        error_file = ""
        if report.errors or report.file_errors:
            error_path = export_path(run)
            error_file_write(error_path, actor=actor, report=report)
            error_file = str(error_path)
        with transaction.atomic():
            if report.written:
                audit.audit_record(actor=actor, action=AuditAction.IMPORT,
                                   object_type="registry.person", region_code=actor.region_id,
                                   summary=f"导入残疾人信息：{params['filename']}"[:200],
                                   changes=report.as_json() | {"errors": len(report.errors)})
            # Nothing written because of errors: 未通过检查, never 已完成 100 % (issue 16 §13).
            rejected = not report.written and params["mode"] != "preview"
            (task_run_rejected if rejected else task_run_succeeded)(
                run, message=_import_message(report, params["mode"]), result_file=error_file,
                result_name=f"导入错误清单_{timezone.localtime():%Y%m%d%H%M}.xlsx",
                result=report.as_json(),
                **_next_page(run, report))
    except Exception:
        task_run_failed(run, message="导入失败，未写入任何数据。请稍后重试或联系系统管理员。")
        raise
    finally:
        Path(params["path"]).unlink(missing_ok=True)


def _next_page(run: TaskRun, report: ImportReport) -> dict[str, str]:
    """Where the task page leads: the bad rows with their messages when there are any
    (registry:import_result, issue 16 §7), else the list after a write, else the import."""
    if report.errors or report.file_errors:
        return {"result_url": reverse("registry:import_result", args=[run.pk]),
                "result_label": f"查看有错误的行（{report.rejected} 行）" if report.rejected
                else "查看文件问题"}
    if report.written:
        return {"result_url": reverse("registry:person_list"), "result_label": "查看残疾人名单"}
    return {"result_url": reverse("registry:person_import"), "result_label": "返回批量导入"}


def _import_message(report: ImportReport, mode: str) -> str:
    if report.file_errors:
        return "文件无法导入：" + "；".join(report.file_errors)
    counts = (f"新增 {report.created} 人，更新 {report.updated} 人，未变化 {report.unchanged} 人，"
              f"有错误 {report.rejected} 行")
    if mode == "preview":
        return f"检查完成（未写入）：如导入将{counts}。"
    if report.written:
        return f"导入完成：{counts}" + ("，错误行未导入，请下载错误清单修改。" if report.rejected
                                       else "。")
    return f"未导入任何数据：{counts}。请下载错误清单，修改后重新导入。"
