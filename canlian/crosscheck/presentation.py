"""Findings in words: the evidence lines and the proposed action, from kind and detail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from canlian.crosscheck.models import Finding, FindingKind, StatusKind
from canlian.registry.models import CertificateStatus, LivingStatus

STATUS_LABELS = dict(StatusKind.choices)
LIVING_LABELS = dict(LivingStatus.choices)
CERTIFICATE_LABELS = dict(CertificateStatus.choices)


def _day(value: Any) -> str:
    if not value:
        return "—"
    day = date.fromisoformat(str(value)[:10])
    return f"{day:%Y年%m月%d日}"


def _month(value: Any) -> str:
    if not value:
        return "至今"
    day = date.fromisoformat(str(value)[:10])
    return f"{day:%Y年%m月}"


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    except (InvalidOperation, ValueError):
        return "—"


def finding_evidence(f: Finding) -> list[str]:
    d = f.detail or {}
    lines = [f"数据：{f.dataset.get_kind_display()}（{f.dataset.source}），第 {d.get('row')} 行"]
    if d.get("list_name") and d.get("registry_name") and d["list_name"] != d["registry_name"]:
        lines.append(f"部门数据姓名“{d['list_name']}”，基础库姓名“{d['registry_name']}”")
    kind = f.kind
    if kind in (FindingKind.DECEASED_ALIVE, FindingKind.DECEASED_ENROLLED,
                FindingKind.PAID_AFTER_DEATH):
        lines.append(f"死亡日期 {_day(d.get('event_on'))}"
                     + (f"，来源 {d['place']}" if d.get("place") else ""))
    if kind in (FindingKind.MOVED_OUT, FindingKind.MOVED_ENROLLED):
        lines.append(f"户籍迁出日期 {_day(d.get('event_on'))}"
                     + (f"，迁往 {d['place']}" if d.get("place") else ""))
    if kind in (FindingKind.DECEASED_ALIVE, FindingKind.MOVED_OUT):
        lines.append(f"基础库生存状态：{LIVING_LABELS.get(d.get('living_status'), '—')}")
    if d.get("policy"):
        lines.append(f"正在享受：{d['policy']}")
    if kind == FindingKind.PAID_AFTER_DEATH:
        lines.append(f"死亡次月起已发放 {d.get('lines')} 笔，共 {_money(d.get('amount'))} 元")
    if d.get("status"):
        area = d.get("area") or ""
        lines.append(f"{area}{STATUS_LABELS.get(d['status'], d['status'])}："
                     f"{_month(d.get('start_month'))}—{_month(d.get('end_month'))}")
    if kind == FindingKind.MENTAL_UNCERTIFIED:
        if d.get("diagnosis"):
            lines.append(f"诊断：{d['diagnosis']}")
        lines.append("基础库：" + (CERTIFICATE_LABELS.get(d["certificate_status"], "—")
                                  if d.get("certificate_status") else "未登记"))
    return lines


ACTIONS = {
    FindingKind.DECEASED_ALIVE: "在基础库登记死亡（死亡日期同上）；残疾人证注销按证件办理流程",
    FindingKind.DECEASED_ENROLLED: "{policy}自死亡次月起停发",
    FindingKind.PAID_AFTER_DEATH: "登记应追回发放（{amount} 元）",
    FindingKind.MOVED_OUT: "在基础库登记户籍迁出",
    FindingKind.MOVED_ENROLLED: "{policy}自迁出次月起停发",
    FindingKind.MENTAL_UNCERTIFIED: "列入上门评残名单，由专职委员联系本人或监护人",
    FindingKind.NAME_MISMATCH: "核实姓名；如基础库有误，在基础库中更正",
}


def finding_action(f: Finding) -> str:
    d = f.detail or {}
    if f.kind == FindingKind.STATUS_START:
        label = STATUS_LABELS.get(d.get("status"), "")
        extra = "；生活补贴列入待纳入" if d.get("status") == StatusKind.DIBAO else ""
        return f"在基础库登记{label}期间（自{_month(d.get('start_month'))}起）{extra}"
    if f.kind == FindingKind.STATUS_END:
        label = STATUS_LABELS.get(d.get("status"), "")
        extra = "；生活补贴自次月起停发" if d.get("status") == StatusKind.DIBAO else ""
        return f"{label}期间截至{_month(d.get('end_month'))}{extra}"
    if f.kind == FindingKind.STATUS_EXCLUDES:
        label = STATUS_LABELS.get(d.get("status"), "")
        return f"享受{label}期间不能享受{d.get('policy')}：自{_month(d.get('start_month'))}起停发"
    return ACTIONS.get(f.kind, "").format(policy=d.get("policy", "补贴"),
                                          amount=_money(d.get("amount")))
