"""Who may do what in benefits: pure functions of the actor (scope is the selectors' job)."""

from __future__ import annotations

from canlian.benefits.models import Enrolment, PayrollBatch, ReviewStep
from canlian.core.models import User
from canlian.core.roles import Role

# 乡镇初审 by township staff; 县残联审核 by county staff; 民政审定 is decided by 民政 and recorded
# by county staff (DOMAIN.md §3.2). 不相容岗位分离 (DESIGN.md "Data"): each step by the role it
# names, and by an account that neither recorded the application nor decided an earlier step.
STEP_ROLES = {
    ReviewStep.TOWNSHIP: frozenset({Role.TOWNSHIP_STAFF}),
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


STEP_LABELS = dict(ReviewStep.choices)
SEPARATION = "不相容岗位分离"


def can_review_step(actor: User, step: str) -> bool:
    return actor.role in STEP_ROLES.get(step, frozenset())


def review_refusal(actor: User, enrolment: Enrolment) -> tuple[str, str] | None:
    """(code, Chinese message) when `actor` may not decide the enrolment's pending step, else
    None. Reads `enrolment.steps` (prefetched by the detail selector)."""
    step = enrolment.next_step
    label = STEP_LABELS.get(step, step)
    if not can_review_step(actor, step):
        return "wrong_role", f"您的角色不能办理“{label}”环节。"
    if enrolment.applied_by_id == actor.pk:
        return ("separation_of_duties",
                f"{SEPARATION}：本申请由您登记，不能由您办理“{label}”，请由其他工作人员审核。")
    done = [s.action for s in enrolment.steps.all()
            if s.actor_id == actor.pk and s.action in STEP_LABELS.values()]
    if done:
        return ("separation_of_duties",
                f"{SEPARATION}：您已办理本申请的“{done[0]}”，“{label}”须由另一名工作人员办理。")
    return None


def approve_refusal(actor: User, batch: PayrollBatch) -> tuple[str, str] | None:
    """Why `actor` may not approve the payroll batch (None: may)."""
    if not can_run_payroll(actor):
        return "wrong_role", "您的角色不能审核发放批次。"
    if batch.generated_by_id == actor.pk:
        return ("separation_of_duties",
                f"{SEPARATION}：本批次由您生成，须由另一名县残联工作人员审核。")
    return None


def can_manage_enrolment(actor: User) -> bool:
    # County staff only: the 系统管理员 handles no business personal data (issue #17 §6).
    return actor.role == Role.COUNTY_STAFF


def can_apply(actor: User) -> bool:
    return actor.role in APPLY_ROLES


def can_run_payroll(actor: User) -> bool:
    return actor.role in PAYROLL_ROLES


def can_edit_rules(actor: User) -> bool:
    return actor.role in RULE_EDIT_ROLES
