"""Payee accounts (发放账户): where a person's benefits are paid (社会化发放).

The account number is encrypted at rest (SM4, like ID numbers), shown masked, and revealing it
is audited (DESIGN.md "Data"). County staff record it on the enrolment page or import a file of
accounts keyed by ID number, with the registry import's rules: every bad row named,
nothing written when any row is wrong, re-importing the same file changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from canlian.benefits.models import HolderRelation, PaymentAccount
from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.idnumbers import normalize_id_number
from canlian.core.models import AuditAction, User
from canlian.core.roles import Role
from canlian.registry.models import Person

ACCOUNT_ROLES = frozenset({Role.COUNTY_STAFF})
ACCOUNT_COLUMNS = ("身份证号", "姓名", "开户银行", "银行账号", "账户持有人", "户名")
REQUIRED = ("身份证号", "姓名", "开户银行", "银行账号")
RELATIONS = {label: value for value, label in HolderRelation.choices}
# Bank card and passbook numbers: digits only, 12–30 long (19 for most cards).
ACCOUNT_NUMBER = re.compile(r"^\d{12,30}$")


def mask_account_number(value: str | None) -> str:
    """``6224123456789012345`` → ``6224***********2345`` (first 4, last 4)."""
    text = (value or "").strip()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def can_edit_accounts(actor: User) -> bool:
    return actor.role in ACCOUNT_ROLES


def account_for(person: Person) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(person=person).first()


def normalize_account_number(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "")


@dataclass(frozen=True)
class AccountValues:
    bank: str
    account_number: str
    holder_relation: str
    holder: str


def account_values(*, person: Person, bank: str, account_number: str, holder_relation: str,
                   holder: str) -> tuple[AccountValues | None, list[tuple[str, str]]]:
    """Checked values, or the (field, message) errors."""
    errors: list[tuple[str, str]] = []
    number = normalize_account_number(account_number)
    if not bank.strip():
        errors.append(("bank", "请填写开户银行"))
    if not ACCOUNT_NUMBER.fullmatch(number):
        errors.append(("account_number", "银行账号应为 12–30 位数字"))
    if holder_relation not in HolderRelation.values:
        errors.append(("holder_relation", "账户持有人应为本人、监护人或代领人"))
    holder = holder.strip()
    if holder_relation == HolderRelation.SELF:
        holder = holder or person.name
        if holder != person.name:
            errors.append(("holder", "本人账户的户名应与残疾人姓名一致"))
    elif not holder:
        errors.append(("holder", "监护人或代领人账户须填写户名"))
    if errors:
        return None, errors
    return AccountValues(bank.strip()[:60], number, holder_relation, holder[:50]), []


def _write(actor: User, person: Person, values: AccountValues) -> str:
    """'created', 'updated' or 'unchanged'."""
    account = PaymentAccount.objects.filter(person=person).first()
    if account is None:
        PaymentAccount.objects.create(person=person, updated_by=actor, **values.__dict__)
        return "created"
    current = (account.bank, account.account_number, account.holder_relation, account.holder)
    if current == (values.bank, values.account_number, values.holder_relation, values.holder):
        return "unchanged"
    for name, value in values.__dict__.items():
        setattr(account, name, value)
    account.updated_by = actor
    account.save()
    return "updated"


@transaction.atomic
def payment_account_save(*, actor: User, person: Person, bank: str, account_number: str,
                         holder_relation: str, holder: str) -> str:
    """Record or change a person's payee account; saving the same values changes nothing."""
    if not can_edit_accounts(actor):
        raise DomainError("wrong_role", "您的角色不能登记发放账户。")
    values, errors = account_values(person=person, bank=bank, account_number=account_number,
                                    holder_relation=holder_relation, holder=holder)
    if values is None:
        name, message = errors[0]
        raise DomainError("invalid", message, field=name)
    outcome = _write(actor, person, values)
    if outcome != "unchanged":
        audit.audit_record(actor=actor, action=AuditAction.UPDATE
                           if outcome == "updated" else AuditAction.CREATE,
                           object_type="benefits.paymentaccount", object_id=str(person.pk),
                           region_code=person.region_id,
                           summary=("修改" if outcome == "updated" else "登记") + "发放账户"
                                   f"（{values.bank}，{mask_account_number(values.account_number)}）")
    return outcome


@transaction.atomic
def payment_account_reveal(*, actor: User, person: Person) -> str:
    """The full account number; every reveal is audited."""
    if not can_edit_accounts(actor):
        raise DomainError("forbidden", "您无权查看完整账号。")
    account = PaymentAccount.objects.filter(person=person).first()
    if account is None:
        raise DomainError("no_account", "此人尚未登记发放账户。")
    audit.audit_record(actor=actor, action=AuditAction.REVEAL,
                       object_type="benefits.paymentaccount", object_id=str(person.pk),
                       region_code=person.region_id, summary="查看完整银行账号")
    return account.account_number


# ------------------------------------------------------------------ import

@dataclass
class AccountImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # row, column, message


COLUMN_OF = {"bank": "开户银行", "account_number": "银行账号", "holder_relation": "账户持有人",
             "holder": "户名"}


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _accounts_write(actor: User, ready: dict[int, tuple[Person, AccountValues]],
                    report: AccountImportReport) -> None:
    """Set-based: one read of the existing accounts, one bulk insert, one bulk update."""
    existing = {a.person_id: a for a in PaymentAccount.objects.filter(person_id__in=ready)}
    new, changed = [], []
    for person_id, (_, values) in ready.items():
        account = existing.get(person_id)
        if account is None:
            new.append(PaymentAccount(person_id=person_id, updated_by=actor, **values.__dict__))
            continue
        current = (account.bank, account.account_number, account.holder_relation,
                   account.holder)
        if current != (values.bank, values.account_number, values.holder_relation,
                       values.holder):
            for name, value in values.__dict__.items():
                setattr(account, name, value)
            account.updated_by, account.updated_at = actor, timezone.now()
            changed.append(account)
    PaymentAccount.objects.bulk_create(new, batch_size=1000)
    PaymentAccount.objects.bulk_update(changed, [*AccountValues.__dataclass_fields__,
                                                 "updated_by", "updated_at"], batch_size=1000)
    report.created, report.updated = len(new), len(changed)
    report.unchanged = len(ready) - len(new) - len(changed)


def payment_accounts_import(*, actor: User, header: list[Any], rows: list[list[Any]],
                            dry_run: bool = False) -> AccountImportReport:
    """Import payee accounts keyed by ID number; nothing is written if any row is wrong. Row
    numbers count the header as row 1, as a spreadsheet shows them."""
    report = AccountImportReport()
    if not can_edit_accounts(actor):
        raise DomainError("wrong_role", "您的角色不能导入发放账户。")
    names = [_cell(h) for h in header]
    for column in [n for n in names if n and n not in ACCOUNT_COLUMNS]:
        allowed = "、".join(ACCOUNT_COLUMNS)
        report.errors.append((1, column, f"未知的列“{column}”（可用：{allowed}）"))
    for column in [c for c in REQUIRED if c not in names]:
        report.errors.append((1, column, f"缺少必填列“{column}”"))
    if report.errors:
        return report
    parsed: list[tuple[int, dict[str, str], str]] = []
    for n, values in enumerate(rows, start=2):
        row = dict(zip(names, [_cell(v) for v in values], strict=False))
        if not any(row.values()):
            continue
        number = normalize_id_number(row.get("身份证号", ""))
        if not number:
            report.errors.append((n, "身份证号", "身份证号为空"))
            continue
        parsed.append((n, row, blind_index(number)))
    persons = {p.id_number_index: p for p in Person.objects.visible_to(actor)
               .filter(id_number_index__in={index for _, _, index in parsed})}
    ready: dict[int, tuple[Person, AccountValues]] = {}
    for n, row, index in parsed:
        person = persons.get(index)
        if person is None:
            report.errors.append((n, "身份证号", "该身份证号不在您管辖范围的残疾人库中"))
            continue
        if person.name != row.get("姓名", ""):
            report.errors.append((n, "姓名", "姓名与残疾人库登记的不一致"))
            continue
        relation = row.get("账户持有人") or "本人"
        values, errors = account_values(
            person=person, bank=row.get("开户银行", ""),
            account_number=row.get("银行账号", ""),
            holder_relation=RELATIONS.get(relation, relation), holder=row.get("户名", ""))
        report.errors += [(n, COLUMN_OF[name], message) for name, message in errors]
        if values is None:
            continue
        if person.pk in ready:
            report.errors.append((n, "身份证号", "同一人在文件中出现多次"))
            continue
        ready[person.pk] = (person, values)
    report.errors.sort()
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        _accounts_write(actor, ready, report)
        if report.created or report.updated:
            audit.audit_record(actor=actor, action=AuditAction.IMPORT,
                               object_type="benefits.paymentaccount",
                               region_code=actor.region_id, summary="导入发放账户",
                               changes={"created": report.created, "updated": report.updated,
                                        "unchanged": report.unchanged})
    return report
