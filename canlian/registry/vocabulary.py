"""Fixed lists of the person record (民族, 文化程度, 就业状况): plain data, shared by the model's
choices and the row parser (which must not need Django)."""

from __future__ import annotations

# 民族: the 56 nationalities in the order of GB/T 3304, plus its two residual entries. The value is
# the name itself: policy rules compare these fields as text (benefits/rules/vocabulary.py).
ETHNICITIES: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
    "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族",
    "基诺族", "其他", "外国血统中国籍人士",
)  # fmt: skip
# 文化程度: the bands of the national disability sample survey and the annual dynamic update
# (DOMAIN.md §9 names the area, not the list; local configuration may refine it).
EDUCATION_LEVELS: tuple[str, ...] = (
    "未上过学", "学前教育", "小学", "初中", "高中（含中专）", "大学专科", "大学本科", "研究生",
)
# 就业状况: the employment forms of the dynamic-update form 动态1表 (DOMAIN.md §9: 集中就业、
# 个体就业(含自主创业)、辅助性就业、农村种养加、灵活就业 …), quota employment (按比例就业,
# DOMAIN.md §4) and public-welfare posts, and the not-working states.
EMPLOYMENT_STATUSES: tuple[str, ...] = (
    "按比例就业", "集中就业", "个体就业（含自主创业）", "公益性岗位就业", "辅助性就业",
    "灵活就业", "农村种养加", "未就业", "在校学生", "离退休",
)
