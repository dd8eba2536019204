"""Who may do what in benefits: pure functions of the actor (scope is the selectors' job)."""

from __future__ import annotations

from canlian.benefits.models import ReviewStep
from canlian.core.models import User
from canlian.core.roles import Role

# 乡镇初审 by the township (or the county on its behalf); 县残联审核 by county staff; 民政审定 is
# decided by 民政 and recorded by county staff (DOMAIN.md §3.2).
STEP_ROLES = {
    ReviewStep.TOWNSHIP: frozenset({Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF}),
    ReviewStep.COUNTY: frozenset({Role.COUNTY_STAFF}),
    ReviewStep.CIVIL_AFFAIRS: frozenset({Role.COUNTY_STAFF}),
}
VIEW_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF,
                        Role.VILLAGE_LIAISON})
APPLY_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON})
PAYROLL_ROLES = frozenset({Role.COUNTY_STAFF})
# Gap lists leave the system as files for the townships' follow-up (masked, audited).
EXPORT_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF})
CATALOG_VIEW_ROLES = VIEW_ROLES | {Role.COUNTY_ADMIN}
RULE_EDIT_ROLES = frozenset({Role.COUNTY_ADMIN})


def can_review_step(actor: User, step: str) -> bool:
    return actor.role in STEP_ROLES.get(step, frozenset())


def can_manage_enrolment(actor: User) -> bool:
    # County staff only: the 系统管理员 handles no business personal data (issue #17 §6).
    return actor.role == Role.COUNTY_STAFF


def can_apply(actor: User) -> bool:
    return actor.role in APPLY_ROLES


def can_run_payroll(actor: User) -> bool:
    return actor.role in PAYROLL_ROLES


def can_edit_rules(actor: User) -> bool:
    return actor.role in RULE_EDIT_ROLES
