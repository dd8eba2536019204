"""Forms of the organisation system: parsing and field checks only; the rules live in
services.py, whose DomainError lands on the field it names (DomainErrorFormMixin)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from canlian.core.forms import DomainErrorFormMixin
from canlian.organizations.models import Post, SpecialKind, ThresholdKey, UnitKind
from canlian.organizations.selectors import DEFAULTS, MEMBER_FLAGS
from canlian.organizations.services import MemberData, TrainingData, UnitData

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FLAG_FIELDS = ("is_disabled", "is_relative", "is_role_model", "is_grassroots", "is_rural",
               "is_volunteer")


def _blank(choices: list[tuple[Any, str]], label: str = "请选择") -> list[tuple[Any, str]]:
    return [("", label), *choices]


class UnitFilterForm(forms.Form):
    q = forms.CharField(label="组织名称", required=False, max_length=50)
    kind = forms.ChoiceField(label="组织类型", required=False,
                             choices=_blank(list(UnitKind.choices), "全部"))
    region = forms.ChoiceField(label="区域", required=False)

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(region_choices, "全部")


class UnitForm(DomainErrorFormMixin, forms.Form):
    kind = forms.ChoiceField(label="组织类型", choices=_blank(list(UnitKind.choices)))
    special_kind = forms.ChoiceField(label="专门协会类别", required=False,
                                     choices=_blank(list(SpecialKind.choices), "不是专门协会"),
                                     help_text="仅组织类型为“专门协会”时选择。")
    name = forms.CharField(label="组织名称", max_length=100,
                           help_text="如：楚米镇残疾人联合会、高山村残疾人协会。")
    region = forms.ChoiceField(label="所在区划",
                               help_text="县残联及其机构、专门协会选县；乡镇（街道）残联选乡镇；"
                                         "村（社区）残协选村（社区）。")
    parent = forms.TypedChoiceField(label="上级组织", required=False, coerce=int,
                                    empty_value=None)
    established_on = forms.DateField(label="成立日期", required=False, widget=DATE)
    address = forms.CharField(label="办公地址", max_length=200, required=False)
    is_active = forms.BooleanField(label="组织存续（撤销时取消勾选）", required=False,
                                   initial=True)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]],
                 parent_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(region_choices)
        self.fields["parent"].choices = _blank(parent_choices, "无")

    def data_object(self) -> UnitData:
        d = self.cleaned_data
        return UnitData(kind=d["kind"], name=d["name"], region_code=d["region"],
                        special_kind=d["special_kind"], parent_id=d["parent"],
                        established_on=d["established_on"], address=d["address"],
                        is_active=d["is_active"], note=d["note"])


class MemberFilterForm(forms.Form):
    q = forms.CharField(label="姓名", required=False, max_length=50)
    region = forms.ChoiceField(label="区域", required=False)
    flag = forms.ChoiceField(label="类别", required=False,
                             choices=_blank([(k, v[0]) for k, v in MEMBER_FLAGS.items()], "全部"))

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(region_choices, "全部")


class MemberForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    sex = forms.ChoiceField(label="性别", required=False,
                            choices=[("", "未填"), ("M", "男"), ("F", "女")])
    phone = forms.CharField(label="联系电话", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "off"}))
    region = forms.ChoiceField(label="所在区划", help_text="人员居住或工作的村（社区）、乡镇或县。")
    id_number = forms.CharField(
        label="身份证号（关联残疾人库）", max_length=30, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="本人已在残疾人库登记时填写，用于关联档案；身份证号本身不在此保存。"
                  "留空则保持原有关联。")
    user = forms.TypedChoiceField(label="系统账户", required=False, coerce=int,
                                  empty_value=None,
                                  help_text="专职委员等工作人员的登录账户（如有）。")
    is_disabled = forms.BooleanField(label="残疾人", required=False)
    is_relative = forms.BooleanField(label="残疾人亲友", required=False)
    is_role_model = forms.BooleanField(label="自强模范", required=False)
    is_grassroots = forms.BooleanField(label="基层一线", required=False)
    is_rural = forms.BooleanField(label="农村", required=False)
    is_volunteer = forms.BooleanField(label="助残志愿者", required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]],
                 user_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(region_choices)
        self.fields["user"].choices = _blank(user_choices, "无")

    def data_object(self) -> MemberData:
        d = self.cleaned_data
        return MemberData(name=d["name"], region_code=d["region"], sex=d["sex"],
                          phone=d["phone"], id_number=d["id_number"], user_id=d["user"],
                          note=d["note"], **{f: d[f] for f in FLAG_FIELDS})


class HoldingForm(DomainErrorFormMixin, forms.Form):
    member = forms.TypedChoiceField(label="人员", coerce=int,
                                    help_text="只列出本组织所在区划内的人员；名单中没有的请先"
                                              "“新增人员”。")
    post = forms.ChoiceField(label="职务", choices=_blank(list(Post.choices)))
    started_on = forms.DateField(label="任职起始日期", widget=DATE)
    ended_on = forms.DateField(label="任职终止日期", required=False, widget=DATE,
                               help_text="仍在任的留空。")
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, member_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _blank(member_choices)


class HoldingEndForm(DomainErrorFormMixin, forms.Form):
    ended_on = forms.DateField(label="任职终止日期", widget=DATE)


class DayForm(forms.Form):
    on = forms.DateField(label="统计日期", required=False, widget=DATE,
                         help_text="按该日在任人员计算，默认今天。")


class YearForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)


class ThresholdForm(DomainErrorFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in ThresholdKey.choices:
            days = key == ThresholdKey.COUNCIL_GRASSROOTS_DAYS
            self.fields[key] = forms.DecimalField(
                label=f"{label}（{'天' if days else '%'}）", max_digits=5, decimal_places=1,
                min_value=Decimal(0), max_value=Decimal(366 if days else 100),
                help_text=f"濮阳县残联改革方案默认值：{DEFAULTS[key]}"
                          f"{'天' if days else '%'}")


class TrainingForm(DomainErrorFormMixin, forms.Form):
    title = forms.CharField(label="培训名称", max_length=100)
    region = forms.ChoiceField(label="举办单位所在区划")
    held_on = forms.DateField(label="培训日期", widget=DATE)
    days = forms.DecimalField(label="培训天数", max_digits=4, decimal_places=1,
                              min_value=Decimal("0.5"), initial=1)
    location = forms.CharField(label="地点", max_length=100, required=False)
    is_online = forms.BooleanField(label="线上培训", required=False)
    topic = forms.CharField(label="内容", max_length=200, required=False)

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(region_choices)

    def data_object(self) -> TrainingData:
        d = self.cleaned_data
        return TrainingData(title=d["title"], region_code=d["region"], held_on=d["held_on"],
                            days=d["days"], location=d["location"], is_online=d["is_online"],
                            topic=d["topic"])


class AttendanceForm(DomainErrorFormMixin, forms.Form):
    members = forms.TypedMultipleChoiceField(label="参训人员", required=False, coerce=int,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, member_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = member_choices


class GrassrootsForm(DomainErrorFormMixin, forms.Form):
    member = forms.TypedChoiceField(label="执行理事会成员", coerce=int)
    started_on = forms.DateField(label="开始日期", widget=DATE, initial=date.today)
    days = forms.DecimalField(label="天数", max_digits=4, decimal_places=1,
                              min_value=Decimal("0.5"), max_value=Decimal(366))
    place = forms.ChoiceField(label="地点（乡镇或村）")
    purpose = forms.CharField(label="事由", max_length=200,
                              help_text="如：走访困难残疾人家庭、调研村残协工作。")

    def __init__(self, *args: Any, member_choices: list[tuple[str, str]],
                 region_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _blank(member_choices)
        self.fields["place"].choices = _blank(region_choices)


class ImportForm(forms.Form):
    file = forms.FileField(label="导入文件",
                           help_text="Excel（.xlsx）或 CSV（UTF-8）文件，不超过 5 MB。")
    mode = forms.ChoiceField(
        label="导入方式", widget=forms.RadioSelect, initial="preview",
        choices=[("preview", "仅检查，不写入（预览）"),
                 ("all", "全部正确才导入（有任何错误则不导入）")])
