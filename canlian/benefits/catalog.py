"""The policy catalog as reviewable text: load a YAML file, export it back, edit rules.

A county's configuration lives in one file (canlian/benefits/data/policies.yaml is the shipped
one). Loading is all-or-nothing and idempotent: a policy whose rule text is unchanged keeps its
rule version; a changed rule adds a version; rates and budgets are replaced by the file's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from canlian.benefits.models import (
    PaymentPeriod,
    Policy,
    PolicyCategory,
    PolicyLevel,
    PolicyRuleVersion,
    Rate,
    ReviewStep,
    StartRule,
)
from canlian.benefits.months import parse_month
from canlian.benefits.rules import Rule, RuleError, parse
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, Region, User

FORMAT = "canlian-policies/1"
SHIPPED_CATALOG = Path(__file__).resolve().parent / "data" / "policies.yaml"


def current_rule_version(policy: Policy) -> PolicyRuleVersion:
    # Reads through a prefetch of rule_versions when the caller made one.
    version = max(policy.rule_versions.all(), key=lambda v: v.number, default=None)
    if version is None:
        raise DomainError("no_rule", f"政策“{policy.name}”尚未设置资格规则。")
    return version


def current_rule(policy: Policy) -> Rule:
    return parse(current_rule_version(policy).text)


@dataclass
class RateSpec:
    label: str
    condition: str
    amount: Decimal
    effective_from: date
    effective_to: date | None
    order: int


def _month(value: Any, where: str) -> date:
    text = value.isoformat()[:7] if isinstance(value, date) else str(value).strip()
    try:
        return parse_month(text)
    except DomainError:
        raise DomainError("bad_month",
                          f"{where}：“{text}”不是有效的年月（应为 YYYY-MM）。") from None


def _amount(value: Any, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DomainError("bad_amount", f"{where}：金额“{value}”不是数字。") from None
    if not amount.is_finite() or amount <= 0:
        raise DomainError("bad_amount", f"{where}：金额必须大于 0。")
    return amount.quantize(Decimal("0.01"))


def rates_validate(rates: list[RateSpec], *, where: str) -> None:
    """Every condition parses; amounts > 0; two rows with the same condition may not be in
    force in the same month (overlapping periods)."""
    for rate in rates:
        if rate.condition:
            try:
                parse(rate.condition)
            except RuleError as exc:
                raise DomainError("bad_rate_condition",
                                  f"{where}“{rate.label}”的适用条件有误：{exc.message}") from None
        if rate.effective_to and rate.effective_to < rate.effective_from:
            raise DomainError("bad_rate_period", f"{where}“{rate.label}”的终止月份早于起始月份。")
    for i, a in enumerate(rates):
        for b in rates[i + 1:]:
            if a.condition.strip() != b.condition.strip():
                continue
            a_end = a.effective_to or date.max
            b_end = b.effective_to or date.max
            if a.effective_from <= b_end and b.effective_from <= a_end:
                raise DomainError(
                    "rate_overlap",
                    f"{where}“{a.label}”与“{b.label}”适用条件相同且有效期重叠，"
                    "请先给旧标准填写终止月份。")


@dataclass
class PolicySpec:
    values: dict[str, Any]
    rule: str
    rates: list[RateSpec]
    budgets: dict[int, Decimal] = field(default_factory=dict)


def _choice(value: Any, choices: type, where: str, label: str) -> str:
    if value not in choices.values:
        allowed = "、".join(choices.values)
        raise DomainError("bad_choice", f"{where}：{label}“{value}”无效（可用：{allowed}）。")
    return str(value)


def _policy_spec(raw: dict[str, Any], index: int) -> PolicySpec:
    where = f"第 {index} 项政策"
    if not isinstance(raw, dict) or not raw.get("code") or not raw.get("name"):
        raise DomainError("bad_policy", f"{where}缺少 code 或 name。")
    where = f"政策 {raw['code']}"
    region_code = str(raw.get("region", ""))
    if not Region.objects.filter(code=region_code).exists():
        raise DomainError("bad_region", f"{where}：适用地区代码“{region_code}”不存在。")
    steps = list(raw.get("review_steps") or [])
    for step in steps:
        _choice(step, ReviewStep, where, "审核环节")
    rule = str(raw.get("rule", "")).strip()
    try:
        parse(rule)
    except RuleError as exc:
        raise DomainError("bad_rule", f"{where}的资格规则有误：{exc.message}") from None
    rates = [
        RateSpec(label=str(r.get("label", "")) or f"标准{n}",
                 condition=str(r.get("condition") or "").strip(),
                 amount=_amount(r.get("amount"), f"{where}第 {n} 个标准"),
                 effective_from=_month(r.get("effective_from"), f"{where}第 {n} 个标准"),
                 effective_to=(_month(r["effective_to"], f"{where}第 {n} 个标准")
                               if r.get("effective_to") else None),
                 order=n)
        for n, r in enumerate(raw.get("rates") or [], start=1)
    ]
    if not rates:
        raise DomainError("no_rates", f"{where}没有补贴标准。")
    rates_validate(rates, where=f"{where}的标准")
    budgets = {int(b["year"]): _amount(b.get("amount"), f"{where} {b.get('year')} 年预算")
               for b in raw.get("budgets") or []}
    values = {
        "name": str(raw["name"]),
        "level": _choice(raw.get("level"), PolicyLevel, where, "层级"),
        "category": _choice(raw.get("category"), PolicyCategory, where, "类别"),
        "legal_basis": str(raw.get("legal_basis", "")),
        "region_id": region_code,
        "period": _choice(raw.get("period", "monthly"), PaymentPeriod, where, "发放周期"),
        "start_rule": _choice(raw.get("start_rule", "application_month"), StartRule, where,
                              "起始规则"),
        "stop_rule": str(raw.get("stop_rule", "")),
        "exclusivity_group": str(raw.get("exclusivity_group") or ""),
        "review_steps": steps,
        "required_materials": [str(m) for m in raw.get("required_materials") or []],
        "discover_gaps": bool(raw.get("discover_gaps", True)),
        "is_example": bool(raw.get("is_example", False)),
        "is_active": bool(raw.get("is_active", True)),
        "description": str(raw.get("description", "")),
    }
    return PolicySpec(values=values, rule=rule, rates=rates, budgets=budgets)


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def policies_load(*, actor: User | None, text: str) -> LoadResult:
    """Load a catalog file's text; validates everything before writing anything."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else "文件"
        raise DomainError("bad_yaml", f"{where}格式有误，无法读取政策目录。") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DomainError("bad_format", f"不是政策目录文件（首行应为 format: {FORMAT}）。")
    raw_policies = document.get("policies") or []
    specs = [_policy_spec(raw, n) for n, raw in enumerate(raw_policies, start=1)]
    codes = [str(raw.get("code")) for raw in raw_policies]
    if len(set(codes)) != len(codes):
        raise DomainError("duplicate_code", "政策代码重复：" + "、".join(
            sorted({c for c in codes if codes.count(c) > 1})))
    result = LoadResult()
    with transaction.atomic():
        for code, spec in zip(codes, specs, strict=True):
            outcome = _policy_write(actor=actor, code=code, spec=spec)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _rates_of(policy: Policy) -> list[tuple[Any, ...]]:
    return [(r.label, r.condition, r.amount, r.effective_from, r.effective_to, r.order)
            for r in policy.rates.order_by("order", "pk")]


def _policy_write(*, actor: User | None, code: str, spec: PolicySpec) -> str:
    policy = Policy.objects.filter(code=code).first()
    outcome = "created" if policy is None else "unchanged"
    if policy is None:
        policy = Policy.objects.create(code=code, **spec.values)
    else:
        changed = {k: v for k, v in spec.values.items() if getattr(policy, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(policy, key, value)
            policy.save()
            outcome = "updated"
    latest = policy.rule_versions.order_by("-number").first()
    if latest is None or latest.text.strip() != spec.rule:
        PolicyRuleVersion.objects.create(policy=policy, text=spec.rule, created_by=actor,
                                         number=(latest.number + 1) if latest else 1,
                                         note="由政策目录文件导入")
        outcome = "created" if outcome == "created" else "updated"
    wanted = [(r.label, r.condition, r.amount, r.effective_from, r.effective_to, r.order)
              for r in spec.rates]
    if _rates_of(policy) != wanted:
        policy.rates.all().delete()
        Rate.objects.bulk_create(Rate(policy=policy, label=r.label, condition=r.condition,
                                      amount=r.amount, effective_from=r.effective_from,
                                      effective_to=r.effective_to, order=r.order)
                                 for r in spec.rates)
        outcome = "created" if outcome == "created" else "updated"
    budgets = {b.year: b.amount for b in policy.budgets.all()}
    if budgets != spec.budgets:
        policy.budgets.all().delete()
        policy.budgets.bulk_create(policy.budgets.model(policy=policy, year=y, amount=a)
                                   for y, a in spec.budgets.items())
        outcome = "created" if outcome == "created" else "updated"
    if outcome != "unchanged":
        audit.audit_record(actor=actor, action=AuditAction.UPDATE if outcome == "updated"
                           else AuditAction.CREATE, obj=policy, region_code=policy.region_id,
                           summary=f"政策目录导入：{policy.name}")
    return outcome


def policies_export() -> str:
    """The catalog in the load format (a round trip changes nothing)."""
    items = []
    for policy in Policy.objects.prefetch_related("rates", "budgets").order_by("pk"):
        item: dict[str, Any] = {"code": policy.code, "name": policy.name,
                                "level": policy.level, "category": policy.category,
                                "legal_basis": policy.legal_basis, "region": policy.region_id,
                                "period": policy.period, "start_rule": policy.start_rule,
                                "stop_rule": policy.stop_rule,
                                "exclusivity_group": policy.exclusivity_group,
                                "review_steps": policy.review_steps,
                                "required_materials": policy.required_materials,
                                "discover_gaps": policy.discover_gaps,
                                "is_example": policy.is_example, "is_active": policy.is_active,
                                "description": policy.description,
                                "rule": current_rule_version(policy).text}
        item["rates"] = [
            {"label": r.label, "condition": r.condition, "amount": str(r.amount),
             "effective_from": f"{r.effective_from:%Y-%m}",
             **({"effective_to": f"{r.effective_to:%Y-%m}"} if r.effective_to else {})}
            for r in sorted(policy.rates.all(), key=lambda r: (r.order, r.pk))]
        item["budgets"] = [{"year": b.year, "amount": str(b.amount)}
                           for b in sorted(policy.budgets.all(), key=lambda b: b.year)]
        items.append(item)
    header = "# 政策目录 (Canlian policy catalog), exported; load with manage.py load_policies\n"
    return header + yaml.safe_dump({"format": FORMAT, "policies": items}, allow_unicode=True,
                                   sort_keys=False, width=120)


@transaction.atomic
def policy_rule_save(*, actor: User, policy: Policy, text: str, note: str) -> PolicyRuleVersion:
    """A new version of the rule; the old ones are kept. Refused with the position if the rule
    does not parse or names an unknown field."""
    text = text.strip()
    parse(text)  # raises RuleError (a DomainError) naming the token and position
    latest = current_rule_version(policy)
    if latest.text.strip() == text:
        return latest
    version = PolicyRuleVersion.objects.create(policy=policy, number=latest.number + 1,
                                               text=text, note=note, created_by=actor)
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=policy,
                       region_code=policy.region_id,
                       summary=f"修改资格规则：{policy.name} v{version.number}",
                       changes={"rule": [latest.text, text]})
    return version
