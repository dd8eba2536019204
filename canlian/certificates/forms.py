"""Forms of the certificate pages: parsing only; the rules live in services.py."""

from __future__ import annotations

from typing import Any

from django import forms

from canlian.certificates.models import (
    ApplicationType,
    AssessmentPlace,
    AssessmentResult,
    Channel,
    CrossDirection,
    DocumentKind,
    RenewalReason,
    Status,
    Step,
)
from canlian.certificates.workflow import CANCEL_REASONS
from canlian.core.forms import DomainErrorFormMixin
from canlian.core.params import IdField
from canlian.registry.models import CancelReason, Category, Grade

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RELATIONS = [("本人", "本人"), ("监护人", "监护人"), ("父母", "父母"), ("子女", "子女"),
             ("配偶", "配偶"), ("其他亲属", "其他亲属")]


def _blank(choices: Any, label: str = "请选择") -> list[tuple[Any, str]]:
    return [("", label), *choices]


class VersionForm(DomainErrorFormMixin, forms.Form):
    """Every transition form carries the version the user saw (optimistic concurrency)."""

    version = IdField(widget=forms.HiddenInput)


class ApplicationForm(DomainErrorFormMixin, forms.Form):
    type = forms.ChoiceField(label="申请类型", choices=_blank(ApplicationType.choices))
    channel = forms.ChoiceField(label="办理通道", choices=_blank(Channel.choices))
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    region = forms.ChoiceField(label="户籍地（村、社区）")
    phone = forms.CharField(label="联系电话", max_length=20, required=False,
                            help_text="用于短信通知办理进度。",
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    applicant_relation = forms.ChoiceField(label="申请人与残疾人本人的关系", choices=RELATIONS)
    declared_category = forms.TypedChoiceField(
        label="申报残疾类别", required=False, coerce=int, empty_value=None,
        choices=_blank(Category.choices), help_text="新办、等级/类别变更时必填。")
    renewal_reason = forms.ChoiceField(label="换领原因", required=False,
                                       choices=_blank(RenewalReason.choices))
    cancel_reason = forms.ChoiceField(
        label="注销原因", required=False,
        choices=_blank([(c.value, c.label) for c in CancelReason if c in CANCEL_REASONS]))
    destination = forms.CharField(label="迁往地（迁出时填写）", max_length=100, required=False)
    previous_certificate_number = forms.CharField(
        label="原残疾人证号（迁入时填写）", max_length=30, required=False)
    previous_valid_until = forms.DateField(label="原证有效期至（迁入时填写）", required=False,
                                           widget=DATE)
    cross_direction = forms.ChoiceField(label="跨省通办方向", required=False,
                                        choices=_blank(CrossDirection.choices))
    other_place = forms.CharField(label="外省户籍地或受理地（跨省通办时填写）", max_length=100,
                                  required=False)
    in_person = forms.BooleanField(label="申请人本次到现场办理", required=False, initial=True)
    note = forms.CharField(label="申请说明", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]],
                 channel_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(region_choices)
        self.fields["channel"].choices = _blank(channel_choices)


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label="姓名", required=False, max_length=50)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部"), ("open", "办理中（全部）"), *Status.choices])
    type = forms.ChoiceField(label="申请类型", required=False,
                             choices=_blank(ApplicationType.choices, "全部"))
    channel = forms.ChoiceField(label="办理通道", required=False,
                                choices=_blank(Channel.choices, "全部"))
    step = forms.ChoiceField(label="当前环节", required=False,
                             choices=_blank(Step.choices, "全部"))
    mine = forms.BooleanField(label="只看待我办理的", required=False)


class AcceptForm(VersionForm):
    received = forms.MultipleChoiceField(
        label="已收到的材料", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="未勾选的材料将一次性告知申请人补齐。")
    in_person = forms.BooleanField(label="申请人本次到现场", required=False)
    note = forms.CharField(label="受理意见", max_length=500, required=False)

    def __init__(self, *args: Any, required: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received"].choices = [(k, DocumentKind(k).label) for k in required]


class AssignForm(VersionForm):
    assessor = forms.ChoiceField(label="评残医生")
    institution = forms.CharField(label="评定机构", max_length=100, initial="县人民医院")
    place = forms.ChoiceField(label="评定地点", choices=AssessmentPlace.choices)
    scheduled_on = forms.DateField(label="预约日期", required=False, widget=DATE,
                                   help_text="入户特办必填：上门评定的日期。")

    def __init__(self, *args: Any, assessors: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessor"].choices = _blank(assessors)


class ReasonForm(VersionForm):
    reason = forms.CharField(label="原因", max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: str = "原因", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


class ConfirmForm(VersionForm):
    note = forms.CharField(label="意见", max_length=300, required=False)


class IssueForm(VersionForm):
    in_person = forms.BooleanField(label="申请人到现场领取", required=False)


COMPONENT_CATEGORIES = [c for c in Category if c != Category.MULTIPLE]


class AssessmentForm(VersionForm):
    result = forms.ChoiceField(
        label="评定结论", widget=forms.RadioSelect,
        choices=[(AssessmentResult.QUALIFIED, AssessmentResult.QUALIFIED.label),
                 (AssessmentResult.NOT_QUALIFIED, AssessmentResult.NOT_QUALIFIED.label)])
    category = forms.TypedChoiceField(label="残疾类别", required=False, coerce=int,
                                      empty_value=None, choices=_blank(Category.choices))
    grade = forms.TypedChoiceField(label="残疾等级", required=False, coerce=int,
                                   empty_value=None, choices=_blank(Grade.choices),
                                   help_text="多重残疾可不填，按各类别中最重的等级确定。")
    note = forms.CharField(label="评定意见", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="不符合残疾标准时必填。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in COMPONENT_CATEGORIES:
            self.fields[f"component_{category.value}"] = forms.TypedChoiceField(
                label=f"多重残疾：{category.label}等级", required=False, coerce=int,
                empty_value=None, choices=_blank(Grade.choices, "无此类残疾"))

    def components(self) -> list[dict[str, int]]:
        return [{"category": c.value, "grade": self.cleaned_data[f"component_{c.value}"]}
                for c in COMPONENT_CATEGORIES
                if self.cleaned_data.get(f"component_{c.value}")]


class DocumentForm(DomainErrorFormMixin, forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=_blank(DocumentKind.choices))
    file = forms.FileField(label="选择文件",
                           help_text="JPG、PNG 图片或 PDF 文件，不超过 5 MB。",
                           widget=forms.ClearableFileInput(
                               attrs={"accept": "image/jpeg,image/png,application/pdf"}))


class ExpiryFilterForm(forms.Form):
    township = forms.ChoiceField(label="乡镇（街道）", required=False)

    def __init__(self, *args: Any, townships: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "全部"), *townships]


class TravelForm(DomainErrorFormMixin, forms.Form):
    region = forms.ChoiceField(label="乡镇（街道）或全县默认")
    days_per_trip = forms.DecimalField(label="每次往返耗时（天）", min_value=0, max_digits=5,
                                       decimal_places=2)
    cost_per_trip_amount = forms.DecimalField(label="每次往返费用（元）", min_value=0,
                                              max_digits=12, decimal_places=2)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions
