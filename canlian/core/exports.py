"""Excel exports: watermarked with who exported and when, audited, written in the background.

DESIGN.md "Security": exports are watermarked with user and time and each one is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from canlian.core import audit
from canlian.core.auditview import NO_REQUEST, object_type_label
from canlian.core.models import AuditAction, AuditEvent, TaskRun, User
from canlian.core.selectors import AuditFilter, audit_events_for
from canlian.core.taskruns import (
    task_run_create,
    task_run_failed,
    task_run_progress,
    task_run_started,
    task_run_succeeded,
)

PROGRESS_EVERY = 1000
READ_CHUNK = 500  # rows per read; well under SQLite's bound-parameter limit


def rows_in_chunks(queryset: QuerySet[Any], *, chunk_size: int = READ_CHUNK) -> Iterator[Any]:
    """The queryset's objects in its order, read in short separate statements.

    A streaming cursor (`.iterator()`) keeps one read open for the whole export. On SQLite that
    pins the connection's snapshot, so its own progress write fails with "database is locked" as
    soon as anyone else has written (issue 16 §1). Here the ids are read first, then the rows
    by chunks of ids; nothing is open between chunks. A row deleted meanwhile is skipped.
    """
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        by_id = {obj.pk: obj for obj in queryset.filter(pk__in=chunk).order_by()}
        for pk in chunk:
            if pk in by_id:
                yield by_id[pk]


def watermark_text(actor: User) -> str:
    now = timezone.localtime()
    return (
        f"导出人：{actor.name}（{actor.username}） 导出时间：{now:%Y-%m-%d %H:%M} "
        "内部资料 注意保密"
    )


def xlsx_write(
    path: Path,
    *,
    actor: User,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_row: Any = None,
) -> int:
    """Write one sheet; the watermark is on the sheet itself and on every printed page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True})
    mark = watermark_text(actor)
    sheet.write(0, 0, title, bold)
    sheet.write(1, 0, mark)
    for col, header in enumerate(headers):
        sheet.write(2, col, header, bold)
    sheet.set_header(f"&L{title}&R{mark}")
    sheet.set_footer("&C第 &P 页 / 共 &N 页")
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write_string(3 + count - 1, col, "" if value is None else str(value))
        if on_row is not None and count % PROGRESS_EVERY == 0:
            on_row(count)
    workbook.close()
    return count


def export_path(run: TaskRun, suffix: str = ".xlsx") -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / f"{run.pk}{suffix}"


# ---------------------------------------------------------------- audit-log export

AUDIT_HEADERS = ("时间", "操作人账号", "操作", "结果", "对象类型", "对象编号", "所属区划",
                 "说明", "变更内容", "IP 地址")


def audit_export_start(*, actor: User, filters: AuditFilter) -> TaskRun:
    from canlian.core.tasks import run_audit_export

    params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(filters).items()}
    with transaction.atomic():
        return task_run_create(
            actor=actor, kind="audit_export", title="导出审计日志", params=params,
            enqueue=lambda run_id: run_audit_export.enqueue(run_id),
        )


def _audit_row(event: AuditEvent) -> list[Any]:
    return [
        f"{timezone.localtime(event.at):%Y-%m-%d %H:%M:%S}",
        event.actor_username,
        event.get_action_display(),
        "成功" if event.success else "失败",
        object_type_label(event.object_type) if event.object_type else "",
        event.object_id,
        event.region_code,
        event.summary,
        "; ".join(event.change_lines),
        event.ip_address or NO_REQUEST,
    ]


def audit_export_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    params = dict(run.params)
    for key in ("date_from", "date_to"):
        params[key] = date.fromisoformat(params[key]) if params.get(key) else None
    queryset_export(
        run, queryset=audit_events_for(actor=run.created_by, filters=AuditFilter(**params)),
        title="审计日志", headers=AUDIT_HEADERS, to_row=_audit_row,
        object_type="core.auditevent", summary="导出审计日志 {count} 条",
        message="已导出 {count} 条记录。",
    )


def queryset_export(run: TaskRun, *, queryset: QuerySet[Any], title: str,
                    headers: Sequence[str], to_row: Callable[[Any], Sequence[Any]],
                    object_type: str, summary: str, message: str) -> None:
    """The body of every list export task: write the rows to a watermarked XLSX with progress,
    audit the export and finish the run in one transaction. `summary` and `message` may use
    `{count}`."""
    actor = run.created_by
    try:
        task_run_started(run, total=queryset.count())
        path = export_path(run)
        count = xlsx_write(
            path, actor=actor, title=title, headers=headers,
            rows=(to_row(obj) for obj in rows_in_chunks(queryset)),
            on_row=lambda n: task_run_progress(run, done=n),
        )
        with transaction.atomic():
            audit.audit_record(
                actor=actor, action=AuditAction.EXPORT, object_type=object_type,
                region_code=actor.region_id, summary=summary.format(count=count),
                changes={"filters": run.params, "rows": count},
            )
            task_run_succeeded(
                run, message=message.format(count=count), result_file=str(path),
                result_name=f"{title}_{timezone.localtime():%Y%m%d%H%M}.xlsx",
            )
    except Exception:
        task_run_failed(run, message="导出失败，请稍后重试；如仍失败请联系系统管理员。")
        raise
