"""Who may do what in cross-checks: pure functions of the actor (scope is the selectors')."""

from __future__ import annotations

from canlian.core.models import User
from canlian.core.roles import Role

# Findings and their counts: county and township staff, leaders (read only). Never the
# 系统管理员: the lists name deaths, 低保 and mental disorders, business personal data an
# account administrator must not handle (等保 三员分立, issue #17 §6).
VIEW_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF})
IMPORT_ROLES = frozenset({Role.COUNTY_STAFF})
# Lists are imported for the whole county: their history is a county-level page.
DATASET_ROLES = IMPORT_ROLES | {Role.LEADER}
# Confirming changes the registry and stops enrolments: county staff (benefits' 停发 role).
CONFIRM_ROLES = frozenset({Role.COUNTY_STAFF})
EXPORT_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF})
# Confirming a whole class of exact matches at once (issue #8 §3): county staff, who answer
# for the registry; no longer the 系统管理员 (issue #17 §6).
CONFIRM_CLASS_ROLES = frozenset({Role.COUNTY_STAFF})
# The annual update: liaison officers collect, township and county staff follow and review.
SURVEY_COLLECT_ROLES = frozenset({Role.VILLAGE_LIAISON, Role.TOWNSHIP_STAFF,
                                  Role.COUNTY_STAFF})
SURVEY_VIEW_ROLES = frozenset({Role.VILLAGE_LIAISON, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF,
                               Role.LEADER})
SURVEY_REVIEW_ROLES = frozenset({Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})


def can_confirm(actor: User) -> bool:
    return actor.role in CONFIRM_ROLES


def can_confirm_class(actor: User) -> bool:
    """Issue #8 §3 and #17 §6: county staff confirm a whole class of exact matches at once."""
    return actor.role in CONFIRM_CLASS_ROLES


def can_import(actor: User) -> bool:
    return actor.role in IMPORT_ROLES


def can_review_survey(actor: User) -> bool:
    return actor.role in SURVEY_REVIEW_ROLES
