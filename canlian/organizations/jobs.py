"""Background exports of the organisation system: the coverage gaps and the post holders.
Both are watermarked and audited through canlian.core.exports."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from canlian.core import audit
from canlian.core.exports import export_path, queryset_export, xlsx_write
from canlian.core.idnumbers import mask_phone
from canlian.core.models import AuditAction, TaskRun, User
from canlian.core.taskruns import (
    task_run_create,
    task_run_failed,
    task_run_started,
    task_run_succeeded,
)
from canlian.organizations.models import PostHolding
from canlian.organizations.selectors import Coverage, coverage_for, holdings_for

COVERAGE_HEADERS = ("乡镇（街道）", "村（社区）", "层级", "组织已建", "主席/理事长", "专职委员",
                    "缺项", "本乡镇覆盖率（%）")
HOLDER_HEADERS = ("组织区划代码", "组织类型", "组织名称", "职务", "姓名", "联系电话",
                  "人员所在区划代码", "任职起始日期", "任职终止日期", "是否残疾人",
                  "是否残疾人亲友", "是否自强模范", "是否基层一线", "是否农村", "是否助残志愿者")


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def coverage_rows(coverage: Coverage) -> list[list[Any]]:
    """One row per township and per village, with what is missing (empty when complete)."""
    rows: list[list[Any]] = []
    for township in coverage.townships:
        share = township.percent
        if township.in_scope:
            rows.append([township.name, "", "乡镇（街道）残联", _yes(township.has_unit),
                         _yes(township.has_chair), _yes(township.has_liaison),
                         "、".join(township.missing) or "齐全",
                         "" if share is None else str(share)])
        for village in township.villages:
            rows.append([township.name, village.name, "村（社区）残协", _yes(village.has_unit),
                         _yes(village.has_chair), _yes(village.has_liaison),
                         "、".join(village.missing) or "齐全",
                         "" if share is None else str(share)])
    return rows


def coverage_export_start(*, actor: User, on: date) -> TaskRun:
    from canlian.organizations.tasks import run_coverage_export

    with transaction.atomic():
        return task_run_create(actor=actor, kind="org_coverage_export", title="导出组织覆盖情况",
                               params={"on": on.isoformat()},
                               enqueue=lambda run_id: run_coverage_export.enqueue(run_id))


def coverage_export_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    actor = run.created_by
    try:
        coverage = coverage_for(actor=actor, on=date.fromisoformat(run.params["on"]))
        rows = coverage_rows(coverage)
        task_run_started(run, total=len(rows))
        path = export_path(run)
        title = f"组织覆盖情况（{coverage.on:%Y-%m-%d}，总覆盖率 {coverage.percent or 0}%）"
        count = xlsx_write(path, actor=actor, title=title, headers=COVERAGE_HEADERS, rows=rows)
        with transaction.atomic():
            audit.audit_record(actor=actor, action=AuditAction.EXPORT,
                               object_type="organizations.coverage",
                               region_code=actor.region_id,
                               summary=f"导出组织覆盖情况 {count} 行",
                               changes={"on": run.params["on"], "rows": count})
            task_run_succeeded(run, message=f"已导出 {count} 行（乡镇、村各一行）。",
                               result_file=str(path),
                               result_name=f"组织覆盖情况_{timezone.localtime():%Y%m%d%H%M}.xlsx")
    except Exception:
        task_run_failed(run, message="导出失败，请稍后重试；如仍失败请联系系统管理员。")
        raise


def holders_export_start(*, actor: User, on: date | None) -> TaskRun:
    from canlian.organizations.tasks import run_holders_export

    with transaction.atomic():
        return task_run_create(actor=actor, kind="org_holders_export", title="导出任职名单",
                               params={"on": on.isoformat() if on else ""},
                               enqueue=lambda run_id: run_holders_export.enqueue(run_id))


def _holder_row(h: PostHolding) -> list[Any]:
    m = h.member
    # Masked (DOMAIN.md §7.2): an export leaves the system's protection.
    return [h.unit.region_id, h.unit.get_kind_display(), h.unit.name, h.get_post_display(),
            m.name, mask_phone(m.phone), m.region_id, h.started_on.isoformat(),
            h.ended_on.isoformat() if h.ended_on else "", _yes(m.is_disabled),
            _yes(m.is_relative), _yes(m.is_role_model), _yes(m.is_grassroots),
            _yes(m.is_rural), _yes(m.is_volunteer)]


def holders_export_run(*, task_run_id: str) -> None:
    run = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    on = date.fromisoformat(run.params["on"]) if run.params.get("on") else None
    queryset_export(
        run, queryset=holdings_for(actor=run.created_by, on=on), title="任职名单",
        headers=HOLDER_HEADERS, to_row=_holder_row, object_type="organizations.postholding",
        summary="导出任职名单 {count} 条（电话脱敏）",
        message="已导出 {count} 条任职记录（电话已脱敏）。")
