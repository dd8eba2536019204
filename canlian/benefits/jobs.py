"""Background jobs of benefits: eligibility run, payroll generation, gap lists, bank files."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from canlian.benefits.eligibility import eligibility_run_execute, eligibility_run_start
from canlian.benefits.models import (
    EligibilityGap,
    EligibilityRun,
    GapKind,
    LineStatus,
    PaymentAccount,
    PayrollBatch,
    Policy,
)
from canlian.benefits.payroll import blocked_lines, payroll_generate
from canlian.benefits.selectors import gaps_for, liaisons_for_villages
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.exports import export_path, queryset_export, xlsx_write
from canlian.core.idnumbers import mask_id_number, mask_phone
from canlian.core.models import AuditAction, TaskRun, User
from canlian.core.taskruns import (
    task_run_create,
    task_run_failed,
    task_run_rejected,
    task_run_started,
    task_run_succeeded,
)


def eligibility_run_enqueue(*, actor: User, month: Any) -> EligibilityRun:
    from canlian.benefits.tasks import run_eligibility

    with transaction.atomic():
        run = eligibility_run_start(actor=actor, month=month)
        task = task_run_create(actor=actor, kind="benefits_eligibility",
                               title=f"资格比对 {run.month:%Y年%m月}", params={"run": run.pk},
                               enqueue=lambda run_id: run_eligibility.enqueue(run_id))
        run.task_run = task
        run.save(update_fields=["task_run"])
    return run


def eligibility_run_job(*, task_run_id: str) -> None:
    task = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    try:
        run = EligibilityRun.objects.get(pk=task.params["run"])
        task_run_started(task, total=1)
        summary = eligibility_run_execute(run=run)
        to_enrol = sum(s["to_enrol"] for s in summary.values())
        to_stop = sum(s["to_stop"] for s in summary.values())
        with transaction.atomic():
            audit.audit_record(actor=task.created_by, action=AuditAction.CREATE, obj=run,
                               region_code=run.region_id,
                               summary=f"资格比对 {run.month:%Y年%m月}：待纳入 {to_enrol} 人，"
                                       f"应停发 {to_stop} 人")
            task_run_succeeded(task, message=f"比对完成：{len(summary)} 项政策，待纳入 {to_enrol} "
                                             f"人，应停发 {to_stop} 人。",
                               result={"run": run.pk},
                               result_url=reverse("benefits:run_detail", args=[run.pk]),
                               result_label="查看比对结果")
    except Exception:
        task_run_failed(task, message="资格比对失败，请稍后重试或联系系统管理员。")
        raise


# ------------------------------------------------------------------ gap list export

GAP_HEADERS = {
    GapKind.TO_ENROL: ("姓名", "身份证号（脱敏）", "联系电话（脱敏）", "政策", "乡镇（街道）",
                       "村（社区）", "专职委员", "月标准（元）"),
    GapKind.TO_STOP: ("姓名", "身份证号（脱敏）", "联系电话（脱敏）", "政策", "乡镇（街道）",
                      "村（社区）", "专职委员", "不符合的条件"),
}


def gap_export_start(*, actor: User, run: EligibilityRun, kind: str,
                     policy: Policy | None) -> TaskRun:
    from canlian.benefits.tasks import run_gap_export

    title = f"导出{GapKind(kind).label}名单 {run.month:%Y年%m月}"
    with transaction.atomic():
        return task_run_create(actor=actor, kind="benefits_gap_export", title=title,
                               params={"run": run.pk, "kind": kind,
                                       "policy": policy.code if policy else ""},
                               enqueue=lambda run_id: run_gap_export.enqueue(run_id))


def gap_export_job(*, task_run_id: str) -> None:
    """The township's contact list: masked numbers, the village's liaison officers (read once
    for the whole file), watermarked and audited."""
    task = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    actor, params = task.created_by, task.params
    run = EligibilityRun.objects.get(pk=params["run"])
    kind = GapKind(params["kind"])
    policy = Policy.objects.filter(code=params["policy"]).first() if params["policy"] else None
    gaps = gaps_for(actor=actor, run=run, kind=kind, policy=policy)
    liaisons = liaisons_for_villages(set(gaps.values_list("region_id", flat=True).distinct()))

    def row(gap: EligibilityGap) -> list[Any]:
        officers = "、".join(u.name for u in liaisons.get(gap.region_id, [])) or "未配备"
        last = gap.amount if kind == GapKind.TO_ENROL else gap.reason
        return [gap.person.name, mask_id_number(gap.person.id_number),
                mask_phone(gap.person.phone), gap.policy.name, gap.region.parent.name,
                gap.region.name, officers, last]

    label = f"{kind.label}名单"
    queryset_export(
        task, queryset=gaps, title=f"{label}_{run.month:%Y%m}", headers=GAP_HEADERS[kind],
        to_row=row, object_type="benefits.eligibilitygap",
        summary=f"导出{run.month:%Y年%m月}{label}" + "{count} 人（脱敏）",
        message="已导出 {count} 人（证件号码与电话已脱敏）。",
    )


def payroll_generate_enqueue(*, actor: User, policy: Policy, period_start: Any) -> TaskRun:
    """Generating a batch is set-based but heavy at county scale: a background job whose page
    links to the batch (DESIGN.md "Heavy work")."""
    from canlian.benefits.tasks import run_payroll_generate

    with transaction.atomic():
        return task_run_create(actor=actor, kind="benefits_payroll",
                               title=f"生成发放批次：{policy.name} {period_start:%Y年%m月}",
                               params={"policy": policy.code,
                                       "period_start": period_start.isoformat()},
                               enqueue=lambda run_id: run_payroll_generate.enqueue(run_id))


def payroll_generate_job(*, task_run_id: str) -> None:
    """All-or-nothing (payroll_generate is one transaction), and generating a period that
    exists returns it unchanged: a rerun after an interruption gives the same batch."""
    task = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    actor = task.created_by
    try:
        policy = Policy.objects.get(code=task.params["policy"])
        task_run_started(task, total=1)
        try:
            batch = payroll_generate(actor=actor, policy=policy,
                                     period_start=date.fromisoformat(task.params["period_start"]))
        except DomainError as error:
            task_run_rejected(task, message=error.message)
            return
        task_run_succeeded(task, message=f"已生成 {policy.name} {batch.period_start:%Y年%m月} "
                                         f"发放批次：{batch.line_count} 人，{batch.total} 元。",
                           result={"batch": batch.pk},
                           result_url=reverse("benefits:batch_detail", args=[batch.pk]),
                           result_label="查看发放批次")
    except Exception:
        task_run_failed(task, message="生成发放批次失败，未写入任何数据。请稍后重新运行。")
        raise


BANK_HEADERS = ("序号", "姓名", "身份证号", "开户银行", "银行账号", "户名", "所属月份", "金额",
                "补发", "户籍地")


def payroll_bank_file_enqueue(*, actor: User, batch: PayrollBatch) -> TaskRun:
    from canlian.benefits.tasks import run_bank_file

    with transaction.atomic():
        return task_run_create(actor=actor, kind="benefits_bank_file",
                               title=f"银行发放文件：{batch.policy.name} "
                                     f"{batch.period_start:%Y年%m月}",
                               params={"batch": batch.pk},
                               enqueue=lambda run_id: run_bank_file.enqueue(run_id))


def payroll_bank_file_job(*, task_run_id: str) -> None:
    """The bank needs full ID and account numbers: the file is watermarked and audited."""
    task = TaskRun.objects.select_related("created_by__region").get(pk=task_run_id)
    actor = task.created_by
    try:
        batch = PayrollBatch.objects.visible_to(actor).select_related("policy").get(
            pk=task.params["batch"])
        lines = (batch.lines.filter(status=LineStatus.PENDING)
                 .select_related("person", "region").order_by("region_id", "name", "pk"))
        # The bank file never carries an empty account: a line without one is refused, not
        # written (approval already refuses a batch with blocked lines).
        blocked = blocked_lines(batch).count()
        if blocked:
            task_run_failed(task, message=f"有 {blocked} 条待发放明细没有发放账户，未生成发放文件。"
                                          "请先登记账户，或在批次审核前将其挂起。")
            return
        task_run_started(task, total=lines.count())
        accounts = {a.person_id: a for a in PaymentAccount.objects.filter(
            person_id__in=lines.values("person_id"))}

        def rows() -> Any:
            for n, line in enumerate(lines.iterator(chunk_size=2000), start=1):
                account = accounts[line.person_id]
                yield [n, line.name, line.person.id_number, account.bank,
                       account.account_number, account.holder, f"{line.period:%Y-%m}",
                       str(line.amount), "是" if line.is_backpay else "", line.region.name]

        path = export_path(task)
        count = xlsx_write(path, actor=actor, title=f"{batch.policy.name}发放文件",
                           headers=BANK_HEADERS, rows=rows())
        with transaction.atomic():
            audit.audit_record(actor=actor, action=AuditAction.EXPORT, obj=batch,
                               summary=f"导出银行发放文件：{batch.policy.name} "
                                       f"{batch.period_start:%Y年%m月} {count} 人"
                                       "（含完整证件号与账号）")
            task_run_succeeded(task, message=f"已生成发放文件，共 {count} 人。",
                               result_file=str(path),
                               result_url=reverse("benefits:batch_detail", args=[batch.pk]),
                               result_label="返回发放批次",
                               result_name=f"发放文件_{batch.policy.code}_"
                                           f"{batch.period_start:%Y%m}_"
                                           f"{timezone.localtime():%Y%m%d%H%M}.xlsx")
    except Exception:
        task_run_failed(task, message="生成发放文件失败，请稍后重试。")
        raise
