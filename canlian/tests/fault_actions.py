"""Actions of the fault tests' driver subprocess (canlian/core/tests/sitekit.py) for the jobs
of the registry and benefits apps: set-up through the apps' test helpers, the jobs started
through their pages, and fingerprints of what they wrote."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from canlian.benefits.models import EligibilityGap, EligibilityRun, PayrollBatch, PayrollLine
from canlian.benefits.tests.helpers import enrol, holder, load_catalog
from canlian.core.models import AuditEvent, Region, User
from canlian.core.tests.site_actions import _client
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_id_number
from canlian.registry.tests.helpers import HEADER, row


def _village() -> str:
    return (Region.objects.filter(code__startswith="520322101", level="village")
            .order_by("code").values_list("code", flat=True)[0])


def _task_id(response: Any) -> str:
    assert response.status_code == 302, response.status_code
    return response.headers["Location"].rstrip("/").split("/")[-1]


# ---------------------------------------------------------------- registry import

def start_import(*, username: str, rows: int) -> str:
    village = _village()
    path = Path(tempfile.mkdtemp()) / "registry.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("残疾人")
    sheet.write_row(0, 0, HEADER)
    for r in range(1, rows + 1):
        values = row(f"导入{r}", make_id_number(date(1960 + r % 40, 1 + r % 12, 1 + r % 28)),
                     village, category="肢体", grade="二级")
        sheet.write_row(r, 0, [str(v) for v in values])
    workbook.close()
    with path.open("rb") as upload:
        response = _client(username).post(reverse("registry:person_import"),
                                          {"file": upload, "mode": "all"})
    return _task_id(response)


def registry_fingerprint() -> dict[str, int]:
    return {"persons": Person.objects.count(),
            "import_audits": AuditEvent.objects.filter(action="import").count()}


# ---------------------------------------------------------------- benefits

def benefits_setup(*, username: str, enrolled: int, waiting: int) -> dict[str, Any]:
    """Care-subsidy holders in one village: `enrolled` already paid, `waiting` eligible but
    not enrolled (so an eligibility run has gaps to write)."""
    catalog = load_catalog()
    actor = User.objects.get(username=username)
    village = _village()
    start = timezone.localdate().replace(month=1, day=1)
    for n in range(enrolled):
        enrol(holder(village, name=f"在册{n}", grade=1, care=True), catalog["care_subsidy"],
              start, actor)
    for n in range(waiting):
        holder(village, name=f"待纳入{n}", grade=2, care=True)
    return {"month": f"{timezone.localdate():%Y-%m}"}


def start_eligibility(*, username: str, month: str) -> str:
    return _task_id(_client(username).post(reverse("benefits:run_list"), {"month": month}))


def eligibility_fingerprint(*, task_id: str) -> dict[str, Any]:
    run = EligibilityRun.objects.get(task_run_id=task_id)
    gaps = (EligibilityGap.objects.filter(run=run).values("kind", "policy__code")
            .annotate(n=Count("pk")).order_by("kind", "policy__code"))
    return {"finished": run.finished_at is not None, "summary": run.summary,
            "gaps": [[g["kind"], g["policy__code"], g["n"]] for g in gaps]}


def start_payroll(*, username: str, month: str) -> str:
    return _task_id(_client(username).post(reverse("benefits:batch_list"),
                                           {"policy": "care_subsidy", "period_start": month}))


def payroll_fingerprint() -> dict[str, Any]:
    lines = PayrollLine.objects.aggregate(n=Count("pk"), total=Sum("amount"))
    return {"batches": [[b.line_count, str(b.total)] for b in PayrollBatch.objects.all()],
            "lines": lines["n"], "total": str(lines["total"] or 0),
            "audits": AuditEvent.objects.filter(object_type="benefits.payrollbatch").count()}
