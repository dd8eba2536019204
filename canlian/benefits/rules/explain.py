"""Evaluate a rule for one person from their Facts, with a Chinese reason for every clause.

`_explain(node, facts, want)` answers "does `node` evaluate to `want`?" and why; `not` flips
`want`, so a requirement under negation is stated positively ("要求三级或四级").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from canlian.benefits.rules.facts import EVENT_CANCEL_REASONS, VALID_STATUSES, Facts
from canlian.benefits.rules.syntax import And, Compare, Flag, Node, Not, Or, Value
from canlian.benefits.rules.vocabulary import (
    CATEGORY,
    COMPARE,
    DOMAINS,
    FIELDS,
    GRADE,
    INT,
    REGION,
    allowed_values,
    base_op,
)


@dataclass(frozen=True)
class Clause:
    text: str
    # None: depends on a fact Canlian does not hold (需核实).
    ok: bool | None
    reason: str


@dataclass(frozen=True)
class Verdict:
    """符合 (ok), 需核实 (to_verify: nothing fails, but a clause needs a fact Canlian does not
    hold, checked on application) or 不符合."""

    ok: bool
    clauses: list[Clause]

    def failing(self) -> list[Clause]:
        return [clause for clause in self.clauses if clause.ok is False]

    def unknown(self) -> list[Clause]:
        return [clause for clause in self.clauses if clause.ok is None]

    @property
    def to_verify(self) -> bool:
        return not self.failing() and bool(self.unknown())

    @property
    def label(self) -> str:
        return "符合" if self.ok else "需核实" if self.to_verify else "不符合"

    def summary(self) -> str:
        failing = self.failing() or self.unknown()
        return failing[0].reason if failing else "符合"


NOT_DISABLED = Clause(text="残疾人", ok=False,
                      reason="未登记残疾类别或残疾人证：是户内成员，不是残疾人")


def evaluate(root: Node, text: str, facts: Facts) -> Verdict:
    """One clause per top-level `and` term, each with the reason of its deciding sub-term.
    Every policy is for disabled persons: a household member fails first."""
    terms = root.items if isinstance(root, And) else (root,)
    clauses = [] if facts.disabled else [NOT_DISABLED]
    for term in terms:
        ok, reason = _explain(term, facts, want=True)
        clauses.append(Clause(text=text[term.start:term.end].strip(), ok=ok,
                              reason=f"符合：{reason}" if ok else reason))
    return Verdict(ok=all(clause.ok is True for clause in clauses), clauses=clauses)


def _explain(node: Node, facts: Facts, want: bool) -> tuple[bool | None, str]:
    """(does `node` evaluate to `want`, why); None when it turns on an unknown fact."""
    if isinstance(node, Flag):
        spec = FIELDS[node.field]
        if not spec.known:
            return None, f"需核实：{spec.label}（平台无此信息，申请时核实）"
        value = bool(getattr(facts, node.field))
        return value == want, describe_flag(node.field, value, facts)
    if isinstance(node, Compare):
        return _explain_compare(node, facts, want)
    if isinstance(node, Not):
        return _explain(node.operand, facts, not want)
    assert isinstance(node, And | Or)
    results = [_explain(item, facts, want) for item in node.items]
    unknown = [reason for ok, reason in results if ok is None]
    # `and` wanted true (or `or` wanted false) needs every item; otherwise any one item decides.
    # An unknown item leaves the answer unknown unless a known item decides (Kleene logic).
    if isinstance(node, And) == want:
        failed = [reason for ok, reason in results if ok is False]
        if failed:
            return False, failed[0]
        if unknown:
            return None, unknown[0]
        return True, "；".join(reason for _, reason in results)
    passed = [reason for ok, reason in results if ok is True]
    if passed:
        return True, passed[0]
    if unknown:
        return None, unknown[0]
    return False, "；".join(reason for _, reason in results)


# ---------------------------------------------------------------- comparisons


def matches(node: Compare, facts: Facts) -> bool:
    """The comparison's truth: a missing value fails `== < <= > >= in`, passes `!=`, `not in`."""
    negated, op = base_op(node.op)
    value = getattr(facts, node.field)
    spec = FIELDS[node.field]
    if value is None:
        result = False
    elif spec.type in (CATEGORY, GRADE):
        result = value in allowed_values(DOMAINS[spec.type], op, node.values)
    elif spec.type == INT:
        check: Callable[[int, int], bool] = COMPARE["==" if op == "in" else op]
        result = any(check(value, int(v)) for v in node.values)
    elif spec.type == REGION:
        result = any(str(value).startswith(str(v)) for v in node.values)
    else:
        result = value in node.values
    return result != negated


def _explain_compare(node: Compare, facts: Facts, want: bool) -> tuple[bool, str]:
    ok = matches(node, facts) == want
    value_text = _describe_value(node.field, getattr(facts, node.field))
    if ok:
        return True, value_text
    return False, f"{value_text}，要求{_requirement(node, want)}"


_NEGATED_OP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<",
               "in": "notin", "notin": "in"}
_AGE_WORDS = {"==": "为", "!=": "不为", "<": "小于", "<=": "不大于", ">": "大于",
              ">=": "不小于"}


def _requirement(node: Compare, want: bool) -> str:
    op = node.op if want else _NEGATED_OP[node.op]
    spec = FIELDS[node.field]
    if spec.type in (CATEGORY, GRADE):
        domain = DOMAINS[spec.type]
        negated, base = base_op(op)
        matched = allowed_values(domain, base, node.values)
        if negated and 0 < len(matched) < len(domain) - len(matched):
            return f"不是{_either([domain[v] for v in matched])}"
        allowed = [v for v in domain if (v in matched) != negated]
        if not allowed:
            return f"无{spec.label}" if negated else "（无可满足的取值）"
        return _either([domain[v] for v in allowed])
    if spec.type == INT:
        if op in ("in", "notin"):
            either = _either([str(v) for v in node.values])
            return f"{'不' if op == 'notin' else ''}为 {either} 岁"
        return f"{_AGE_WORDS[op]} {node.values[0]} 岁"
    shown = [str(v) if node.field == "sex" else f"“{v}”" for v in node.values]
    if spec.type == REGION:
        where = _either([f"区划 {v} " for v in node.values])
        return f"不在{where}内" if op in ("!=", "notin") else f"在{where}内"
    return f"不为{_either(shown)}" if op in ("!=", "notin") else f"为{_either(shown)}"


def _either(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return "、".join(words[:-1]) + "或" + words[-1]


def _describe_value(name: str, value: Value | None) -> str:
    spec = FIELDS[name]
    if name == "age":
        return f"年龄 {value} 岁"
    if value is None:
        return f"无{spec.label}"
    if spec.type in DOMAINS:
        return f"{spec.label}为{DOMAINS[spec.type].get(int(value), value)}"
    if value == "":
        return f"{spec.label}未登记"
    if spec.type == REGION:
        return f"户籍地区划代码为 {value}"
    return f"{spec.label}为“{value}”" if name != "sex" else f"性别为{value}"


# ---------------------------------------------------------------- boolean facts


def fmt_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _month_note(facts: Facts) -> str:
    return f"（{facts.month.year}年{facts.month.month}月）" if facts.month else ""


_HOUSEHOLD_TEXT = {
    "dibao": ("家庭在低保中", "家庭未在低保中"),
    "tekun": ("家庭在特困供养中", "家庭未在特困供养中"),
    "orphan": ("享受孤儿基本生活保障", "未享受孤儿基本生活保障"),
    "work_injury_care": ("领取工伤保险生活护理费", "未领取工伤保险生活护理费"),
}


def describe_flag(name: str, value: bool, facts: Facts) -> str:
    """The fact as it stands for this person, in the words staff use."""
    if name in _HOUSEHOLD_TEXT:
        return _HOUSEHOLD_TEXT[name][0 if value else 1] + _month_note(facts)
    if name == "alive":
        if value:
            return "在世"
        on = facts.living_status_on
        return f"已于{fmt_date(on)}死亡" if on else "已死亡（未登记死亡日期）"
    if name == "in_county":
        if value:
            return "户籍在本县"
        on = facts.living_status_on
        return f"户籍已于{fmt_date(on)}迁出本县" if on else "户籍已迁出本县（未登记迁出日期）"
    if name == "certificate_valid":
        return "持有效残疾人证" if value else _certificate_problem(facts)
    if name == "enrolable":
        if value:
            return "可纳入（在世、户籍在本县、持有效残疾人证）"
        for part in ("alive", "in_county", "certificate_valid"):
            if not getattr(facts, part):
                return describe_flag(part, False, facts)
        return "不可纳入"
    if name == "severe":
        grade = DOMAINS[GRADE].get(facts.grade or 0)
        if value:
            return f"重度残疾（{grade}）"
        return f"残疾等级为{grade}，非重度（要求一级或二级）" if grade else "无残疾等级，非重度"
    if name == "needs_long_term_care":
        return "需长期照护" if value else "未登记需长期照护"
    return f"{FIELDS[name].label}：{'是' if value else '否'}"


def _certificate_problem(facts: Facts) -> str:
    status, m1 = facts.certificate_status, facts.month
    issued, until = facts.certificate_issued_on, facts.certificate_valid_until
    if status == "none":
        return "未办理残疾人证"
    cancelled = status == "cancelled" and not (
        facts.certificate_cancel_reason in EVENT_CANCEL_REASONS
        and facts.living_status_on is not None and m1 is not None
        and facts.living_status_on >= m1)
    if cancelled:
        return "残疾人证已注销"
    if issued is None or until is None:
        return "残疾人证发证日期或有效期未登记"
    if m1 is not None and issued > m1:
        return f"残疾人证于{fmt_date(issued)}才发证"
    if m1 is not None and until < m1:
        return f"残疾人证已于{fmt_date(until)}到期"
    if status not in VALID_STATUSES and status != "cancelled":
        return "残疾人证状态无效"
    return "无有效残疾人证"
