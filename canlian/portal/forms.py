"""Portal forms: plain words, one question per field (DESIGN.md "Pages", 适老化)."""

from __future__ import annotations

from typing import Any

from django import forms

from canlian.certificates.forms import RELATIONS, DocumentForm, _blank
from canlian.certificates.models import ApplicationType, RenewalReason
from canlian.certificates.workflow import CANCEL_REASONS
from canlian.core.forms import DomainErrorFormMixin
from canlian.registry.models import CancelReason, Category

__all__ = ["ApplyForm", "DocumentForm"]


class ApplyForm(DomainErrorFormMixin, forms.Form):
    applicant = forms.ChoiceField(label="为谁申请", widget=forms.RadioSelect)
    type = forms.ChoiceField(label="办理事项", choices=_blank(ApplicationType.choices))
    name = forms.CharField(label="残疾人姓名", max_length=50, required=False,
                           help_text="为他人申请时填写。")
    id_number = forms.CharField(label="残疾人身份证号", max_length=30, required=False,
                                help_text="为他人申请时填写。",
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    relation = forms.ChoiceField(label="您与残疾人的关系", required=False,
                                 choices=_blank([r for r in RELATIONS if r[0] != "本人"]),
                                 help_text="为他人申请时填写，受理时需提供监护关系证明。")
    region = forms.ChoiceField(label="户籍所在村（社区）")
    phone = forms.CharField(label="接收短信通知的手机号", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "tel"}))
    declared_category = forms.TypedChoiceField(
        label="残疾类别", required=False, coerce=int, empty_value=None,
        choices=_blank(Category.choices), help_text="新办或等级/类别变更时选择。")
    renewal_reason = forms.ChoiceField(label="换领原因", required=False,
                                       choices=_blank(RenewalReason.choices))
    cancel_reason = forms.ChoiceField(
        label="注销原因", required=False,
        choices=_blank([(c.value, c.label) for c in CancelReason if c in CANCEL_REASONS]))
    destination = forms.CharField(label="迁往地（迁出时填写）", max_length=100, required=False)
    previous_certificate_number = forms.CharField(label="原残疾人证号（迁入时填写）",
                                                  max_length=30, required=False)
    note = forms.CharField(label="其他说明", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, applicants: list[tuple[str, str]],
                 regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = applicants
        self.fields["region"].choices = _blank(regions)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("applicant") == "other":
            for field, message in (("name", "请填写残疾人姓名。"),
                                   ("id_number", "请填写残疾人身份证号。"),
                                   ("relation", "请选择您与残疾人的关系。")):
                if not data.get(field):
                    self.add_error(field, message)
        return data
