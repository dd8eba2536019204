"""专职委员季度考核 (issue #7, item 6): schemes, quarters, each officer's result, appeals.

- `AppraisalScheme` (考核方案): a county's KPI weights, manual items, tiers and quarterly
  amount, in force from the first day of a quarter. Saving makes a new version; old versions
  stay, so what any quarter was scored by can be read back.
- `AppraisalQuarter` (季度考核): one county and quarter. Computing it (county staff) writes one
  `AppraisalResult` per liaison officer and copies the scheme in force into `rules`; computing
  again before finalisation refreshes the KPIs and keeps the manual scores; finalising freezes it.
- `AppraisalResult`: the officer, the KPI inputs the data gave (counts, frozen), the points, the
  manual scores of the township, the score, tier and amount.
- `AppraisalAppeal` (申诉): filed by the officer on a finalised result; county staff record the
  outcome (upheld → adjusted score with the reason; rejected → the reason).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from django.db import models
from django.db.models import Q

from canlian.appraisals.rules import KPI_KEYS, KpiInputs, Quarter, Rules
from canlian.core.managers import JurisdictionQuerySet, jurisdiction_prefix
from canlian.core.models import Region, User
from canlian.organizations.models import Member


def county_code(region_code: str) -> str:
    return region_code[:6].ljust(12, "0")


class CountyQuerySet(models.QuerySet):
    """Rows that belong to a whole county: every staff user inside the county sees them."""

    def visible_to(self, user: User) -> Self:
        prefix = jurisdiction_prefix(user)
        if prefix is None or len(prefix) < 6:
            return self.none()
        return self.filter(county_id=county_code(prefix))


class AppraisalScheme(models.Model):
    county = models.ForeignKey(Region, verbose_name="县（区）", on_delete=models.PROTECT,
                               related_name="+")
    effective_from = models.DateField("起始季度", help_text="自该季度第一天起适用")
    weight_visit_coverage = models.PositiveSmallIntegerField("走访覆盖率分值")
    weight_follow_up = models.PositiveSmallIntegerField("按期回访率分值")
    weight_cases = models.PositiveSmallIntegerField("诉求按期办结率分值")
    weight_registry = models.PositiveSmallIntegerField("基础数据更新分值")
    registry_target = models.PositiveSmallIntegerField("基础数据更新目标（人/季度）")
    manual_items = models.JSONField("人工评分项", default=list)
    tiers = models.JSONField("发放档次", default=list)
    quarterly_amount = models.DecimalField("每季度补贴标准（元）", max_digits=12,
                                           decimal_places=2)
    appeal_days = models.PositiveSmallIntegerField("申诉期限（工作日）")
    note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey(User, verbose_name="设置人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    objects = CountyQuerySet.as_manager()

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quarterly_amount__gte=0),
                                   name="appraisal_scheme_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{Quarter.of(self.effective_from).label}起适用的考核方案"

    @property
    def weights(self) -> dict[str, int]:
        return {key: getattr(self, f"weight_{key}") for key in KPI_KEYS}

    @property
    def rules(self) -> Rules:
        return Rules.from_json({
            "weights": self.weights, "registry_target": self.registry_target,
            "manual_items": self.manual_items, "tiers": self.tiers,
            "quarterly_amount": self.quarterly_amount, "appeal_days": self.appeal_days})

    @property
    def starts(self) -> Quarter:
        return Quarter.of(self.effective_from)


class QuarterStatus(models.TextChoices):
    DRAFT = "draft", "待定稿"
    FINALIZED = "finalized", "已定稿"


class AppraisalQuarter(models.Model):
    county = models.ForeignKey(Region, verbose_name="县（区）", on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField("季度", choices=[(n, f"第{n}季度")
                                                             for n in (1, 2, 3, 4)])
    status = models.CharField("状态", max_length=10, choices=QuarterStatus.choices,
                              default=QuarterStatus.DRAFT)
    scheme = models.ForeignKey(AppraisalScheme, verbose_name="考核方案", on_delete=models.PROTECT,
                               related_name="quarters")
    # The scheme as it was when the quarter was (last) computed: scoring reads only this.
    rules = models.JSONField("考核规则（计算时）")
    officer_count = models.PositiveIntegerField("考核人数", default=0)
    total_amount = models.DecimalField("补贴合计（元）", max_digits=12, decimal_places=2,
                                       default=Decimal(0))
    computed_at = models.DateTimeField("计算时间")
    computed_by = models.ForeignKey(User, verbose_name="计算人", on_delete=models.PROTECT,
                                    related_name="+")
    finalized_at = models.DateTimeField("定稿时间", null=True, blank=True)
    finalized_by = models.ForeignKey(User, verbose_name="定稿人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    objects = CountyQuerySet.as_manager()

    class Meta:
        verbose_name = "季度考核"
        verbose_name_plural = "季度考核"
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "number"],
                                    name="appraisal_quarter_once_per_county"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=4),
                                   name="appraisal_quarter_number_1_to_4"),
        ]

    def __str__(self) -> str:
        return self.period.label

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.number)

    @property
    def frozen_rules(self) -> Rules:
        return Rules.from_json(self.rules)

    @property
    def is_finalized(self) -> bool:
        return self.status == QuarterStatus.FINALIZED


class ResultQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class AppraisalResult(models.Model):
    """One officer's quarter. The officer is a 专职委员 post holder of a village association
    (`member`), with their system account (`user`) when they have one, or a village liaison
    account without a recorded post (`member` empty)."""

    quarter = models.ForeignKey(AppraisalQuarter, verbose_name="季度考核",
                                on_delete=models.CASCADE, related_name="results")
    region = models.ForeignKey(Region, verbose_name="村（社区）", on_delete=models.PROTECT,
                               related_name="+")
    member = models.ForeignKey(Member, verbose_name="专职委员", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, verbose_name="系统账户", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)

    persons_due = models.PositiveIntegerField("应走访人数", default=0)
    persons_visited = models.PositiveIntegerField("已走访人数", default=0)
    periods_due = models.PositiveIntegerField("应回访次数", default=0)
    periods_on_time = models.PositiveIntegerField("按期回访次数", default=0)
    cases_due = models.PositiveIntegerField("到期诉求件数", default=0)
    cases_on_time = models.PositiveIntegerField("按期办结件数", default=0)
    registry_updates = models.PositiveIntegerField("信息更新人数", default=0)

    points = models.JSONField("指标得分", default=dict)
    manual_scores = models.JSONField("人工评分", default=dict, blank=True)
    manual_points = models.DecimalField("人工评分合计", max_digits=5, decimal_places=2,
                                        default=Decimal(0))
    manual_complete = models.BooleanField("人工评分已录入", default=False)
    manual_by = models.ForeignKey(User, verbose_name="评分人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    manual_at = models.DateTimeField("评分时间", null=True, blank=True)

    computed_score = models.DecimalField("计算得分", max_digits=5, decimal_places=2,
                                         default=Decimal(0))
    score = models.DecimalField("考核得分", max_digits=5, decimal_places=2, default=Decimal(0))
    tier_label = models.CharField("档次", max_length=20, blank=True)
    tier_percent = models.PositiveSmallIntegerField("发放比例（%）", default=0)
    amount = models.DecimalField("补贴金额（元）", max_digits=12, decimal_places=2,
                                 default=Decimal(0))
    is_adjusted = models.BooleanField("申诉调整", default=False)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["region_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quarter", "member"], condition=Q(member__isnull=False),
                                    name="appraisal_result_once_per_member"),
            models.UniqueConstraint(fields=["quarter", "user"], condition=Q(user__isnull=False),
                                    name="appraisal_result_once_per_user"),
            models.CheckConstraint(condition=Q(member__isnull=False) | Q(user__isnull=False),
                                   name="appraisal_result_has_officer"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100),
                                   name="appraisal_result_score_0_to_100"),
        ]
        indexes = [models.Index(fields=["quarter", "region"]),
                   models.Index(fields=["user", "quarter"])]

    def __str__(self) -> str:
        return f"{self.quarter} {self.name}"

    @property
    def inputs(self) -> KpiInputs:
        return KpiInputs(**{f: getattr(self, f) for f in INPUT_FIELDS})

    def input_values(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in INPUT_FIELDS}


INPUT_FIELDS = ("persons_due", "persons_visited", "periods_due", "periods_on_time",
                "cases_due", "cases_on_time", "registry_updates")


class AppealStatus(models.TextChoices):
    OPEN = "open", "待处理"
    UPHELD = "upheld", "申诉成立"
    REJECTED = "rejected", "申诉不成立"


class AppealQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "result__region__code"


class AppraisalAppeal(models.Model):
    result = models.OneToOneField(AppraisalResult, verbose_name="考核结果",
                                  on_delete=models.CASCADE, related_name="appeal")
    reason = models.CharField("申诉理由", max_length=1000)
    filed_by = models.ForeignKey(User, verbose_name="申诉人", on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField("申诉时间")
    status = models.CharField("处理结果", max_length=10, choices=AppealStatus.choices,
                              default=AppealStatus.OPEN)
    decision_reason = models.CharField("处理意见", max_length=1000, blank=True)
    score_before = models.DecimalField("原得分", max_digits=5, decimal_places=2, null=True,
                                       blank=True)
    score_after = models.DecimalField("调整后得分", max_digits=5, decimal_places=2, null=True,
                                      blank=True)
    decided_by = models.ForeignKey(User, verbose_name="处理人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = "考核申诉"
        verbose_name_plural = "考核申诉"
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["status", "filed_at"])]

    def __str__(self) -> str:
        return f"{self.result} 的申诉"

    @property
    def is_open(self) -> bool:
        return self.status == AppealStatus.OPEN
