"""Ledgers (台账): per person per year every benefit received; per policy per year against budget.

Paid payroll lines are the ledger from the platform's start; earlier years come from the
county's old spreadsheets (seed 001 built 2014–2020 ledgers per year), imported from an XLSX
template with the registry import's rules: row and column named, all-or-nothing, idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear

from canlian.benefits.models import Budget, LedgerEntry, LineStatus, PayrollLine, Policy
from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.idnumbers import normalize_id_number
from canlian.core.models import AuditAction, User
from canlian.core.tables import TableLimits
from canlian.registry.models import Person

LEDGER_COLUMNS = ("年度", "身份证号", "姓名", "政策代码", "发放月数", "金额", "来源")
REQUIRED = ("年度", "身份证号", "姓名", "政策代码", "发放月数", "金额")
# Years of a county's payments, one row per person, policy and year.
TABLE_LIMITS = TableLimits(label="发放台账导入", max_rows=500_000, max_columns=32,
                           max_unpacked_bytes=1024 * 1024 * 1024)


def _money(value: object) -> Decimal:
    """SQLite sums decimals as numbers; show yuan with 2 places on both engines."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


@dataclass
class LedgerRow:
    year: int
    policy: Policy
    months: int
    amount: Decimal
    source: str


def person_ledger(person: Person) -> dict[int, list[LedgerRow]]:
    """Year → rows (one per policy), newest year first; paid lines and imported entries."""
    policies = {p.pk: p for p in Policy.objects.all()}
    years: dict[int, list[LedgerRow]] = defaultdict(list)
    paid = (PayrollLine.objects.filter(person=person, status=LineStatus.PAID)
            .annotate(year=ExtractYear("period")).values("year", "policy_id")
            .annotate(months=Count("pk"), total=Sum("amount")).order_by())
    for row in paid:
        years[row["year"]].append(LedgerRow(row["year"], policies[row["policy_id"]],
                                            row["months"], _money(row["total"]), "本平台发放"))
    for entry in LedgerEntry.objects.filter(person=person):
        years[entry.year].append(LedgerRow(entry.year, policies[entry.policy_id], entry.months,
                                           entry.amount, entry.source))
    return {year: sorted(rows, key=lambda r: r.policy.code)
            for year, rows in sorted(years.items(), reverse=True)}


@dataclass
class PolicyYear:
    policy: Policy
    year: int
    persons: int
    paid: Decimal
    budget: Decimal | None

    @property
    def share(self) -> int | None:
        """Percent of the budget spent (None without a budget)."""
        if not self.budget:
            return None
        return int(self.paid * 100 / self.budget)


def policy_year_totals(*, actor: User, year: int) -> list[PolicyYear]:
    """Paid in the actor's area in `year`, per policy, against the policy's budget."""
    paid = {row["policy_id"]: row for row in (
        PayrollLine.objects.visible_to(actor)
        .filter(status=LineStatus.PAID, period__year=year).values("policy_id")
        .annotate(persons=Count("person_id", distinct=True), total=Sum("amount")).order_by())}
    imported = {row["policy_id"]: row for row in (
        LedgerEntry.objects.visible_to(actor).filter(year=year).values("policy_id")
        .annotate(persons=Count("person_id", distinct=True), total=Sum("amount")).order_by())}
    budgets = dict(Budget.objects.filter(year=year).values_list("policy_id", "amount"))
    result = []
    for policy in Policy.objects.order_by("level", "code"):
        a, b = paid.get(policy.pk, {}), imported.get(policy.pk, {})
        result.append(PolicyYear(
            policy=policy, year=year,
            persons=a.get("persons", 0) + b.get("persons", 0),
            paid=_money((a.get("total") or 0) + (b.get("total") or 0)),
            budget=budgets.get(policy.pk)))
    return result


# ------------------------------------------------------------------ import

@dataclass
class LedgerImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # row, column, message

    def as_json(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": len({e[0] for e in self.errors}),
                "errors": [{"row": r, "column": c, "message": m} for r, c, m in self.errors]}


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def ledger_import(*, actor: User, header: list[Any], rows: list[list[Any]],
                  dry_run: bool = False) -> LedgerImportReport:
    """Import past ledgers; nothing is written if any row is wrong. Row numbers count the
    header as row 1, as a spreadsheet shows them."""
    report = LedgerImportReport()
    names = [_cell(h) for h in header]
    unknown = [n for n in names if n and n not in LEDGER_COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    for column in unknown:
        allowed = "、".join(LEDGER_COLUMNS)
        report.errors.append((1, column, f"未知的列“{column}”（可用：{allowed}）"))
    for column in missing:
        report.errors.append((1, column, f"缺少必填列“{column}”"))
    if report.errors:
        return report
    policies = {p.code: p for p in Policy.objects.all()}
    parsed: list[tuple[int, str, str, LedgerRow]] = []  # row, ID number, name, values
    for n, values in enumerate(rows, start=2):
        row = dict(zip(names, [_cell(v) for v in values], strict=False))
        if any(row.values()):
            ledger_row = _ledger_row(n, row, policies, report)
            if ledger_row is not None:
                parsed.append((n, normalize_id_number(row["身份证号"]), row["姓名"], ledger_row))
    indexes = {n: blind_index(number) for n, number, _, _ in parsed}
    persons = {p.id_number_index: p for p in Person.objects.visible_to(actor)
               .filter(id_number_index__in=indexes.values())}
    ready: dict[tuple[int, int, int], tuple[Person, LedgerRow]] = {}
    for n, _, name, ledger_row in parsed:
        person = persons.get(indexes[n])
        if person is None:
            report.errors.append((n, "身份证号", "该身份证号不在您管辖范围的残疾人库中"))
        elif person.name != name:
            report.errors.append((n, "姓名", "姓名与残疾人库登记的不一致"))
        elif (key := (person.pk, ledger_row.policy.pk, ledger_row.year)) in ready:
            report.errors.append((n, "身份证号", "同一人同一政策同一年度在文件中重复"))
        else:
            ready[key] = (person, ledger_row)
    report.errors.sort()
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        _entries_write(actor, ready, report)
    return report


def _ledger_row(n: int, row: dict[str, str], policies: dict[str, Policy],
                report: LedgerImportReport) -> LedgerRow | None:
    before = len(report.errors)
    year = months = 0
    amount = Decimal(0)
    try:
        year = int(row["年度"])
        if not 1990 <= year <= 2100:
            raise ValueError
    except ValueError:
        report.errors.append((n, "年度", "年度应为四位数字年份"))
    if not normalize_id_number(row["身份证号"]):
        report.errors.append((n, "身份证号", "身份证号为空"))
    policy = policies.get(row["政策代码"])
    if policy is None:
        report.errors.append((n, "政策代码", f"政策代码“{row['政策代码']}”不存在"))
    try:
        months = int(row["发放月数"])
        if not 0 < months <= 12:
            raise ValueError
    except ValueError:
        report.errors.append((n, "发放月数", "发放月数应为 1–12 的整数"))
    try:
        amount = Decimal(row["金额"]).quantize(Decimal("0.01"))
        if not amount.is_finite() or amount <= 0:
            raise InvalidOperation
    except InvalidOperation:
        report.errors.append((n, "金额", "金额应为大于 0 的数字"))
    if len(report.errors) > before or policy is None:
        return None
    return LedgerRow(year, policy, months, amount, row.get("来源") or "历史台账导入")


def _entries_write(actor: User, ready: dict[tuple[int, int, int], tuple[Person, LedgerRow]],
                   report: LedgerImportReport) -> None:
    """Set-based: one read of the existing entries, one bulk insert, one bulk update."""
    existing = {(e.person_id, e.policy_id, e.year): e for e in LedgerEntry.objects.filter(
        person_id__in={k[0] for k in ready}, year__in={k[2] for k in ready})}
    new, changed = [], []
    for key, (person, r) in ready.items():
        entry = existing.get(key)
        if entry is None:
            new.append(LedgerEntry(person=person, policy=r.policy, year=r.year,
                                   region_id=person.region_id, months=r.months,
                                   amount=r.amount, source=r.source, imported_by=actor))
        elif (entry.months, entry.amount, entry.source) != (r.months, r.amount, r.source):
            entry.months, entry.amount, entry.source = r.months, r.amount, r.source
            changed.append(entry)
    LedgerEntry.objects.bulk_create(new, batch_size=1000)
    LedgerEntry.objects.bulk_update(changed, ["months", "amount", "source"], batch_size=1000)
    report.created, report.updated = len(new), len(changed)
    report.unchanged = len(ready) - len(new) - len(changed)
    if new or changed:
        audit.audit_record(actor=actor, action=AuditAction.IMPORT,
                           object_type="benefits.ledgerentry", region_code=actor.region_id,
                           summary="导入历史台账", changes=report.as_json())
