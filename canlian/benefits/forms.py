"""Benefits forms; months are entered as `YYYY-MM` (an <input type="month">)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from canlian.benefits.models import (
    EnrolmentStatus,
    HolderRelation,
    LineStatus,
    Policy,
    ReviewStep,
)
from canlian.benefits.months import parse_month, this_month
from canlian.core.errors import DomainError
from canlian.core.forms import DomainErrorFormMixin
from canlian.core.params import IdField


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "inputmode": "numeric",
                                    "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_month(text)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, date) else value


class RunForm(forms.Form):
    month = MonthField(label="比对月份", help_text="按该月1日的登记信息判断是否符合条件。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].initial = this_month()


class NoticeForm(forms.Form):
    month = MonthField(label="公示月份", required=False)


class RuleForm(DomainErrorFormMixin, forms.Form):
    text = forms.CharField(label="资格规则", widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="规则写法见“规则说明”；保存前可先预览符合条件的人数。")
    note = forms.CharField(label="修改说明", max_length=200, required=False)
    month = MonthField(label="预览月份", required=False,
                       help_text="预览按该月计算，不填为本月。")


def _policy_choices() -> list[tuple[str, str]]:
    return [("", "请选择")] + [(p.code, p.name) for p in
                               Policy.objects.filter(is_active=True).order_by("level", "code")]


class EnrolmentForm(DomainErrorFormMixin, forms.Form):
    policy = forms.ChoiceField(label="申请政策")
    applied_month = MonthField(label="申请月份", help_text="自申请当月起计发。")
    for_ward = forms.BooleanField(label="由监护人代为申请", required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = _policy_choices()
        self.fields["applied_month"].initial = this_month()


class ReviewForm(DomainErrorFormMixin, forms.Form):
    decision = forms.ChoiceField(label="审核意见", widget=forms.RadioSelect,
                                 choices=[("approve", "同意"), ("reject", "不同意")])
    note = forms.CharField(label="意见说明", max_length=300, required=False,
                           help_text="不同意时必须填写理由。")
    version = IdField(widget=forms.HiddenInput, min_value=0)


class StopForm(DomainErrorFormMixin, forms.Form):
    action = forms.ChoiceField(label="办理事项", widget=forms.RadioSelect, choices=[
        ("stop", "停发"), ("suspend", "暂停发放"), ("resume", "恢复发放")])
    reason = forms.CharField(label="原因", max_length=200, required=False,
                             help_text="停发和暂停必须填写原因。")
    effective_month = MonthField(label="停发生效月份", required=False,
                                 help_text="停发时填写：从该月起不再发放。")
    version = IdField(widget=forms.HiddenInput, min_value=0)


class EnrolmentFilterForm(forms.Form):
    policy = forms.ChoiceField(label="政策", required=False)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部"), *EnrolmentStatus.choices])
    step = forms.ChoiceField(label="待办环节", required=False,
                             choices=[("", "全部"), *ReviewStep.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = [("", "全部"), *_policy_choices()[1:]]


class GenerateForm(DomainErrorFormMixin, forms.Form):
    policy = forms.ChoiceField(label="政策")
    period_start = MonthField(label="发放月份",
                              help_text="按季度发放的填季度首月，按年发放的填 1 月。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = _policy_choices()
        self.fields["period_start"].initial = this_month()


class MarkForm(DomainErrorFormMixin, forms.Form):
    status = forms.ChoiceField(label="发放结果", widget=forms.RadioSelect, choices=[
        (LineStatus.PAID, "已发放"), (LineStatus.FAILED, "发放失败")])
    lines = forms.CharField(label="明细序号", required=False,
                            help_text="不填表示本批次全部待发放明细；多个序号用逗号分隔。")
    reason = forms.CharField(label="失败原因", max_length=200, required=False)

    def clean_lines(self) -> list[int] | None:
        text = self.cleaned_data["lines"].replace("，", ",").strip()
        if not text:
            return None
        try:
            return [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError("明细序号只能是数字，用逗号分隔。") from None


class SettleForm(DomainErrorFormMixin, forms.Form):
    status = forms.ChoiceField(label="处理结果", widget=forms.RadioSelect,
                               choices=[("recovered", "已追回"), ("waived", "核销")])
    note = forms.CharField(label="处理说明", max_length=200)


class LedgerImportForm(forms.Form):
    file = forms.FileField(label="历史台账文件",
                           help_text="Excel（.xlsx）或 CSV 文件，列：年度、身份证号、姓名、"
                                     "政策代码、发放月数、金额、来源（可选）。")
    dry_run = forms.BooleanField(label="仅检查，不写入", required=False, initial=True)


class AccountForm(DomainErrorFormMixin, forms.Form):
    bank = forms.CharField(label="开户银行", max_length=60)
    account_number = forms.CharField(
        label="银行账号", max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="12–30 位数字。保存后只显示前 4 位和后 4 位。")
    holder_relation = forms.ChoiceField(label="账户持有人", choices=HolderRelation.choices,
                                        initial=HolderRelation.SELF)
    holder = forms.CharField(label="户名", max_length=50, required=False,
                             help_text="本人账户可不填；监护人或代领人账户须填写其姓名。")


class SetAsideForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label="挂起原因", max_length=200,
                             help_text="例如：未登记发放账户，待补录后补发。")


class AccountImportForm(forms.Form):
    file = forms.FileField(label="发放账户文件",
                           help_text="Excel（.xlsx）或 CSV 文件，列：身份证号、姓名、开户银行、"
                                     "银行账号、账户持有人（本人/监护人/代领人，可选）、"
                                     "户名（可选）。")
    dry_run = forms.BooleanField(label="仅检查，不写入", required=False, initial=True)
