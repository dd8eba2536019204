"""Registry forms. The person form is checked by the same row parser as an import, so a page,
the API and a spreadsheet obey one set of rules; errors land on the field they name."""

from __future__ import annotations

from typing import Any

from django import forms

from canlian.core.audit import MASKED_FIELDS
from canlian.core.forms import DomainErrorFormMixin
from canlian.core.idnumbers import mask_id_number
from canlian.registry.changes import FIELD_GROUPS
from canlian.registry.models import (
    Category,
    CertificateStatus,
    FieldGroup,
    Grade,
    HouseholdStatusKind,
    Person,
)
from canlian.registry.models import LivingStatus as Living
from canlian.registry.rows import PersonRow, parse_rows
from canlian.registry.selectors import Hardship
from canlian.registry.vocabulary import EDUCATION_LEVELS, EMPLOYMENT_STATUSES, ETHNICITIES

# form field → import column header (canlian.registry.rows)
COLUMNS = {
    "name": "姓名",
    "id_number": "身份证号",
    "region": "户籍地区划代码",
    "address": "现住址",
    "phone": "联系电话",
    "category": "残疾类别",
    "grade": "残疾等级",
    "components": "多重残疾类别",
    "certificate_number": "残疾人证号",
    "certificate_issued_on": "发证日期",
    "certificate_valid_until": "有效期至",
    "needs_long_term_care": "是否需长期照护",
    "living_status": "生存状态",
    "died_on": "死亡日期",
    "head_id_number": "户主身份证号",
    "relation_to_head": "与户主关系",
    "guardian_name": "监护人姓名",
    "guardian_id_number": "监护人身份证号",
    "guardian_phone": "监护人电话",
    "is_dibao": "是否低保",
    "is_tekun": "是否特困",
    "ethnicity": "民族",
    "education": "文化程度",
    "employment_status": "就业状况",
}
FIELD_FOR_COLUMN = {column: name for name, column in COLUMNS.items()}
# Full identifiers the edit form never shows (the ID number itself is not editable there).
IDENTIFIER_FIELDS = ("phone", "certificate_number", "head_id_number", "guardian_id_number",
                     "guardian_phone")
YES_NO = [("", "不变"), ("是", "是"), ("否", "否")]
LIVING = [("正常", "正常"), ("死亡", "死亡"), ("迁出", "迁出")]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    return [("", "请选择"), *choices]


def _named(names: tuple[str, ...]) -> list[tuple[Any, str]]:
    return [(name, name) for name in names]


class PersonForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    ethnicity = forms.ChoiceField(label="民族", required=False,
                                  choices=_blank(_named(ETHNICITIES)))
    education = forms.ChoiceField(label="文化程度", required=False,
                                  choices=_blank(_named(EDUCATION_LEVELS)))
    employment_status = forms.ChoiceField(label="就业状况", required=False,
                                          choices=_blank(_named(EMPLOYMENT_STATUSES)))
    region = forms.ChoiceField(label="户籍地（村、社区）")
    address = forms.CharField(label="现住址", max_length=200, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    category = forms.ChoiceField(label="残疾类别", required=False,
                                 choices=_blank(list(Category.choices)))
    grade = forms.ChoiceField(label="残疾等级", required=False, choices=_blank(list(Grade.choices)))
    components = forms.MultipleChoiceField(
        label="多重残疾类别", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[c for c in Category.choices if c[0] != Category.MULTIPLE],
        help_text="残疾类别为多重残疾时，选择两个或以上类别。")
    certificate_number = forms.CharField(label="残疾人证号", max_length=30, required=False,
                                         help_text="身份证号 + 类别代码 + 等级代码，共 20 位。")
    certificate_issued_on = forms.DateField(label="发证日期", required=False, widget=DATE)
    certificate_valid_until = forms.DateField(label="有效期至", required=False, widget=DATE)
    needs_long_term_care = forms.ChoiceField(label="是否需长期照护", required=False,
                                             choices=[("否", "否"), ("是", "是")])
    living_status = forms.ChoiceField(label="生存状态", choices=LIVING)
    died_on = forms.DateField(label="死亡日期", required=False, widget=DATE)
    head_id_number = forms.CharField(label="户主身份证号", max_length=30, required=False,
                                     help_text="本人即户主时留空。")
    relation_to_head = forms.CharField(label="与户主关系", max_length=20, required=False)
    guardian_name = forms.CharField(label="监护人姓名", max_length=50, required=False)
    guardian_id_number = forms.CharField(label="监护人身份证号", max_length=30, required=False)
    guardian_phone = forms.CharField(label="监护人电话", max_length=20, required=False)
    is_dibao = forms.ChoiceField(label="是否低保", required=False, choices=YES_NO)
    is_tekun = forms.ChoiceField(label="是否特困", required=False, choices=YES_NO)

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]],
                 person: Person | None = None, **kwargs: Any) -> None:
        """`person`: the record edited. Its identifiers are never put in the page (issue 16
        §4: every display of a full number is an audited reveal): each shows masked in its
        help text, and its field starts empty: a value typed replaces it, empty keeps it."""
        self.person = person
        self.current = person_initial(person) if person is not None else {}
        if person is not None:
            kwargs["initial"] = {name: ("" if name in IDENTIFIER_FIELDS else value)
                                 for name, value in self.current.items()}
            kwargs["initial"]["id_number"] = mask_id_number(person.id_number)
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(region_choices)
        self.row: PersonRow | None = None
        if person is not None:
            self._mask_identifiers()

    def _mask_identifiers(self) -> None:
        self.fields["id_number"] = forms.CharField(
            label="身份证号", required=False, disabled=True,
            help_text="身份证号不能修改；如登记有误请注销后重新建档。")
        for name in IDENTIFIER_FIELDS:
            field, value = self.fields[name], self.current[name]
            shown = f"当前：{MASKED_FIELDS[name](value)}" if value else "当前未登记"
            field.help_text = f"{shown}。需要修改时填写新的号码，留空则保持不变。"
        if self.current["head_id_number"]:
            self.fields["head_id_number"].help_text += "本人改为户主时勾选下面一项。"
            self.fields["becomes_head"] = forms.BooleanField(
                label="本人改为户主（另立一户）", required=False)
            order = list(self.fields)
            order.remove("becomes_head")
            order.insert(order.index("head_id_number") + 1, "becomes_head")
            self.order_fields(order)

    def _keep_identifiers(self, data: dict[str, Any]) -> None:
        """An identifier left empty on the edit form keeps its registered value."""
        data["id_number"] = self.current["id_number"]
        for name in IDENTIFIER_FIELDS:
            if not data.get(name):
                data[name] = self.current[name]
        if data.get("becomes_head"):
            data["head_id_number"] = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if self.person is not None:
            self._keep_identifiers(data)
        self.payload = form_payload(data)
        result = parse_rows(list(self.payload), [list(self.payload.values())])
        for error in result.errors:
            self.add_error(FIELD_FOR_COLUMN.get(error.column), error.message)
        for message in result.file_errors:
            self.add_error(None, message)
        if result.rows and not self.errors:
            self.row = result.rows[0]
        return data

    def add_domain_error(self, error: Any) -> None:
        """A write's refusal names an import column (户主身份证号): show it on that field."""
        field = FIELD_FOR_COLUMN.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, error.message)


def form_payload(data: dict[str, Any]) -> dict[str, str]:
    """The form's values keyed by import column, as text: what the row parser reads and what a
    change request stores."""
    payload = {}
    for name, column in COLUMNS.items():
        value = data.get(name)
        if name == "components":
            value = "、".join(str(v) for v in value or [])
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        payload[column] = "" if value is None else str(value)
    return payload


def person_initial(person: Person) -> dict[str, Any]:
    """A person's record as the form's initial values."""
    head = person.household.head if person.household_id and person.household else None
    return {
        "name": person.name, "id_number": person.id_number, "region": person.region_id,
        "address": person.address, "phone": person.phone,
        "category": person.category or "", "grade": person.grade or "",
        "components": [str(c) for c in person.components],
        "certificate_number": person.certificate_number,
        "certificate_issued_on": person.certificate_issued_on,
        "certificate_valid_until": person.certificate_valid_until,
        "needs_long_term_care": "是" if person.needs_long_term_care else "否",
        "living_status": person.get_living_status_display(),
        "died_on": person.living_status_on if person.living_status == "deceased" else None,
        "head_id_number": head.id_number if head is not None and head.pk != person.pk else "",
        "relation_to_head": person.relation_to_head,
        "guardian_name": person.guardian_name, "guardian_id_number": person.guardian_id_number,
        "guardian_phone": person.guardian_phone,
        "ethnicity": person.ethnicity, "education": person.education,
        "employment_status": person.employment_status,
    }


def person_payload(person: Person) -> dict[str, str]:
    return form_payload(person_initial(person))


def _choices_with_all(choices: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    return [("", "全部"), *choices]


class PersonFilterForm(forms.Form):
    q = forms.CharField(label="查找", required=False, max_length=40,
                        help_text="姓名、拼音首字母（如 zs）、身份证号或后四位、"
                                  "出生日期（如 19800101）、残疾人证号")
    region = forms.ChoiceField(label="区域", required=False)
    category = forms.TypedChoiceField(label="残疾类别", required=False, coerce=int,
                                      empty_value=None,
                                      choices=_choices_with_all(list(Category.choices)))
    grade = forms.TypedChoiceField(label="残疾等级", required=False, coerce=int, empty_value=None,
                                   choices=_choices_with_all(list(Grade.choices)))
    certificate_status = forms.ChoiceField(
        label="证件状态", required=False,
        choices=_choices_with_all(list(CertificateStatus.choices)))
    expiring = forms.BooleanField(label="90 天内到期", required=False)
    hardship = forms.ChoiceField(label="困难类型", required=False,
                                 choices=_choices_with_all(list(Hardship.LABELS.items())))
    household_status = forms.ChoiceField(
        label="家庭保障", required=False,
        choices=_choices_with_all(list(HouseholdStatusKind.choices)))
    age_min = forms.IntegerField(label="年龄自", required=False, min_value=0, max_value=130)
    age_max = forms.IntegerField(label="年龄至", required=False, min_value=0, max_value=130)
    living_status = forms.ChoiceField(label="生存状态", required=False,
                                      choices=_choices_with_all(list(Living.choices)))
    members = forms.BooleanField(label="包含户内成员", required=False,
                                 help_text="同户登记、本人无残疾的家庭成员；不勾选时只列残疾人。")

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _choices_with_all(region_choices)


class ImportForm(forms.Form):
    file = forms.FileField(label="导入文件",
                           help_text="Excel（.xlsx）或 CSV（UTF-8）文件，不超过 20 MB。")
    mode = forms.ChoiceField(
        label="导入方式", widget=forms.RadioSelect, initial="preview",
        choices=[("preview", "仅检查，不写入（预览）"),
                 ("all", "全部正确才导入（有任何错误则不导入）"),
                 ("valid_only", "只导入正确的行，错误行另行下载修改")])


APPROVE, DIRECT = "approve", "direct"


class ApprovalSettingsForm(DomainErrorFormMixin, forms.Form):
    """One choice per field group: a liaison officer's edit waits for approval or applies."""

    def __init__(self, *args: Any, waiting: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for group, label in FieldGroup.choices:
            self.fields[group] = forms.ChoiceField(
                label=label, widget=forms.RadioSelect,
                initial=APPROVE if group in waiting else DIRECT,
                choices=[(APPROVE, "须乡镇（街道）残联审核后生效"),
                         (DIRECT, "专职委员保存后直接生效")],
                help_text="包括：" + "、".join(FIELD_GROUPS[group]) + "。")

    def needs_approval(self) -> dict[str, bool]:
        return {group: self.cleaned_data[group] == APPROVE for group in FieldGroup.values}
