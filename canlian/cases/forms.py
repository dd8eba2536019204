"""Forms of the visit and case pages: parsing only; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from canlian.cases.files import MAX_ATTACHMENTS, Upload
from canlian.cases.models import (
    CaseSource,
    CaseStatus,
    LivingArrangement,
    NeedKind,
    Satisfaction,
    ScheduleCondition,
    VisitMode,
    VisitPurpose,
)
from canlian.cases.visits import NeedIn
from canlian.core.forms import DomainErrorFormMixin
from canlian.core.params import IdField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ATTACHMENT_ACCEPT = "image/jpeg,image/png,application/pdf"


def _blank(choices: Any, label: str = "请选择") -> list[tuple[Any, str]]:
    return [("", label), *choices]


def uploads(files: list[UploadedFile]) -> list[Upload]:
    return [Upload(name=f.name or "upload", content=f.read()) for f in files]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one control; each is checked for type and size by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(items) > MAX_ATTACHMENTS:
            raise forms.ValidationError(f"附件最多 {MAX_ATTACHMENTS} 个。")
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class VersionForm(DomainErrorFormMixin, forms.Form):
    """Every transition form carries the version the user saw (optimistic concurrency)."""

    version = IdField(widget=forms.HiddenInput)


# ------------------------------------------------------------------ visits


class VisitForm(DomainErrorFormMixin, forms.Form):
    visited_on = forms.DateField(label="走访日期", widget=DATE)
    mode = forms.ChoiceField(label="走访方式", choices=VisitMode.choices, widget=forms.RadioSelect)
    people_met = forms.CharField(label="见到的人", max_length=200,
                                 help_text="如：本人、配偶、母亲。")
    living_arrangement = forms.ChoiceField(label="居住情况", choices=LivingArrangement.choices,
                                           widget=forms.RadioSelect)
    living_note = forms.CharField(label="生活状况", max_length=500, required=False,
                                  help_text="住房、身体、收入、照护等情况。",
                                  widget=forms.Textarea(attrs={"rows": 3}))
    summary = forms.CharField(label="走访情况", max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label="现场照片（可选）", required=False,
                            help_text="JPG 或 PNG 图片，不超过 5 MB。",
                            widget=forms.ClearableFileInput(
                                attrs={"accept": "image/jpeg,image/png",
                                       "capture": "environment"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NeedKind:
            self.fields[f"need_{kind.value}"] = forms.BooleanField(
                label=f"有{kind.label}需求", required=False)
            self.fields[f"need_{kind.value}_note"] = forms.CharField(
                label=f"{kind.label}需求说明", max_length=500, required=False)

    def need_pairs(self) -> list[tuple[Any, Any]]:
        """(checkbox, description) bound fields, for the template's needs fieldset."""
        return [(self[f"need_{k.value}"], self[f"need_{k.value}_note"]) for k in NeedKind]

    def base_fields_for_template(self) -> list[Any]:
        return [self[name] for name in ("visited_on", "mode", "people_met",
                                        "living_arrangement", "living_note", "summary")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in NeedKind:
            if data.get(f"need_{kind.value}") and not data.get(f"need_{kind.value}_note",
                                                               "").strip():
                self.add_error(f"need_{kind.value}_note",
                               f"请填写{kind.label}需求的具体内容。")
        return data

    def needs(self) -> list[NeedIn]:
        data = self.cleaned_data
        return [NeedIn(kind=k.value, description=data[f"need_{k.value}_note"])
                for k in NeedKind if data.get(f"need_{k.value}")]


class VisitFilterForm(forms.Form):
    q = forms.CharField(label="姓名或身份证号后四位", required=False, max_length=50)
    purpose = forms.ChoiceField(label="走访类型", required=False,
                                choices=_blank(VisitPurpose.choices, "全部"))
    mode = forms.ChoiceField(label="走访方式", required=False,
                             choices=_blank(VisitMode.choices, "全部"))
    date_from = forms.DateField(label="走访日期从", required=False, widget=DATE)
    date_to = forms.DateField(label="至", required=False, widget=DATE)
    mine = forms.BooleanField(label="只看我登记的", required=False)


class DueFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", required=False)
    q = forms.CharField(label="姓名或身份证号后四位", required=False, max_length=50)

    def __init__(self, *args: Any, states: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = _blank(states, "全部待走访")


class NeedFilterForm(forms.Form):
    outcome = forms.ChoiceField(label="处理结果", required=False)
    kind = forms.ChoiceField(label="需求类别", required=False,
                             choices=_blank(NeedKind.choices, "全部"))

    def __init__(self, *args: Any, outcomes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = _blank(outcomes, "全部")


# ------------------------------------------------------------------ cases


class CaseForm(DomainErrorFormMixin, forms.Form):
    source = forms.ChoiceField(label="来源", choices=_blank(CaseSource.choices))
    category = forms.ChoiceField(label="类别", choices=_blank(NeedKind.choices))
    title = forms.CharField(label="标题", max_length=100, help_text="一句话说明诉求。")
    description = forms.CharField(label="诉求内容", max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    region = forms.ChoiceField(label="所属村（社区）或乡镇", required=False,
                               help_text="为登记在册的残疾人登记时，按其户籍地。")
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False,
                                    help_text="用于短信告知受理和办理结果。",
                                    widget=forms.TextInput(attrs={"inputmode": "tel",
                                                                  "autocomplete": "off"}))
    attachments = MultipleFileField(label="附件（可选）", required=False,
                                    help_text=f"JPG、PNG 图片或 PDF 文件，每个不超过 5 MB，"
                                              f"最多 {MAX_ATTACHMENTS} 个。")

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]],
                 has_person: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(region_choices)
        if has_person:
            del self.fields["region"]


class CaseFilterForm(forms.Form):
    q = forms.CharField(label="编号、标题或姓名", required=False, max_length=50)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部"), ("open", "未办结（登记、受理、办理中）"),
                                        *CaseStatus.choices])
    source = forms.ChoiceField(label="来源", required=False,
                               choices=_blank(CaseSource.choices, "全部"))
    category = forms.ChoiceField(label="类别", required=False,
                                 choices=_blank(NeedKind.choices, "全部"))
    overdue = forms.BooleanField(label="只看逾期", required=False)
    mine = forms.BooleanField(label="只看由我办理的", required=False)


class NoteForm(VersionForm):
    note = forms.CharField(label="说明（可选）", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AcceptForm(VersionForm):
    note = forms.CharField(label="受理告知（可选）", max_length=500, required=False,
                           help_text="将以短信告知诉求人。",
                           widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(VersionForm):
    unit = forms.TypedChoiceField(label="承办单位", coerce=int)
    note = forms.CharField(label="改派说明（可选）", max_length=500, required=False)

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _blank(units)


class ExtendForm(VersionForm):
    days = forms.IntegerField(label="延期天数", min_value=1, max_value=90)
    reason = forms.CharField(label="延期理由", max_length=300,
                             help_text="将告知诉求人（信访工作条例第三十四条）。",
                             widget=forms.Textarea(attrs={"rows": 3}))


class ConcludeForm(VersionForm):
    reply = forms.CharField(label="答复意见", max_length=2000,
                            help_text="办理结果，将答复诉求人。",
                            widget=forms.Textarea(attrs={"rows": 5}))


class RateForm(VersionForm):
    satisfaction = forms.ChoiceField(label="对办理结果是否满意", choices=Satisfaction.choices,
                                     widget=forms.RadioSelect)
    note = forms.CharField(label="意见（可选）", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(VersionForm):
    reason = forms.CharField(label="退回理由", max_length=300,
                             help_text="将告知诉求人。",
                             widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(DomainErrorFormMixin, forms.Form):
    file = forms.FileField(label="选择文件", help_text="JPG、PNG 图片或 PDF 文件，不超过 5 MB。",
                           widget=forms.ClearableFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))


class PortalCaseForm(DomainErrorFormMixin, forms.Form):
    source = forms.ChoiceField(label="您要提交的是", widget=forms.RadioSelect,
                               choices=[(CaseSource.HELP.value, "求助：我遇到了困难，需要帮助"),
                                        (CaseSource.SUGGESTION.value, "建议：我对残联工作有建议")])
    about = forms.ChoiceField(label="为谁提交", widget=forms.RadioSelect)
    category = forms.ChoiceField(label="事项类别", choices=_blank(NeedKind.choices))
    title = forms.CharField(label="标题", max_length=100, help_text="一句话说明，如：需要轮椅。")
    description = forms.CharField(label="具体内容", max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    region = forms.ChoiceField(label="所在村（社区）", required=False,
                               help_text="不是为登记在册的家人提交时选择。")
    contact_phone = forms.CharField(label="接收短信的手机号", max_length=20, required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel",
                                                                  "autocomplete": "tel"}))
    attachments = MultipleFileField(label="照片或材料（可选）", required=False,
                                    help_text=f"JPG、PNG 图片或 PDF 文件，每个不超过 5 MB，"
                                              f"最多 {MAX_ATTACHMENTS} 个。")

    def __init__(self, *args: Any, abouts: list[tuple[str, str]],
                 regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["about"].choices = abouts
        self.fields["region"].choices = _blank(regions)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("about") == "none" and not data.get("region"):
            self.add_error("region", "请选择所在村（社区）。")
        return data


# ------------------------------------------------------------------ plans and board


class RoundForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label="遍访名称", max_length=100,
                           help_text="如：2026 年遍访残疾人。")
    region = forms.ChoiceField(label="范围")
    started_on = forms.DateField(label="开始日期", widget=DATE)
    due_on = forms.DateField(label="完成期限", widget=DATE)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions


class ScheduleForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="如：重残独居 每月走访。")
    region = forms.ChoiceField(label="适用范围")
    interval_months = forms.TypedChoiceField(
        label="走访周期", coerce=int,
        choices=[(1, "每月"), (2, "每两个月"), (3, "每季度"), (4, "每四个月"), (6, "每半年"),
                 (12, "每年")])
    conditions = forms.MultipleChoiceField(
        label="适用条件（全部满足）", required=False, choices=ScheduleCondition.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选条件即为一般回访周期；同时符合多个周期时按最短的走访。")

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions


class BoardFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="登记年份", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年份"), *((y, f"{y} 年") for y in years)]
