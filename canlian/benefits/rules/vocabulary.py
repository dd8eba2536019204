"""The words of the rule language: facts (fields), keywords and named constants.

`FIELDS` is the one table the parser, the documentation (docs/rules.md) and the rule editor
page read, so a fact is described in one place.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

Value = int | str | bool

BOOL = "bool"
INT = "int"
CATEGORY = "category"
GRADE = "grade"
STR = "str"
REGION = "region"

TYPE_LABELS: dict[str, str] = {
    BOOL: "是/否",
    INT: "整数",
    CATEGORY: "残疾类别（1–7）",
    GRADE: "残疾等级（1–4）",
    STR: "文本",
    REGION: "区划代码（前缀）",
}


@dataclass(frozen=True)
class FieldSpec:
    """One fact about a person in month M: its canonical name, aliases and meaning."""

    name: str
    aliases: tuple[str, ...]
    type: str
    label: str
    description: str
    # False for a fact Canlian does not hold (a student's enrolment this year): a rule that
    # needs it answers 需核实 (verified on application), never 符合 (issue 16 §6).
    known: bool = True

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.type]


def _spec(name: str, alias: str, type_: str, description: str, *,
          known: bool = True) -> FieldSpec:
    return FieldSpec(name=name, aliases=(alias,), type=type_, label=alias,
                     description=description, known=known)


# DOMAIN.md §0.3: every fact is read at the start of month M (M1 = the 1st of M).
FIELDS: dict[str, FieldSpec] = {
    spec.name: spec for spec in (
        _spec("alive", "在世", BOOL,
              "当月1日在世：未登记死亡，或死亡日期不早于当月1日（当月死亡的当月仍计，次月起停发）；"
              "登记死亡但未填死亡日期的视为不在世；迁出的人仍算在世。"),
        _spec("in_county", "户籍在县", BOOL,
              "当月1日户籍仍在本县：未登记迁出，或迁出日期不早于当月1日；"
              "登记迁出但未填日期的视为已迁出。"),
        _spec("certificate_valid", "持证有效", BOOL,
              "当月1日持有效残疾人证：发证日期 ≤ 当月1日 ≤ 有效期至，且证件状态为有效或已过期"
              "（以有效期为准）；因死亡或迁出注销的，死亡/迁出日期不早于当月1日的当月仍有效；"
              "其他原因注销、未办证或日期未登记的无效。"),
        _spec("enrolable", "可纳入", BOOL,
              "可纳入两项补贴：在世 且 户籍在县 且 持证有效（DOMAIN §0.3）。"),
        _spec("category", "残疾类别", CATEGORY,
              "残疾类别：1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重；未评定的为空。"),
        _spec("grade", "残疾等级", GRADE,
              "残疾等级：1 一级（极重度）至 4 四级（轻度），数字越小越重；多重残疾取最重的等级；"
              "未评定的为空。"),
        _spec("severe", "重度", BOOL,
              "重度残疾：残疾等级为一级或二级（国发〔2015〕52号）。"),
        _spec("needs_long_term_care", "需长期照护", BOOL,
              "登记为需长期照护（持续 6 个月以上）。"),
        _spec("age", "年龄", INT,
              "当月1日的周岁年龄（按出生日期计算，2月29日出生的在3月1日满周岁）。"),
        _spec("sex", "性别", STR, "性别：“男”或“女”。"),
        _spec("education", "文化程度", STR,
              "登记的文化程度（原文比较，如“小学”）；未登记为空文本。"),
        _spec("employment_status", "就业状况", STR, "登记的就业状况（原文比较）；未登记为空文本。"),
        _spec("dibao", "低保", BOOL,
              "所在家庭户当月在低保期内（起止月份都算在内）。无家庭户的为否。"),
        _spec("tekun", "特困", BOOL, "所在家庭户当月在特困人员供养期内。无家庭户的为否。"),
        _spec("orphan", "孤儿保障", BOOL, "所在家庭户当月享受孤儿基本生活保障。无家庭户的为否。"),
        _spec("work_injury_care", "工伤护理", BOOL,
              "所在家庭户当月领取工伤保险生活护理费。无家庭户的为否。"),
        _spec("college_student", "大专以上在读", BOOL,
              "本年度在大专及以上院校就读（含当年录取的新生）。平台不掌握学籍信息：用到此条件的"
              "规则，对其余条件都符合的人答“需核实”（不答“符合”），申请时凭录取通知书或学籍证明"
              "核实；全县统计把这些人计为“需核实”。", known=False),
        _spec("region", "户籍地", REGION,
              "户籍地区划代码。比较为前缀匹配：region in (\"520322101\") 表示户籍在该乡镇内；"
              "12 位代码末尾的 0 按级别去掉（520322000000 即 520322）。"),
    )
}

# Facts Canlian does not hold (see FieldSpec.known).
UNKNOWN_FIELDS: frozenset[str] = frozenset(name for name, spec in FIELDS.items()
                                           if not spec.known)

# Household status kinds behind the four household facts (registry.HouseholdStatusKind).
HOUSEHOLD_FIELDS: dict[str, str] = {
    "dibao": "dibao", "tekun": "tekun", "orphan": "orphan",
    "work_injury_care": "work_injury_care",
}

CATEGORY_NAMES: dict[int, str] = {
    1: "视力残疾", 2: "听力残疾", 3: "言语残疾", 4: "肢体残疾", 5: "智力残疾", 6: "精神残疾",
    7: "多重残疾",
}
GRADE_NAMES: dict[int, str] = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
DOMAINS: dict[str, dict[int, str]] = {CATEGORY: CATEGORY_NAMES, GRADE: GRADE_NAMES}
SEXES: dict[str, str] = {"男": "M", "女": "F"}
AGE_MAX = 150

# Named constants: word -> (type, value).
CONSTANTS: dict[str, tuple[str, Value]] = {
    **{name[:2]: (CATEGORY, value) for value, name in CATEGORY_NAMES.items()},
    **{name: (CATEGORY, value) for value, name in CATEGORY_NAMES.items()},
    **{name: (GRADE, value) for value, name in GRADE_NAMES.items()},
    "true": (BOOL, True), "false": (BOOL, False), "是": (BOOL, True), "否": (BOOL, False),
    "男": (STR, "男"), "女": (STR, "女"),
}

# Keyword word -> token kind. "不属于" is one word: "not in".
KEYWORDS: dict[str, str] = {
    "and": "AND", "且": "AND", "并且": "AND",
    "or": "OR", "或": "OR",
    "not": "NOT", "非": "NOT", "不": "NOT",
    "in": "IN", "属于": "IN",
    "不属于": "NOTIN",
}

ALIASES: dict[str, str] = {
    **{name: name for name in FIELDS},
    **{alias: spec.name for spec in FIELDS.values() for alias in spec.aliases},
}

# Every word a run of Chinese characters can be split into, longest first.
CJK_WORDS: tuple[str, ...] = tuple(sorted(
    (w for w in (*ALIASES, *CONSTANTS, *KEYWORDS) if not w.isascii()), key=len, reverse=True,
))


# ---------------------------------------------------------------- operator meaning

COMPARE: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def base_op(op: str) -> tuple[bool, str]:
    """(negated, positive op): `!=` is not `==`, `not in` is not `in` — so a missing value
    fails the positive op and passes its negation, in SQL and in Python alike."""
    return {"!=": (True, "=="), "notin": (True, "in")}.get(op, (False, op))


def allowed_values(domain: dict[int, str], op: str, values: tuple[Value, ...]) -> list[int]:
    """The domain values that satisfy a positive op (== < <= > >= in)."""
    if op == "in":
        return [v for v in domain if v in values]
    return [v for v in domain if COMPARE[op](v, int(values[0]))]
