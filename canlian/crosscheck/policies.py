"""Which benefit policies a household status excludes or requires, read from the rules.

The policies' eligibility rules are data (benefits rule language), so the platform does not
hard-code that 特困 stops both subsidies: a status that appears negated in a policy's current
rule (``not tekun``) excludes it; one that appears plainly (``dibao``) is required by it.
DOMAIN.md §0.3: tekun and 工伤保险生活护理费 → neither subsidy; orphan → no living allowance;
living allowance needs 低保.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from canlian.benefits.catalog import current_rule
from canlian.benefits.eligibility import active_policies
from canlian.benefits.rules.syntax import And, Compare, Flag, Node, Not, Or
from canlian.core.errors import DomainError
from canlian.crosscheck.models import StatusKind

STATUSES = frozenset(StatusKind.values)


def _mentions(node: Node, negated: bool = False) -> Iterator[tuple[str, bool]]:
    """(status, appears negated) for every status flag in the rule."""
    if isinstance(node, Not):
        yield from _mentions(node.operand, not negated)
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from _mentions(item, negated)
    elif isinstance(node, Flag) and node.field in STATUSES:
        yield node.field, negated
    elif isinstance(node, Compare) and node.field in STATUSES and node.op in ("==", "!="):
        wanted = bool(node.values[0]) if node.values else True
        yield node.field, negated ^ (not wanted) ^ (node.op == "!=")


@dataclass
class StatusPolicies:
    excludes: dict[str, set[int]] = field(default_factory=dict)
    requires: dict[str, set[int]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def status_policies() -> StatusPolicies:
    found = StatusPolicies()
    for policy in active_policies():
        found.names[policy.pk] = policy.name
        try:
            rule = current_rule(policy)
        except DomainError:  # a policy without a rule takes part in nothing
            continue
        for status, negated in _mentions(rule.root):
            target = found.excludes if negated else found.requires
            target.setdefault(status, set()).add(policy.pk)
    return found
