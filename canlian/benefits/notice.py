"""公示名单: who was newly enrolled (审定纳入) in a month, for posting on the notice board.

DOMAIN.md §3.2 and §7: a public notice shows only the name, the village, the policy and the
amount, and must protect privacy: no ID number, category or diagnosis, and the given name is
masked (张**). The page, the XLSX and the PDF show the same rows, with the same wording.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import xlsxwriter
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from canlian.benefits import selectors
from canlian.benefits.models import Enrolment
from canlian.core import audit
from canlian.core.models import AuditAction, User

NOTICE_HEADERS = ("序号", "姓名", "乡镇（街道）", "村（社区）", "政策", "月标准（元）")
# DOMAIN.md §3.2: the notice is posted for 5 working days.
NOTICE_DAYS = 5


def notice_title(month: date) -> str:
    return f"{month:%Y}年{month.month}月政策享受审定纳入人员公示名单"


def mask_given_name(name: str) -> str:
    """张三 → 张*, 王小明 → 王**: the surname stays, the given name is masked."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


@dataclass(frozen=True)
class NoticeRow:
    number: int
    name: str
    township: str
    village: str
    policy: str
    is_example: bool
    amount: Decimal | None


def notice_rows(enrolments: list[Enrolment], month: date, *, first: int = 1) -> list[NoticeRow]:
    """The posted form of enrolments from `selectors.notice_for` (masked name, no ID)."""
    amounts = selectors.amounts_of(enrolments, month)
    return [NoticeRow(number=n, name=mask_given_name(e.person.name),
                      township=e.region.parent.name if e.region.parent else "",
                      village=e.region.name, policy=e.policy.name,
                      is_example=e.policy.is_example, amount=amounts.get(e.pk))
            for n, e in enumerate(enrolments, start=first)]


def _all_rows(actor: User, month: date) -> list[NoticeRow]:
    return notice_rows(list(selectors.notice_for(actor=actor, month=month)), month)


def _audit(actor: User, month: date, count: int, kind: str) -> None:
    audit.audit_record(actor=actor, action=AuditAction.EXPORT, object_type="benefits.enrolment",
                       region_code=actor.region_id,
                       summary=f"导出{month:%Y年%m月}审定纳入公示名单（{kind}）{count} 人"
                               "（姓名已脱敏）",
                       changes={"month": f"{month:%Y-%m}", "rows": count})


def _policy_label(row: NoticeRow) -> str:
    return f"{row.policy}（示例）" if row.is_example else row.policy


@transaction.atomic
def notice_xlsx(*, actor: User, month: date) -> bytes:
    """The whole list as one sheet, ready to print: title, rows, total."""
    rows = _all_rows(actor, month)
    data = io.BytesIO()
    workbook = xlsxwriter.Workbook(data, {"in_memory": True})
    sheet = workbook.add_worksheet("公示名单")
    bold = workbook.add_format({"bold": True})
    title = notice_title(month)
    sheet.write(0, 0, title, bold)
    sheet.write(1, 0, f"共 {len(rows)} 人。公示期 {NOTICE_DAYS} 个工作日，如有异议请向乡镇（街道）"
                      "或县残联反映。")
    for col, header in enumerate(NOTICE_HEADERS):
        sheet.write(2, col, header, bold)
    for i, row in enumerate(rows, start=3):
        sheet.write_number(i, 0, row.number)
        for col, value in enumerate((row.name, row.township, row.village, _policy_label(row)),
                                    start=1):
            sheet.write_string(i, col, value)
        sheet.write_string(i, 5, "" if row.amount is None else f"{row.amount:.2f}")
    sheet.repeat_rows(2)
    sheet.set_header(f"&L{title}")
    sheet.set_footer("&C第 &P 页 / 共 &N 页")
    sheet.set_column(1, 5, 16)
    workbook.close()
    _audit(actor, month, len(rows), "Excel")
    return data.getvalue()


@transaction.atomic
def notice_pdf(*, actor: User, month: date) -> bytes:
    from weasyprint import HTML  # imported here: a cold import costs about a second

    rows = _all_rows(actor, month)
    html = render_to_string("benefits/pdf/notice.html", {
        "title": notice_title(month), "rows": rows, "days": NOTICE_DAYS,
        "printed_at": timezone.localtime()})
    pdf = HTML(string=html).write_pdf()
    _audit(actor, month, len(rows), "PDF")
    return pdf
