"""Benefits (政策与补贴): policies as data, enrolments, eligibility runs, payroll and ledgers.

A policy's eligibility is a rule in the rule language (canlian.benefits.rules), versioned: every
edit keeps the old text. Amounts come from a rate table with effective periods. Payroll lines
freeze who was paid, how much, under which rule version and with which facts, so later registry
edits never change a generated batch; one line per person × policy × period is a database
constraint, not just code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from canlian.core.crypto import EncryptedCharField
from canlian.core.managers import JurisdictionQuerySet
from canlian.core.models import Region, User
from canlian.registry.models import Person


class RegionScoped(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class PolicyLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    COUNTY = "county", "县级"


class PolicyCategory(models.TextChoices):
    LIVING = "living", "生活"
    CARE = "care", "护理"
    REHABILITATION = "rehabilitation", "康复"
    EDUCATION = "education", "教育"
    EMPLOYMENT = "employment", "就业"
    MEDICAL_INSURANCE = "medical_insurance", "医保"
    ASSISTIVE_DEVICES = "assistive_devices", "辅具"
    RESIDENTIAL_CARE = "residential_care", "托养"
    OTHER = "other", "其他"


class PaymentPeriod(models.TextChoices):
    MONTHLY = "monthly", "按月"
    QUARTERLY = "quarterly", "按季度"
    ANNUAL = "annual", "按年"
    ONE_OFF = "one_off", "一次性"


class StartRule(models.TextChoices):
    APPLICATION_MONTH = "application_month", "自申请当月起"
    NEXT_MONTH = "next_month", "自申请次月起"


class ReviewStep(models.TextChoices):
    """The review chain of an enrolment, in order; which steps apply is policy data."""

    TOWNSHIP = "township", "乡镇（街道）初审"
    COUNTY = "county", "县残联审核"
    CIVIL_AFFAIRS = "civil_affairs", "民政审定"


class Policy(models.Model):
    code = models.SlugField("政策代码", max_length=40, unique=True)
    name = models.CharField("政策名称", max_length=100)
    level = models.CharField("层级", max_length=12, choices=PolicyLevel.choices)
    category = models.CharField("类别", max_length=20, choices=PolicyCategory.choices)
    legal_basis = models.CharField("政策依据", max_length=300, blank=True)
    # Where the policy applies: a county (or province) region; persons outside are not assessed.
    region = models.ForeignKey(Region, verbose_name="适用地区", on_delete=models.PROTECT,
                               related_name="+")
    period = models.CharField("发放周期", max_length=12, choices=PaymentPeriod.choices,
                              default=PaymentPeriod.MONTHLY)
    start_rule = models.CharField("起始规则", max_length=20, choices=StartRule.choices,
                                  default=StartRule.APPLICATION_MONTH)
    stop_rule = models.CharField("停发规则", max_length=300, blank=True)
    # 择高: within one group a person is paid only the policy with the highest amount.
    exclusivity_group = models.CharField("择高分组", max_length=40, blank=True)
    review_steps = models.JSONField("审核环节", default=list)
    required_materials = models.JSONField("所需材料", default=list, blank=True)
    # Policies the platform looks for proactively (待纳入 lists); application-only items such
    # as a one-off grant for a purchase are not "missed" by people who did not apply.
    discover_gaps = models.BooleanField("主动发现应享未享", default=True)
    is_example = models.BooleanField("示例", default=False)
    is_active = models.BooleanField("启用", default=True)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "政策"
        verbose_name_plural = "政策"
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return self.name


class PolicyRuleVersion(models.Model):
    """Every saved version of a policy's eligibility rule; the highest number is in force."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rule_versions")
    number = models.PositiveIntegerField("版本号")
    text = models.TextField("资格规则")
    note = models.CharField("修改说明", max_length=200, blank=True)
    created_by = models.ForeignKey(User, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("修改时间", auto_now_add=True)

    class Meta:
        verbose_name = "资格规则版本"
        verbose_name_plural = "资格规则版本"
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="rule_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"


class Rate(models.Model):
    """One row of a policy's rate table: the monthly (or per-period) amount for the persons
    matching `condition` (a rule; empty = everyone eligible), in force from `effective_from`
    until `effective_to` (inclusive; empty = open). The first matching row by `order` wins."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rates")
    label = models.CharField("标准名称", max_length=60)
    condition = models.CharField("适用条件", max_length=300, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    effective_from = models.DateField("起始月份")
    effective_to = models.DateField("终止月份", null=True, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "补贴标准"
        verbose_name_plural = "补贴标准"
        ordering = ["policy", "order", "effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="rate_amount_positive"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F(
                    "effective_from")),
                name="rate_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.policy}：{self.label} {self.amount}"

    def in_force(self, month: date) -> bool:
        return self.effective_from <= month and (self.effective_to is None
                                                 or month <= self.effective_to)


class Budget(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("预算（元）", max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = "年度预算"
        verbose_name_plural = "年度预算"
        constraints = [models.UniqueConstraint(fields=["policy", "year"], name="budget_unique")]

    def __str__(self) -> str:
        return f"{self.policy} {self.year}"


# ------------------------------------------------------------------ enrolment

class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", "审核中"
    ENROLLED = "enrolled", "享受中"
    SUSPENDED = "suspended", "暂停发放"
    TERMINATED = "terminated", "已停发"
    REJECTED = "rejected", "不予纳入"


OPEN_STATUSES = (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.SUSPENDED)


class EnrolmentQuerySet(RegionScoped):
    def active_in(self, month: date) -> EnrolmentQuerySet:
        """Enrolled (not suspended) and paid for month M: started on or before M, not ended."""
        return self.filter(Q(status=EnrolmentStatus.ENROLLED), Q(start_month__lte=month),
                           Q(end_month__isnull=True) | Q(end_month__gte=month))


class Enrolment(models.Model):
    """A person's application for, and then enrolment in, one policy."""

    person = models.ForeignKey(Person, verbose_name="残疾人", on_delete=models.PROTECT,
                               related_name="enrolments")
    policy = models.ForeignKey(Policy, verbose_name="政策", on_delete=models.PROTECT,
                               related_name="enrolments")
    # The person's hukou village when applying: scoping, and the partition key later.
    region = models.ForeignKey(Region, verbose_name="户籍地", on_delete=models.PROTECT,
                               related_name="+")
    status = models.CharField("状态", max_length=12, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.PENDING)
    # The next review step while pending ("" once decided).
    next_step = models.CharField("待办环节", max_length=16, choices=ReviewStep.choices,
                                 blank=True)
    applied_month = models.DateField("申请月份")
    start_month = models.DateField("起始发放月份", null=True, blank=True)
    # The last month paid; empty while ongoing.
    end_month = models.DateField("最后发放月份", null=True, blank=True)
    for_ward = models.BooleanField("为被监护人申请", default=False)
    channel = models.CharField("申请渠道", max_length=12,
                               choices=[("staff", "工作人员代办"), ("portal", "网上申请")],
                               default="staff")
    note = models.CharField("备注", max_length=200, blank=True)
    stop_reason = models.CharField("停发原因", max_length=200, blank=True)
    applied_by = models.ForeignKey(User, verbose_name="申请登记人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_at = models.DateTimeField("审定时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "政策享受"
        verbose_name_plural = "政策享受"
        ordering = ["-created_at"]
        constraints = [
            # One open application or enrolment per person and policy.
            models.UniqueConstraint(fields=["person", "policy"],
                                    condition=Q(status__in=OPEN_STATUSES),
                                    name="enrolment_one_open_per_policy"),
        ]
        indexes = [models.Index(fields=["policy", "status"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.policy}"


class EnrolmentStep(models.Model):
    """Each workflow step, stamped who and when."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("环节", max_length=30)
    approved = models.BooleanField("同意", default=True)
    note = models.CharField("意见", max_length=300, blank=True)
    effective_month = models.DateField("生效月份", null=True, blank=True)
    actor = models.ForeignKey(User, verbose_name="经办人", on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["enrolment", "at", "pk"]

    def __str__(self) -> str:
        return self.action


class HolderRelation(models.TextChoices):
    SELF = "self", "本人"
    GUARDIAN = "guardian", "监护人"
    AGENT = "agent", "代领人"


class PaymentAccount(models.Model):
    """Where a person's benefits are paid (社会化发放), for every policy they are enrolled in;
    the account number is encrypted like an ID number (DESIGN.md "Data"), shown masked, and
    revealing it is audited. A guardian's or 代领人's account names its holder."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    bank = models.CharField("开户银行", max_length=60)
    account_number = EncryptedCharField("银行账号")
    holder = models.CharField("户名", max_length=50)
    holder_relation = models.CharField("账户持有人", max_length=10,
                                       choices=HolderRelation.choices,
                                       default=HolderRelation.SELF)
    updated_by = models.ForeignKey(User, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "发放账户"
        verbose_name_plural = "发放账户"

    def __str__(self) -> str:
        return self.bank


# ------------------------------------------------------------------ eligibility runs

class EligibilityRun(models.Model):
    month = models.DateField("比对月份")
    started_by = models.ForeignKey(User, verbose_name="发起人", on_delete=models.PROTECT,
                                   related_name="+")
    # Results are stored for the starter's jurisdiction only.
    region = models.ForeignKey(Region, verbose_name="范围", on_delete=models.PROTECT,
                               related_name="+")
    started_at = models.DateTimeField("发起时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    task_run = models.ForeignKey("core.TaskRun", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    # Per policy code: {"eligible": n, "enrolled": n, "to_enrol": n, "to_stop": n, ...}
    summary = models.JSONField("结果", default=dict)

    objects = RegionScoped.as_manager()

    class Meta:
        verbose_name = "资格比对"
        verbose_name_plural = "资格比对"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"



class GapKind(models.TextChoices):
    TO_ENROL = "to_enrol", "待纳入"
    TO_STOP = "to_stop", "应停发"


class EligibilityGap(models.Model):
    run = models.ForeignKey(EligibilityRun, on_delete=models.CASCADE, related_name="gaps")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="+")
    # Copied by INSERT … SELECT from registry rows in the run's own transaction: valid by
    # construction, so no per-row foreign-key check (100,000 rows of a run cost 5 s at commit).
    person = models.ForeignKey(Person, on_delete=models.CASCADE, db_constraint=False,
                               related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, db_constraint=False,
                               related_name="+")
    kind = models.CharField("类型", max_length=10, choices=GapKind.choices)
    amount = models.DecimalField("月标准", max_digits=10, decimal_places=2, null=True)
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "比对发现"
        verbose_name_plural = "比对发现"
        indexes = [models.Index(fields=["run", "policy", "kind"])]

    def __str__(self) -> str:
        return self.get_kind_display()


# ------------------------------------------------------------------ payroll

class BatchStatus(models.TextChoices):
    DRAFT = "draft", "待审核"
    APPROVED = "approved", "已审核"


class PayrollBatch(models.Model):
    policy = models.ForeignKey(Policy, verbose_name="政策", on_delete=models.PROTECT,
                               related_name="batches")
    region = models.ForeignKey(Region, verbose_name="范围", on_delete=models.PROTECT,
                               related_name="+")
    period_start = models.DateField("发放期起始月")
    period_end = models.DateField("发放期截止月")
    status = models.CharField("状态", max_length=10, choices=BatchStatus.choices,
                              default=BatchStatus.DRAFT)
    rule_version = models.PositiveIntegerField("规则版本")
    line_count = models.PositiveIntegerField("人数", default=0)
    total = models.DecimalField("金额合计", max_digits=14, decimal_places=2, default=0)
    excluded = models.PositiveIntegerField("在册但不再符合条件", default=0)
    generated_by = models.ForeignKey(User, verbose_name="生成人", on_delete=models.PROTECT,
                                     related_name="+")
    generated_at = models.DateTimeField("生成时间", auto_now_add=True)
    approved_by = models.ForeignKey(User, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)

    objects = RegionScoped.as_manager()

    class Meta:
        verbose_name = "发放批次"
        verbose_name_plural = "发放批次"
        ordering = ["-period_start", "policy"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "region", "period_start"],
                                    name="payroll_batch_once_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.period_start:%Y-%m}"


class LineStatus(models.TextChoices):
    PENDING = "pending", "待发放"
    PAID = "paid", "已发放"
    FAILED = "failed", "发放失败"
    # 挂起: left out of this batch with a reason (e.g. no payee account); the month stays
    # payable and a later batch pays it as 补发.
    SET_ASIDE = "set_aside", "挂起"


class PayrollLine(models.Model):
    """One person × policy × month paid, frozen when generated (a back-pay 补发 line is a
    past month generated in a later batch)."""

    batch = models.ForeignKey(PayrollBatch, on_delete=models.PROTECT, related_name="lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    period = models.DateField("所属月份")
    name = models.CharField("姓名", max_length=50)
    amount = models.DecimalField("金额", max_digits=10, decimal_places=2)
    exclusivity_group = models.CharField(max_length=40, blank=True)
    is_backpay = models.BooleanField("补发", default=False)
    rule_version = models.PositiveIntegerField("规则版本")
    facts = models.JSONField("依据")
    status = models.CharField("状态", max_length=10, choices=LineStatus.choices,
                              default=LineStatus.PENDING)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    reissues = models.PositiveSmallIntegerField("重发次数", default=0)
    paid_at = models.DateTimeField("发放时间", null=True, blank=True)

    objects = RegionScoped.as_manager()

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        ordering = ["batch", "region_id", "name", "pk"]
        constraints = [
            # A set-aside line does not count: the month is paid later by another line.
            models.UniqueConstraint(fields=["person", "policy", "period"],
                                    condition=~Q(status="set_aside"),
                                    name="payroll_line_once_per_person_policy_period"),
        ]
        indexes = [models.Index(fields=["batch", "status"]),
                   models.Index(fields=["person", "period"])]

    def __str__(self) -> str:
        return f"{self.name} {self.period:%Y-%m}"


class OverpaymentStatus(models.TextChoices):
    OUTSTANDING = "outstanding", "待追回"
    RECOVERED = "recovered", "已追回"
    WAIVED = "waived", "核销"


class Overpayment(models.Model):
    """追回: money paid for a month the person was not entitled to (e.g. after death)."""

    line = models.OneToOneField(PayrollLine, on_delete=models.PROTECT, related_name="overpayment")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("应追回金额", max_digits=10, decimal_places=2)
    reason = models.CharField("原因", max_length=200)
    status = models.CharField("状态", max_length=12, choices=OverpaymentStatus.choices,
                              default=OverpaymentStatus.OUTSTANDING)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    settled_note = models.CharField("处理说明", max_length=200, blank=True)

    objects = RegionScoped.as_manager()

    class Meta:
        verbose_name = "追回记录"
        verbose_name_plural = "追回记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"追回 {self.amount}"


# ------------------------------------------------------------------ ledger

class LedgerEntry(models.Model):
    """A past year's benefit received, imported from the county's old ledgers (台账)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    months = models.PositiveSmallIntegerField("发放月数")
    amount = models.DecimalField("金额", max_digits=12, decimal_places=2)
    source = models.CharField("来源", max_length=100)
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = RegionScoped.as_manager()

    class Meta:
        verbose_name = "历史台账"
        verbose_name_plural = "历史台账"
        constraints = [
            models.UniqueConstraint(fields=["person", "policy", "year"],
                                    name="ledger_entry_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.amount}"
