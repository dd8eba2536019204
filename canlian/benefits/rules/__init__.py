"""The benefits rule language: a small expression language over person and household facts
at a month, e.g. ``enrolable and dibao and not tekun`` or
``持证有效 且 残疾等级 属于 (一级, 二级)``.

A rule is parsed and type-checked once (`parse`, raising `RuleError` at the offending token),
then either compiled to one `Q` over registry.Person for month M (`Rule.q`) or evaluated for one
person from their `Facts` with a reason per clause (`Rule.evaluate`). Staff reference:
docs/rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from canlian.benefits.rules.explain import Clause, Verdict, evaluate
from canlian.benefits.rules.facts import Facts, facts_for, facts_for_many
from canlian.benefits.rules.sql import compile_q
from canlian.benefits.rules.syntax import Node, RuleError, fields_of, parse_tree
from canlian.benefits.rules.vocabulary import FIELDS, UNKNOWN_FIELDS, FieldSpec
from canlian.registry.models import disabled_condition

__all__ = [
    "FIELDS",
    "Clause",
    "Facts",
    "FieldSpec",
    "Rule",
    "RuleError",
    "Verdict",
    "facts_for",
    "facts_for_many",
    "parse",
]


@dataclass(frozen=True)
class Rule:
    """A parsed, type-checked rule. Build it with `parse(text)`."""

    text: str
    fields: frozenset[str]
    root: Node = field(repr=False, compare=False)

    @property
    def needs_verification(self) -> bool:
        """The rule uses a fact Canlian does not hold: its best answer is 需核实."""
        return bool(self.fields & UNKNOWN_FIELDS)

    def q(self, month: date) -> Q:
        """Filter for registry.Person querysets: the disabled persons (never household members
        without a disability) the rule holds for in month M, or may hold for when it needs a
        fact Canlian does not hold (then each of them is 需核实)."""
        return disabled_condition() & compile_q(self.root, month)

    def evaluate(self, facts: Facts) -> Verdict:
        """The rule for one person, from their facts alone (no queries)."""
        return evaluate(self.root, self.text, facts)


def parse(text: str) -> Rule:
    """Parse and type-check `text`; raises RuleError (code "rule_invalid") at the bad token."""
    root = parse_tree(text)
    return Rule(text=text, fields=fields_of(root), root=root)
