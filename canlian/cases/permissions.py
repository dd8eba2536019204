"""Who may do what with visits and cases: pure functions, one condition per line."""

from __future__ import annotations

from canlian.cases.models import Case, CaseSource, CaseStatus
from canlian.core.models import User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role

# Reading visits, due lists, cases and the 问题清单.
READ_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF,
                        Role.VILLAGE_LIAISON})
# 三级残联组织遍访残疾人 (seed 001): county, township and village officers all visit.
VISIT_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON})
# Registering a case for someone (a need found on a visit, a call, a letter).
REGISTER_ROLES = VISIT_ROLES
# Accepting, handling, concluding, returning, extending, reassigning.
HANDLER_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
# Recording the person's satisfaction on a return visit (回访).
RATE_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON,
                        Role.RESIDENT})
# Plans (census rounds, schedules), routing and deadline settings.
PLAN_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
SETTINGS_ROLES = frozenset({Role.COUNTY_STAFF})
RESIDENT_SOURCES = frozenset({CaseSource.HELP, CaseSource.SUGGESTION})


def can_record_visit(actor: User, region_code: str) -> bool:
    """A liaison officer visits the people of their own village only (their jurisdiction)."""
    return actor.role in VISIT_ROLES and in_jurisdiction(actor, region_code)


def can_register_case(actor: User, region_code: str, source: str) -> bool:
    if actor.role == Role.RESIDENT:
        return source in RESIDENT_SOURCES
    return actor.role in REGISTER_ROLES and in_jurisdiction(actor, region_code)


def unit_in_reach(actor: User, case: Case) -> bool:
    """County staff handle any case of the county; township staff the cases whose responsible
    unit sits in their township (a case routed to a county department is not theirs)."""
    if actor.role == Role.COUNTY_STAFF:
        return True
    unit = case.responsible_unit
    return unit is None or unit.region_id.startswith(actor.region.prefix)


def can_handle(actor: User, case: Case) -> bool:
    return (
        actor.role in HANDLER_ROLES
        and in_jurisdiction(actor, case.region_id)
        and unit_in_reach(actor, case)
    )


def is_own_case(actor: User, case: Case, household_person_ids: frozenset[int]) -> bool:
    return case.submitted_by_id == actor.pk or (case.person_id in household_person_ids)


def can_rate(actor: User, case: Case, household_person_ids: frozenset[int] = frozenset()) -> bool:
    if case.status != CaseStatus.CONCLUDED:
        return False
    if actor.role == Role.RESIDENT:
        return is_own_case(actor, case, household_person_ids)
    return actor.role in RATE_ROLES and in_jurisdiction(actor, case.region_id)


def can_request_review(actor: User, case: Case,
                       household_person_ids: frozenset[int] = frozenset()) -> bool:
    """复查 / 复核 are asked by the petitioner (or recorded for them by handling staff)."""
    if case.source != CaseSource.PETITION or case.status != CaseStatus.CONCLUDED:
        return False
    if actor.role == Role.RESIDENT:
        return is_own_case(actor, case, household_person_ids)
    return can_handle(actor, case)


def closure_conflict(actor: User, case: Case) -> str:
    """不相容岗位分离 (DESIGN.md "Data"): who concluded the case (办结) does not confirm its
    closure — neither the staff return visit (回访评价, which closes it when satisfied) nor the
    销号 of a petition. The person themself (a resident) always rates their own case."""
    if actor.role == Role.RESIDENT:
        return ""
    if case.concluded_by_id is None or case.concluded_by_id != actor.pk:
        return ""
    return ("不相容岗位分离：您办结了该诉求，回访评价和销号须由其他工作人员"
            "（如村（社区）专职委员或另一名工作人员）进行。")
