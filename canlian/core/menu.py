"""The left menu: every module of DESIGN.md, filtered by role.

Modules that are not built yet lead to an honest "建设中" page saying what they will do.
"""

from __future__ import annotations

from dataclasses import dataclass

from canlian.core.roles import BUSINESS_ROLES, Role

COUNTY_BUSINESS = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.TOWNSHIP_STAFF,
                             Role.VILLAGE_LIAISON})


@dataclass(frozen=True)
class Module:
    key: str
    label: str
    roles: frozenset[str]
    description: str
    url_name: str = ""  # empty while the module is being built


MODULES: tuple[Module, ...] = (
    Module("registry", "残疾人基础库", COUNTY_BUSINESS,
           "残疾人、家庭户与监护人信息，按姓名、拼音、身份证号、残疾人证号检索，360° 个人档案。",
           "registry:person_list"),
    Module("organizations", "组织体系", COUNTY_BUSINESS,
           "县、乡镇（街道）残联与村（社区）残协、五个专门协会、专职委员与主席团组成。",
           "organizations:unit_list"),
    Module("certificates", "证件办理", BUSINESS_ROLES,
           "残疾人证新办、换领、补办、等级变更、迁移、注销；跨省通办、就地简办、入户特办三个通道。",
           "certificates:application_list"),
    Module("benefits", "政策与补贴", COUNTY_BUSINESS | {Role.COUNTY_ADMIN},
           "两项补贴等政策目录、资格规则、全库资格比对、按月发放与个人年度台账。",
           "benefits:policy_list"),
    Module("assistance", "服务与资源", COUNTY_BUSINESS,
           "康复、辅具、无障碍改造、托养、教育、法律援助、救助等服务记录与需求清单。"),
    Module("cases", "走访与诉求", COUNTY_BUSINESS,
           "入户走访与季度回访、诉求登记、办理时限、对单销号与满意度回访。",
           "cases:due_list"),
    Module("appraisals", "专职委员考核", COUNTY_BUSINESS,
           "专职委员季度考核指标、评分与补贴发放名单。", "appraisals:quarter_list"),
    Module("employment", "就业创业", COUNTY_BUSINESS,
           "求职登记、人才发现、按比例就业单位、岗位匹配、培训与安置。"),
    Module("volunteers", "志愿服务", COUNTY_BUSINESS,
           "志愿服务队伍、志愿者、活动与服务时长。"),
    Module("crosscheck", "数据比对", COUNTY_BUSINESS,
           "与民政、卫健、公安、人社等部门数据比对，发现应享未享与不应享而享；年度动态更新。",
           "crosscheck:overview"),
    Module("reports", "统计分析", frozenset({Role.COUNTY_STAFF, Role.LEADER,
                                              Role.TOWNSHIP_STAFF}),
           "驾驶舱、按时点统计、年度工作总结与参与率、受益率、满意度评估。"),
    Module("registry_settings", "信息变更审核设置", frozenset({Role.COUNTY_ADMIN}),
           "专职委员修改残疾人信息时，各信息组须乡镇（街道）审核还是直接生效。",
           "registry:approval_settings"),
    Module("users", "账户管理", frozenset({Role.COUNTY_ADMIN}),
           "新建、修改、停用账户并分配角色与管辖区域。", "core:user_list"),
    Module("security", "账户安全", frozenset({Role.SECURITY_ADMIN}),
           "锁定账户解锁、接口令牌与登录安全情况。", "core:security"),
    Module("account_requests", "管理员账户申请",
           frozenset({Role.COUNTY_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}),
           "系统管理员、安全管理员、审计管理员账户的新建、修改与密码重置，须另一管理员批准。",
           "core:account_request_list"),
    Module("audit", "审计日志", frozenset({Role.AUDITOR}),
           "查询与导出全部写操作、敏感信息查看、导出与登录记录。", "core:audit_list"),
    Module("regions", "行政区划", frozenset({Role.COUNTY_ADMIN}),
           "县、乡镇（街道）、村（社区）区划代码。", "core:region_list"),
    Module("calendar", "节假日安排", frozenset({Role.COUNTY_ADMIN}),
           "办理时限所用的法定节假日与调休安排，按年录入、导入与确认。", "core:calendar"),
    Module("portal", "我的办事", frozenset({Role.RESIDENT, Role.VOLUNTEER}),
           "在线申请残疾人证与补贴、查看办理进度、走访与服务记录。", "portal:home"),
)
MODULES_BY_KEY = {m.key: m for m in MODULES}


def modules_for(role: str) -> list[Module]:
    return [m for m in MODULES if role in m.roles]
