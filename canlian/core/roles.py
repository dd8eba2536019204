"""Roles of DESIGN.md "Users and their rooms", plus the 等保 安全管理员.

等保 第三级 requires three separated administrators (DOMAIN.md §7.1): 系统管理员 (`county_admin`:
accounts), 安全管理员 (`security_admin`: lockouts, tokens, security posture) and 审计管理员
(`auditor`: reads the audit log only). No role holds two of the three duties.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDITOR = "auditor", "审计管理员"
    COUNTY_STAFF = "county_staff", "县残联工作人员"
    LEADER = "leader", "领导"
    TOWNSHIP_STAFF = "township_staff", "乡镇（街道）残联"
    VILLAGE_LIAISON = "village_liaison", "村（社区）专职委员"
    ASSESSOR = "assessor", "评残医生"
    RESIDENT = "resident", "残疾人及亲属"
    VOLUNTEER = "volunteer", "志愿者"


ADMIN_ROLES = frozenset({Role.COUNTY_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
# Staff who work with the registry inside their jurisdiction.
BUSINESS_ROLES = frozenset(
    {Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON, Role.ASSESSOR}
)
STAFF_ROLES = ADMIN_ROLES | BUSINESS_ROLES
PORTAL_ROLES = frozenset({Role.RESIDENT, Role.VOLUNTEER})
ALL_ROLES = STAFF_ROLES | PORTAL_ROLES
READ_ONLY_ROLES = frozenset({Role.LEADER, Role.AUDITOR})
# 等保 第三级 双因素: the three administrators must sign in with a second factor (TOTP);
# other staff may enrol one (issue #17 §12).
OTP_REQUIRED_ROLES = ADMIN_ROLES
