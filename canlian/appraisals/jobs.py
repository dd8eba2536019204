"""The quarter's payment list (补贴发放名单) as a watermarked, audited XLSX, written in the
background (canlian.core.exports): one row per officer with the score, tier and amount, and
the total."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from canlian.appraisals.models import AppraisalQuarter, AppraisalResult
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.exports import export_path, xlsx_write
from canlian.core.models import AuditAction, TaskRun, User
from canlian.core.taskruns import (
    task_run_create,
    task_run_failed,
    task_run_started,
    task_run_succeeded,
)

PAYMENT_HEADERS = ("序号", "乡镇（街道）", "村（社区）", "姓名", "考核得分", "档次",
                   "发放比例（%）", "补贴金额（元）", "备注")


def payment_list_export_start(*, actor: User, quarter: AppraisalQuarter) -> TaskRun:
    if not quarter.is_finalized:
        raise DomainError("not_finalized", "考核结果定稿后才能导出补贴发放名单。")
    from canlian.appraisals.tasks import run_payment_list_export

    with transaction.atomic():
        return task_run_create(
            actor=actor, kind="appraisal_payment_list",
            title=f"导出{quarter.period.label}专职委员补贴发放名单",
            params={"quarter_id": quarter.pk},
            enqueue=lambda run_id: run_payment_list_export.enqueue(run_id))


def _note(result: AppraisalResult) -> str:
    appeal = getattr(result, "appeal", None)
    if result.is_adjusted and appeal is not None:
        return f"申诉成立，原得分 {appeal.score_before}"
    return ""


def payment_rows(quarter: AppraisalQuarter) -> list[list[Any]]:
    results = (quarter.results.select_related("region__parent", "appeal")
               .order_by("region_id", "name", "pk"))
    rows: list[list[Any]] = []
    total = Decimal(0)
    for n, result in enumerate(results, start=1):
        township = result.region.parent.name if result.region.parent else ""
        rows.append([n, township, result.region.name, result.name, result.score,
                     result.tier_label, result.tier_percent, result.amount, _note(result)])
        total += result.amount
    rows.append(["合计", "", "", f"{len(rows)} 人", "", "", "", f"{total:.2f}", ""])
    return rows


def payment_list_export_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    actor = run.created_by
    try:
        quarter = AppraisalQuarter.objects.visible_to(actor).select_related("county").get(
            pk=run.params["quarter_id"])
        rows = payment_rows(quarter)
        task_run_started(run, total=len(rows))
        path = export_path(run)
        title = f"{quarter.county.name}{quarter.period.label}专职委员补贴发放名单"
        count = xlsx_write(path, actor=actor, title=title, headers=PAYMENT_HEADERS, rows=rows)
        with transaction.atomic():
            audit.audit_record(actor=actor, action=AuditAction.EXPORT, obj=quarter,
                               region_code=quarter.county_id,
                               summary=f"导出{quarter.period.label}专职委员补贴发放名单",
                               changes={"rows": count - 1,
                                        "total_amount": str(quarter.total_amount)})
            task_run_succeeded(run, message=f"已导出 {count - 1} 名专职委员，合计 "
                                            f"{quarter.total_amount} 元。",
                               result_file=str(path),
                               result_name=f"{title}_{timezone.localtime():%Y%m%d%H%M}.xlsx")
    except Exception:
        task_run_failed(run, message="导出失败，请稍后重试；如仍失败请联系系统管理员。")
        raise
