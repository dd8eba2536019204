"""Forms of the appraisal pages: parsing only; the rules are checked by the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from canlian.appraisals.rules import (
    KPI_HELP,
    KPI_KEYS,
    KPI_LABELS,
    MAX_MANUAL_ITEMS,
    MAX_TIERS,
    ManualItem,
    Quarter,
    Rules,
    Tier,
)
from canlian.core.forms import DomainErrorFormMixin


def quarter_choices(quarters: list[Quarter]) -> list[tuple[str, str]]:
    return [(q.key, q.label) for q in quarters]


def parse_quarter(key: str) -> Quarter:
    year, number = key.split("-Q")
    return Quarter(int(year), int(number))


def recent_quarters(last: Quarter, count: int) -> list[Quarter]:
    found = [last]
    while len(found) < count:
        found.append(found[-1].previous())
    return found


class ComputeForm(DomainErrorFormMixin, forms.Form):
    quarter = forms.ChoiceField(label="考核季度", help_text="只能计算已经结束的季度。")

    def __init__(self, *args: Any, quarters: list[Quarter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = quarter_choices(quarters)

    @property
    def period(self) -> Quarter:
        return parse_quarter(self.cleaned_data["quarter"])


def _points(label: str, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100,
                              error_messages={"invalid": f"{label}须为整数。",
                                              "min_value": f"{label}不能为负数。",
                                              "max_value": f"{label}不能超过 100。",
                                              "required": f"请填写{label}。"}, **kwargs)


class SchemeForm(DomainErrorFormMixin, forms.Form):
    """The whole scheme on one page: KPI weights, up to six manual items and six tiers."""

    effective_from = forms.ChoiceField(label="起始季度",
                                       help_text="新方案从该季度起适用；已定稿的季度不受影响。")

    def __init__(self, *args: Any, quarters: list[Quarter], initial_rules: Rules,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].choices = quarter_choices(quarters)
        for key in KPI_KEYS:
            self.fields[f"weight_{key}"] = _points(f"{KPI_LABELS[key]}分值",
                                                   help_text=KPI_HELP[key],
                                                   initial=initial_rules.weights.get(key, 0))
        self.fields["registry_target"] = forms.IntegerField(
            label="基础数据更新目标（人/季度）", min_value=0, max_value=1000,
            initial=initial_rules.registry_target,
            help_text="每季度更新信息的人数达到此数即得该项满分。",
            error_messages={"invalid": "基础数据更新目标须为整数。",
                            "min_value": "基础数据更新目标不能为负数。",
                            "required": "请填写基础数据更新目标。"})
        items = list(initial_rules.manual_items)
        for n in range(1, MAX_MANUAL_ITEMS + 1):
            item = items[n - 1] if n <= len(items) else None
            self.fields[f"manual_{n}_name"] = forms.CharField(
                label=f"人工评分项 {n} 名称", max_length=30, required=False,
                initial=item.name if item else "")
            self.fields[f"manual_{n}_max"] = forms.IntegerField(
                label=f"人工评分项 {n} 满分", min_value=1, max_value=100, required=False,
                initial=item.max_score if item else None,
                error_messages={"invalid": f"人工评分项 {n} 满分须为整数。",
                                "min_value": f"人工评分项 {n} 满分须大于 0。"})
        tiers = list(initial_rules.tiers)
        for n in range(1, MAX_TIERS + 1):
            tier = tiers[n - 1] if n <= len(tiers) else None
            self.fields[f"tier_{n}_min"] = forms.DecimalField(
                label=f"档次 {n} 最低分", min_value=0, max_value=100, decimal_places=2,
                required=False, initial=tier.min_score if tier else None,
                error_messages={"invalid": f"档次 {n} 最低分须为数字。",
                                "min_value": f"档次 {n} 最低分不能为负数。",
                                "max_value": f"档次 {n} 最低分不能超过 100。"})
            self.fields[f"tier_{n}_label"] = forms.CharField(
                label=f"档次 {n} 名称", max_length=20, required=False,
                initial=tier.label if tier else "")
            self.fields[f"tier_{n}_percent"] = forms.IntegerField(
                label=f"档次 {n} 发放比例（%）", min_value=0, max_value=100, required=False,
                initial=tier.percent if tier else None,
                error_messages={"invalid": f"档次 {n} 发放比例须为整数。",
                                "min_value": f"档次 {n} 发放比例不能为负数。",
                                "max_value": f"档次 {n} 发放比例不能超过 100。"})
        self.fields["quarterly_amount"] = forms.DecimalField(
            label="每季度补贴标准（元）", min_value=0, max_digits=10, decimal_places=2,
            initial=initial_rules.quarterly_amount, help_text="全额发放时每人每季度的金额。",
            error_messages={"invalid": "每季度补贴标准须为金额（最多两位小数）。",
                            "min_value": "每季度补贴标准不能为负数。",
                            "required": "请填写每季度补贴标准。"})
        self.fields["appeal_days"] = forms.IntegerField(
            label="申诉期限（工作日）", min_value=1, max_value=60,
            initial=initial_rules.appeal_days, help_text="考核定稿后多少个工作日内可以申诉。",
            error_messages={"invalid": "申诉期限须为整数。",
                            "min_value": "申诉期限至少 1 个工作日。",
                            "required": "请填写申诉期限。"})
        self.fields["note"] = forms.CharField(label="修订说明", max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, MAX_MANUAL_ITEMS + 1):
            name, top = data.get(f"manual_{n}_name"), data.get(f"manual_{n}_max")
            if name and top is None and f"manual_{n}_max" not in self.errors:
                self.add_error(f"manual_{n}_max", f"请填写人工评分项 {n}（{name}）的满分。")
            if top is not None and not name:
                self.add_error(f"manual_{n}_name", f"请填写人工评分项 {n} 的名称。")
        for n in range(1, MAX_TIERS + 1):
            parts = [data.get(f"tier_{n}_min"), data.get(f"tier_{n}_label"),
                     data.get(f"tier_{n}_percent")]
            if any(p not in (None, "") for p in parts) and any(p in (None, "") for p in parts):
                self.add_error(f"tier_{n}_min", f"档次 {n} 的最低分、名称和发放比例须同时填写。")
        return data

    def manual_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"manual_{n}_name"], self[f"manual_{n}_max"])
                for n in range(1, MAX_MANUAL_ITEMS + 1)]

    def tier_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"tier_{n}_min"], self[f"tier_{n}_label"], self[f"tier_{n}_percent"])
                for n in range(1, MAX_TIERS + 1)]

    def weight_fields(self) -> list[Any]:
        return [self[f"weight_{key}"] for key in KPI_KEYS] + [self["registry_target"]]

    @property
    def period(self) -> Quarter:
        return parse_quarter(self.cleaned_data["effective_from"])

    @property
    def rules(self) -> Rules:
        data = self.cleaned_data
        return Rules(
            weights={key: data[f"weight_{key}"] for key in KPI_KEYS},
            registry_target=data["registry_target"],
            manual_items=tuple(ManualItem(data[f"manual_{n}_name"].strip(),
                                          data[f"manual_{n}_max"])
                               for n in range(1, MAX_MANUAL_ITEMS + 1)
                               if data.get(f"manual_{n}_name")),
            tiers=tuple(Tier(Decimal(data[f"tier_{n}_min"]), data[f"tier_{n}_label"].strip(),
                             data[f"tier_{n}_percent"])
                        for n in range(1, MAX_TIERS + 1)
                        if data.get(f"tier_{n}_label")),
            quarterly_amount=data["quarterly_amount"],
            appeal_days=data["appeal_days"],
        )


class ManualScoreForm(DomainErrorFormMixin, forms.Form):
    """One field per manual item of the quarter's rules (`item_1` …), checked by the service."""

    def __init__(self, *args: Any, rules: Rules, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(rules.manual_items)
        for n, item in enumerate(self.items, start=1):
            self.fields[f"item_{n}"] = forms.CharField(
                label=f"{item.name}（满分 {item.max_score} 分）", max_length=10,
                initial=current.get(item.name, ""),
                help_text=f"0 到 {item.max_score} 分，最多两位小数。",
                error_messages={"required": f"请填写“{item.name}”的得分。"},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))

    @property
    def scores(self) -> dict[str, str]:
        return {item.name: self.cleaned_data[f"item_{n}"]
                for n, item in enumerate(self.items, start=1)}


class AppealForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label="申诉理由", max_length=1000,
                             help_text="请写明对哪一项有异议及事实依据，最多 1000 字。",
                             error_messages={"required": "请填写申诉理由。"},
                             widget=forms.Textarea(attrs={"rows": 5}))


class DecisionForm(DomainErrorFormMixin, forms.Form):
    outcome = forms.ChoiceField(label="处理结果", widget=forms.RadioSelect,
                                choices=[("upheld", "申诉成立，调整得分"),
                                         ("rejected", "申诉不成立，维持原结果")],
                                error_messages={"required": "请选择处理结果。"})
    adjusted_score = forms.CharField(
        label="调整后得分", max_length=10, required=False,
        help_text="申诉成立时填写（0–100 分）；档次和补贴金额按本季度考核规则自动确定。",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    decision_reason = forms.CharField(label="处理意见", max_length=1000,
                                      help_text="将告知申诉人。",
                                      error_messages={"required": "请填写处理意见。"},
                                      widget=forms.Textarea(attrs={"rows": 4}))


class ResultFilterForm(forms.Form):
    region = forms.ChoiceField(label="乡镇（街道）", required=False)
    tier = forms.ChoiceField(label="档次", required=False)
    q = forms.CharField(label="姓名", max_length=50, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], tiers: list[str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "全部"), *regions]
        self.fields["tier"].choices = [("", "全部"), *[(t, t) for t in tiers]]
        if not regions:
            del self.fields["region"]
