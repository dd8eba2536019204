"""Who may do what with certificate applications: pure functions, one condition per line."""

from __future__ import annotations

from collections.abc import Mapping

from canlian.certificates.models import (
    Application,
    Assessment,
    AssessmentResult,
    Status,
    Step,
)
from canlian.certificates.workflow import (
    NEEDS_ASSESSMENT,
    STEP_ACTORS,
    SUBMIT_CHANNELS,
    township_categories,
)
from canlian.core.models import User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role

READ_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF,
                        Role.VILLAGE_LIAISON})
STATISTICS_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF})
STAFF_SUBMIT_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON})
DOCUMENT_ROLES = READ_ROLES


def can_submit_on(actor: User, channel: str) -> bool:
    return channel in SUBMIT_CHANNELS.get(actor.role, frozenset())


def can_act(actor: User, application: Application, step: str) -> bool:
    """The actor's role may take this step on this channel, inside their jurisdiction."""
    channels = STEP_ACTORS.get(step, {}).get(actor.role, frozenset())
    return (
        application.is_open
        and application.channel in channels
        and in_jurisdiction(actor, application.region_id)
        and _township_may_assess(actor, application, step)
    )


def _township_may_assess(actor: User, application: Application, step: str) -> bool:
    """就地简办 assessment only for the categories the county delegates (e.g. 肢体)."""
    if actor.role != Role.TOWNSHIP_STAFF or step != "assess":
        return True
    return (application.type not in NEEDS_ASSESSMENT
            or application.declared_category in township_categories())


def can_record_assessment(actor: User, assessment: Assessment) -> bool:
    return (
        actor.role == Role.ASSESSOR
        and assessment.assessor_id == actor.pk
        and assessment.result == AssessmentResult.PENDING
        and assessment.application.status == Status.IN_PROGRESS
        and assessment.application.step == "assess"
    )


# 不相容岗位分离 (DESIGN.md "Data"): the review decision (审核, approve or refuse) is taken by a
# county staff account that did none of these earlier steps of the same application.
REVIEW_CONFLICTS: dict[str, str] = {
    Step.SUBMIT: "提交（录入）",
    Step.ACCEPT: "受理",
    Step.ASSESS: "评定",
}


def review_conflict(actor: User, earlier: Mapping[str, frozenset[int]]) -> str:
    """Why the actor may not take the review decision ("" when they may): `earlier` maps each
    step to the accounts that took it (selectors.step_actors)."""
    done = [label for step, label in REVIEW_CONFLICTS.items()
            if actor.pk in earlier.get(step, frozenset())]
    if not done:
        return ""
    return (f"不相容岗位分离：您{'、'.join(done)}了该申请，不能再审核同一申请。"
            "请由另一名县残联工作人员审核。")
