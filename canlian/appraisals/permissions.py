"""Who may do what in the quarterly appraisal (one condition per line).

The scheme and the quarter are the county's business (组联部 of the county DPF: county staff);
township staff score their own officers' manual items (seed 000: "县残联与乡镇（街道）紧密协作，
共同进行严格考核"); an officer reads their own finalised results and appeals; leaders read.
"""

from __future__ import annotations

from canlian.appraisals.models import AppraisalAppeal, AppraisalResult
from canlian.core.models import RegionLevel, User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role

VIEW_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF,
                        Role.VILLAGE_LIAISON})
# The quarter overview and the appeals list: everyone but the officers themselves.
OVERVIEW_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF})
COUNTY_ROLES = frozenset({Role.COUNTY_STAFF})  # scheme, compute, finalise, appeals, payment list
SCORE_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
APPEAL_ROLES = frozenset({Role.VILLAGE_LIAISON})


def is_county_staff(actor: User) -> bool:
    return (
        actor.role in COUNTY_ROLES
        and actor.region.level == RegionLevel.COUNTY
    )


def can_score(actor: User, result: AppraisalResult) -> bool:
    return (
        actor.role in SCORE_ROLES
        and in_jurisdiction(actor, result.region_id)
    )


def can_appeal(actor: User, result: AppraisalResult) -> bool:
    """Only the officer whose result it is."""
    return (
        actor.role in APPEAL_ROLES
        and result.user_id is not None
        and result.user_id == actor.pk
    )


def can_decide_appeal(actor: User, appeal: AppraisalAppeal) -> bool:
    return (
        is_county_staff(actor)
        and in_jurisdiction(actor, appeal.result.region_id)
    )


def finalize_conflict(actor: User, scored_by_actor: bool) -> str:
    """不相容岗位分离 (DESIGN.md "Data"): who entered manual scores of a quarter does not
    finalise it (定稿 is the approval of those scores); `scored_by_actor` from
    selectors.has_scored."""
    if not scored_by_actor:
        return ""
    return ("不相容岗位分离：您录入了本季度的人工评分，不能再为同一季度定稿。"
            "请由另一名县残联工作人员定稿。")
