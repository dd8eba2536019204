"""Portal forms: plain words, one question per field (DESIGN.md "Pages", 适老化).

Applying is two steps that work without scripts: first what to do and for whom
(ApplyStartForm, sent by GET), then only the questions of that type (ApplyForm)."""

from __future__ import annotations

from typing import Any

from django import forms

from canlian.certificates.forms import DocumentForm as DocumentForm
from canlian.certificates.forms import _blank
from canlian.certificates.models import ApplicationType, RenewalReason
from canlian.certificates.workflow import CANCEL_REASONS
from canlian.core.forms import DomainErrorFormMixin
from canlian.registry.guardians import RELATIONS
from canlian.registry.models import CancelReason, Category

__all__ = ["ApplyForm", "ApplyStartForm", "DocumentForm", "WardForm"]

T = ApplicationType
# The questions each type asks besides the common ones (region, phone, note); each required.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    T.NEW: ("declared_category",),
    T.REASSESSMENT: ("declared_category",),
    T.RENEWAL: ("renewal_reason",),
    T.REPLACEMENT: (),
    T.TRANSFER_IN: ("previous_certificate_number",),
    T.TRANSFER_OUT: ("destination",),
    T.CANCELLATION: ("cancel_reason",),
}


class ApplyStartForm(DomainErrorFormMixin, forms.Form):
    type = forms.ChoiceField(label="办理事项", choices=_blank(ApplicationType.choices))
    applicant = forms.ChoiceField(label="为谁申请", widget=forms.RadioSelect)

    def __init__(self, *args: Any, applicants: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = applicants
        if applicants:
            self.fields["applicant"].initial = applicants[0][0]

    def as_hidden_fields(self) -> forms.Form:
        """The chosen type and person, carried by the second step's form."""
        for field in self.fields.values():
            field.widget = forms.HiddenInput()
        return self


class ApplyForm(DomainErrorFormMixin, forms.Form):
    region = forms.ChoiceField(label="户籍所在村（社区）")
    phone = forms.CharField(label="接收短信通知的手机号", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "tel"}))
    declared_category = forms.TypedChoiceField(
        label="残疾类别", coerce=int, empty_value=None, choices=_blank(Category.choices))
    renewal_reason = forms.ChoiceField(label="换领原因", choices=_blank(RenewalReason.choices))
    cancel_reason = forms.ChoiceField(
        label="注销原因",
        choices=_blank([(c.value, c.label) for c in CancelReason if c in CANCEL_REASONS]))
    destination = forms.CharField(label="迁往地", max_length=100,
                                  help_text="迁往的省、市、县（区）。")
    previous_certificate_number = forms.CharField(
        label="原残疾人证号", max_length=30, help_text="外地发的残疾人证上的 20 位证号。")
    note = forms.CharField(label="其他说明", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, type: str, regions: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank(regions)
        asked = set(TYPE_FIELDS[type])
        for name in [n for n in self.fields if n not in ("region", "phone", "note")]:
            if name not in asked:
                del self.fields[name]

    def value(self, name: str) -> Any:
        """A cleaned value, or the empty value of a question this type does not ask."""
        if name in self.cleaned_data:
            return self.cleaned_data[name]
        return None if name == "declared_category" else ""


class WardForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label="被监护人姓名", max_length=50)
    id_number = forms.CharField(label="被监护人身份证号", max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    relation = forms.ChoiceField(label="您与被监护人的关系",
                                 choices=_blank([(r, r) for r in RELATIONS]))
