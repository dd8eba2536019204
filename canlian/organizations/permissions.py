"""Who may do what in the organisation system (one condition per line)."""

from __future__ import annotations

from canlian.core.models import User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role

# County staff and leaders see the county, township staff their township, a village liaison
# officer their village (read only).
READ_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF,
                        Role.VILLAGE_LIAISON})
WRITE_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
EXPORT_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF})
# A liaison officer calls the people in the directory; leaders read figures, not numbers.
REVEAL_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON})
# The county bodies (congress, presidium, staff, executive council) are the county's business.
COUNTY_READ_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER})
COUNTY_WRITE_ROLES = frozenset({Role.COUNTY_STAFF})
# The thresholds are configuration: the account administrator or the county's 组联 staff.
THRESHOLD_ROLES = frozenset({Role.COUNTY_ADMIN, Role.COUNTY_STAFF})


def can_write_in(actor: User, region_code: str) -> bool:
    return (
        actor.role in WRITE_ROLES
        and in_jurisdiction(actor, region_code)
    )


def can_reveal(actor: User) -> bool:
    return actor.role in REVEAL_ROLES


def can_edit_thresholds(actor: User) -> bool:
    return (
        actor.role in THRESHOLD_ROLES
        and actor.region.level == "county"
    )
