"""Who may do what in the registry."""

from __future__ import annotations

from canlian.core.models import User
from canlian.core.roles import Role

# 评残医生 see only the assessments assigned to them (certificates module), not the registry.
READ_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF,
                        Role.VILLAGE_LIAISON})
WRITE_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
# Liaison officers may propose new persons and edits; township staff approve them.
EDIT_ROLES = WRITE_ROLES | {Role.VILLAGE_LIAISON}
EXPORT_ROLES = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF})
REVEAL_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON})
REVEALABLE_FIELDS = {"id_number": "身份证号", "phone": "联系电话",
                     "certificate_number": "残疾人证号", "guardian_id_number": "监护人身份证号",
                     "guardian_phone": "监护人电话"}


def can_edit_person(actor: User) -> bool:
    return actor.role in EDIT_ROLES


def can_reveal(actor: User) -> bool:
    """A liaison officer needs the full number at the door (visits); leaders do not."""
    return actor.role in REVEAL_ROLES
