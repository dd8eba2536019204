"""Cross-check forms: list upload, finding filters and decisions, survey answers."""

from __future__ import annotations

from typing import Any

from django import forms

from canlian.benefits.forms import MonthField
from canlian.benefits.months import this_month
from canlian.core.forms import DomainErrorFormMixin
from canlian.core.params import IdField
from canlian.crosscheck.models import DatasetKind, FindingKind, FindingStatus


class ListImportForm(forms.Form):
    kind = forms.ChoiceField(label="数据类型", choices=DatasetKind.choices)
    source = forms.CharField(label="数据来源单位", max_length=100,
                             help_text="如：县民政局、县卫生健康局、县公安局户政科。")
    month = MonthField(label="比对月份", help_text="低保等保障期间与补贴享受按该月判断。")
    file = forms.FileField(label="数据文件",
                           help_text="Excel（.xlsx）或 CSV 文件；第一行为表头，列的顺序不限。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].initial = this_month()


def _with_all(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "全部"), *choices]


class FindingFilterForm(forms.Form):
    kind = forms.ChoiceField(label="发现类型", required=False,
                             choices=_with_all(FindingKind.choices))
    status = forms.ChoiceField(label="状态", required=False,
                               choices=_with_all(FindingStatus.choices))
    township = forms.ChoiceField(label="乡镇（街道）", required=False)
    dataset = IdField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, townships: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = _with_all(townships)


class DecisionForm(DomainErrorFormMixin, forms.Form):
    decision = forms.ChoiceField(label="处理", widget=forms.RadioSelect,
                                 choices=[("confirm", "确认，按建议处理"),
                                          ("dismiss", "排除（不作变更）")])
    note = forms.CharField(label="说明", required=False, max_length=300,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="排除时必须填写理由。")
