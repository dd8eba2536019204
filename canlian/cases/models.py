"""Visits and cases (走访与诉求, issue #7).

Visits: 遍访一次、每季度再回访一次 (seed 001). A census round (`VisitRound`) asks every living
person of its area to be visited once between its start and due dates; after that each person
is visited once per period of their `VisitSchedule` (a quarter by default; shorter for the
special-hardship households of seed 004, e.g. monthly for 重残 living alone). A `Visit` records
who went (the liaison officer), when, how, and what was found; each need (`VisitNeed`) can
become a case or a service demand in one step. Half-filled forms survive a slow connection as
`VisitDraft` rows.

Cases: one lifecycle for every source (走访发现, 求助, 建议, 信访, 12345/12385 热线, 代表/委员提案):
登记 → 受理 → 办理中 → 已办结 → 回访确认 (销号), or 退回 with a reason. Deadlines are stored on the
case as dates (`accept_due_on`, `due_on`), computed at each transition from `CaseDeadline`
(per source: length and unit, DOMAIN.md §5: 信访 in calendar days). Every transition is a
`CaseEvent` row (who, when, from/to status), so the 问题清单 can be read as of any date.

The appraisal app (专职委员考核) reads these models: keep `Visit.visitor/visited_on/person/
purpose/region` and `Case.responsible_unit/registered_at/concluded_at/closed_at/due_on/status`
stable.
"""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Q

from canlian.core.crypto import EncryptedCharField
from canlian.core.managers import JurisdictionQuerySet, jurisdiction_prefix
from canlian.core.models import Region, User
from canlian.core.roles import Role
from canlian.organizations.models import OrgUnit
from canlian.registry.models import Person

# ------------------------------------------------------------------ visit plans


class RegionQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class VisitRound(models.Model):
    """A census round (遍访): every living person inside `region` is visited once between
    `started_on` and `due_on`. The first visit of a person inside the round is its census
    visit; later visits are follow-ups."""

    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(Region, verbose_name="范围", on_delete=models.PROTECT,
                               related_name="+")
    started_on = models.DateField("开始日期")
    due_on = models.DateField("完成期限")
    created_by = models.ForeignKey(User, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "遍访轮次"
        verbose_name_plural = "遍访轮次"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=models.F("started_on")),
                                   name="visit_round_period_order"),
        ]

    def __str__(self) -> str:
        return self.name


class ScheduleCondition(models.TextChoices):
    """What a special schedule selects on (all listed conditions must hold). The hardship
    types are the registry's (seed 004 一户多残、老残一体、孤残重残、多重残疾)."""

    SEVERE = "severe", "重残（一、二级）"
    MULTI_DISABLED = "multi_disabled", "一户多残"
    ELDERLY_DISABLED = "elderly_disabled", "老残一体"
    ORPHAN_DISABLED = "orphan_disabled", "孤残"
    MULTIPLE = "multiple", "多重残疾"
    ALONE = "alone", "独居"
    DIBAO = "dibao", "低保户"
    TEKUN = "tekun", "特困供养"


class VisitSchedule(models.Model):
    """How often the people of `region` matching `conditions` are visited after their census
    visit: once per calendar period of `interval_months` (3 = each quarter, 1 = each month).
    A schedule without conditions is the default follow-up (每季度再回访一次); when several
    match a person, the shortest interval wins."""

    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(Region, verbose_name="适用范围", on_delete=models.PROTECT,
                               related_name="+")
    interval_months = models.PositiveSmallIntegerField(
        "走访周期（月）", choices=[(1, "每月"), (2, "每两个月"), (3, "每季度"),
                                  (4, "每四个月"), (6, "每半年"), (12, "每年")])
    conditions = models.JSONField("适用条件", default=list, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(User, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "走访周期"
        verbose_name_plural = "走访周期"
        ordering = ["region_id", "interval_months", "id"]

    def __str__(self) -> str:
        return self.name


class VisitMode(models.TextChoices):
    HOME = "home", "入户"
    PHONE = "phone", "电话"
    AT_OFFICE = "at_office", "到院"
    OTHER = "other", "其他"


class VisitPurpose(models.TextChoices):
    CENSUS = "census", "遍访"
    FOLLOW_UP = "follow_up", "定期回访"
    AD_HOC = "ad_hoc", "其他走访"


class LivingArrangement(models.TextChoices):
    WITH_FAMILY = "with_family", "与家人同住"
    ALONE = "alone", "独居"
    INSTITUTION = "institution", "机构托养"
    OTHER = "other", "其他"


class NeedKind(models.TextChoices):
    REHAB = "rehab", "康复"
    DEVICE = "device", "辅具"
    ACCESSIBILITY = "accessibility", "无障碍改造"
    EMPLOYMENT = "employment", "就业"
    EDUCATION = "education", "教育"
    CARE = "care", "托养"
    SUBSIDY = "subsidy", "补贴"
    LEGAL = "legal", "法律"
    OTHER = "other", "其他"


class Visit(models.Model):
    """One visit to one person. `region` is the person's village at the time of the visit
    (jurisdiction and the 问题清单 count by it); `visitor` is the officer who went."""

    person = models.ForeignKey(Person, verbose_name="走访对象", on_delete=models.PROTECT,
                               related_name="visits")
    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT,
                               related_name="+")
    visitor = models.ForeignKey(User, verbose_name="走访人", on_delete=models.PROTECT,
                                related_name="visits")
    visited_on = models.DateField("走访日期")
    mode = models.CharField("走访方式", max_length=10, choices=VisitMode.choices)
    purpose = models.CharField("走访类型", max_length=10, choices=VisitPurpose.choices)
    round = models.ForeignKey(VisitRound, verbose_name="遍访轮次", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="visits")
    people_met = models.CharField("见到的人", max_length=200)
    living_arrangement = models.CharField("居住情况", max_length=20,
                                          choices=LivingArrangement.choices)
    living_note = models.CharField("生活状况", max_length=500, blank=True)
    summary = models.CharField("走访情况", max_length=1000, blank=True)
    photo_path = models.CharField(max_length=300, blank=True)
    photo_content_type = models.CharField(max_length=50, blank=True)
    photo_size = models.PositiveIntegerField(default=0)
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["person", "visited_on"]),
            models.Index(fields=["region", "visited_on"]),
            models.Index(fields=["visitor", "visited_on"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(purpose="census", round__isnull=False)
                                   | ~Q(purpose="census"),
                                   name="visit_census_has_round"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.get_mode_display()}"

    @property
    def has_photo(self) -> bool:
        return bool(self.photo_path)


class NeedOutcome(models.TextChoices):
    PENDING = "pending", "待处理"
    CASE = "case", "已转诉求"
    DEMAND = "demand", "已列入服务需求"
    RESOLVED = "resolved", "当场解决"


class VisitNeed(models.Model):
    """A need captured on a visit, as a structured item. It becomes a case (`case`) or a
    service demand (outcome `demand`, listed for the service departments) in one step."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="needs")
    person = models.ForeignKey(Person, verbose_name="残疾人", on_delete=models.PROTECT,
                               related_name="+")
    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField("需求类别", max_length=20, choices=NeedKind.choices)
    description = models.CharField("需求说明", max_length=500)
    outcome = models.CharField("处理结果", max_length=10, choices=NeedOutcome.choices,
                               default=NeedOutcome.PENDING)
    case = models.OneToOneField("Case", verbose_name="诉求", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="visit_need")
    decided_by = models.ForeignKey(User, verbose_name="处理人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "走访需求"
        verbose_name_plural = "走访需求"
        ordering = ["visit_id", "id"]
        indexes = [models.Index(fields=["region", "outcome", "kind"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class VisitDraft(models.Model):
    """A half-filled visit form, saved as the officer types (a slow connection must not lose
    it). One per officer and person; deleted when the visit is recorded."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField("保存时间", auto_now=True)

    class Meta:
        verbose_name = "走访草稿"
        verbose_name_plural = "走访草稿"
        constraints = [
            models.UniqueConstraint(fields=["owner", "person"], name="visit_draft_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"草稿 {self.pk}"


# ------------------------------------------------------------------ cases


class CaseSource(models.TextChoices):
    VISIT = "visit", "走访发现"
    HELP = "help", "求助"
    SUGGESTION = "suggestion", "建议"
    PETITION = "petition", "信访"
    HOTLINE = "hotline", "12385 热线"
    PROPOSAL = "proposal", "代表/委员提案"


class CaseStatus(models.TextChoices):
    REGISTERED = "registered", "登记"
    ACCEPTED = "accepted", "受理"
    IN_PROGRESS = "in_progress", "办理中"
    CONCLUDED = "concluded", "已办结"
    CONFIRMED = "confirmed", "已销号"
    RETURNED = "returned", "退回"


OPEN_CASE_STATUSES = (CaseStatus.REGISTERED, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class ReviewStage(models.IntegerChoices):
    """信访工作条例 第三十五、三十六条: 复查 by the next-higher body, then 复核 (final)."""

    NONE = 0, "原办理"
    REVIEW = 1, "复查"
    RECHECK = 2, "复核"


class DeadlineUnit(models.TextChoices):
    CALENDAR = "calendar_day", "自然日"
    WORKING = "working_day", "工作日"


class CaseDeadline(models.Model):
    """A county's deadlines for one source; without a row the shipped default applies
    (canlian.cases.deadlines). 信访 defaults to the 条例's calendar days (DOMAIN.md §5)."""

    county = models.ForeignKey(Region, verbose_name="县（区）", on_delete=models.PROTECT,
                               related_name="+")
    source = models.CharField("来源", max_length=20, choices=CaseSource.choices)
    accept_days = models.PositiveSmallIntegerField("受理告知时限")
    conclude_days = models.PositiveSmallIntegerField("办结时限（自受理）")
    extension_days = models.PositiveSmallIntegerField("最长延期", default=0)
    unit = models.CharField("计算方式", max_length=15, choices=DeadlineUnit.choices)
    updated_by = models.ForeignKey(User, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "诉求办理时限"
        verbose_name_plural = "诉求办理时限"
        constraints = [
            models.UniqueConstraint(fields=["county", "source"], name="case_deadline_per_source"),
            models.CheckConstraint(condition=Q(conclude_days__gt=0),
                                   name="case_deadline_conclude_positive"),
        ]

    def __str__(self) -> str:
        return self.get_source_display()


class CaseRoute(models.Model):
    """Routing: cases of `category` (blank: any) from inside `region` go to `unit`. The most
    specific region wins, then a category match over a blank one; without a route a case goes
    to its township's federation, or the county's."""

    region = models.ForeignKey(Region, verbose_name="区域", on_delete=models.PROTECT,
                               related_name="+")
    category = models.CharField("诉求类别", max_length=20, choices=NeedKind.choices, blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="承办单位", on_delete=models.PROTECT,
                             related_name="+")
    created_by = models.ForeignKey(User, verbose_name="设置人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求分派规则"
        verbose_name_plural = "诉求分派规则"
        ordering = ["region_id", "category"]
        constraints = [
            models.UniqueConstraint(fields=["region", "category"], name="case_route_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.category or '全部'}"


class CaseQuerySet(RegionQuerySet):

    def visible_to(self, user: User) -> Self:
        """Staff: their jurisdiction. A resident: what they submitted and the cases of the
        people of their own household."""
        if user.is_authenticated and user.is_active and user.role == Role.RESIDENT:
            own = Q(submitted_by=user)
            if user.id_number_index:
                own |= Q(person__in=Person.objects.visible_to(user).values("pk"))
            return self.filter(own)
        if jurisdiction_prefix(user) is None:
            return self.none()
        return super().visible_to(user)

    def open(self) -> Self:
        return self.filter(status__in=OPEN_CASE_STATUSES)


class Case(models.Model):
    """A problem or request tracked to closure (对单销号)."""

    source = models.CharField("来源", max_length=20, choices=CaseSource.choices)
    category = models.CharField("类别", max_length=20, choices=NeedKind.choices)
    title = models.CharField("标题", max_length=100)
    description = models.CharField("诉求内容", max_length=2000)
    status = models.CharField("状态", max_length=15, choices=CaseStatus.choices,
                              default=CaseStatus.REGISTERED)
    # Optimistic concurrency: every transition is a conditional UPDATE on this number.
    version = models.PositiveIntegerField("版本", default=1)

    person = models.ForeignKey(Person, verbose_name="残疾人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="cases")
    region = models.ForeignKey(Region, verbose_name="所属区域", on_delete=models.PROTECT,
                               related_name="+")
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = EncryptedCharField("联系电话", blank=True, default="")
    submitted_by = models.ForeignKey(User, verbose_name="登记人", on_delete=models.PROTECT,
                                     related_name="+")
    registered_at = models.DateTimeField("登记时间", db_index=True)

    responsible_unit = models.ForeignKey(OrgUnit, verbose_name="承办单位", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    accept_due_on = models.DateField("受理告知期限", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(User, verbose_name="受理人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("办结期限", null=True, blank=True, db_index=True)
    extended_days = models.PositiveSmallIntegerField("已延期天数", default=0)
    extension_reason = models.CharField("延期理由", max_length=300, blank=True)

    reply = models.CharField("答复意见", max_length=2000, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    concluded_by = models.ForeignKey(User, verbose_name="办结人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # Whole days from registration to (latest) conclusion, stamped so the board averages a
    # column instead of date arithmetic that differs between engines.
    days_to_conclude = models.PositiveIntegerField("办理用时（天）", null=True, blank=True)
    satisfaction = models.CharField("满意度", max_length=15, choices=Satisfaction.choices,
                                    blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(User, verbose_name="销号人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    return_reason = models.CharField("退回理由", max_length=300, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重新办理次数", default=0)

    review_stage = models.PositiveSmallIntegerField("信访阶段", choices=ReviewStage.choices,
                                                    default=ReviewStage.NONE)
    escalation_level = models.PositiveSmallIntegerField("督办级别", default=0)
    escalated_to = models.ForeignKey(OrgUnit, verbose_name="督办单位", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    reminded_on = models.DateField("最近提醒日期", null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["responsible_unit", "status"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The number given to the person: year of registration + 7-digit id."""
        return f"SQ{self.registered_at:%Y}{self.pk:07d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES


class CaseAction(models.TextChoices):
    REGISTER = "register", "登记"
    ACCEPT = "accept", "受理"
    START = "start", "开始办理"
    ASSIGN = "assign", "改派"
    EXTEND = "extend", "延期"
    CONCLUDE = "conclude", "办结答复"
    RATE = "rate", "满意度评价"
    CONFIRM = "confirm", "回访确认销号"
    REOPEN = "reopen", "重新办理"
    RETURN = "return", "退回"
    REVIEW = "review", "申请复查/复核"
    REMIND = "remind", "到期提醒"
    ESCALATE = "escalate", "逾期督办"
    ATTACH = "attach", "上传附件"


class CaseEvent(models.Model):
    """One step of a case: who, when, from which status to which, the deadline then."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=15, choices=CaseAction.choices)
    from_status = models.CharField("原状态", max_length=15, choices=CaseStatus.choices,
                                   blank=True)
    to_status = models.CharField("新状态", max_length=15, choices=CaseStatus.choices,
                                 blank=True)
    actor = models.ForeignKey(User, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间")
    due_on = models.DateField("当时期限", null=True, blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="承办单位", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=2000, blank=True)

    class Meta:
        verbose_name = "诉求办理记录"
        verbose_name_plural = "诉求办理记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return self.get_action_display()


class CaseAttachment(models.Model):
    """A photo or document of a case, stored privately (never under a public URL)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    path = models.CharField(max_length=300)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "诉求附件"
        verbose_name_plural = "诉求附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
