"""The organisation system (组织体系, issue #4): units, the people in them and their posts.

横到边、纵到底 (seed 000): a county federation with its executive council, presidium and
departments; a federation in every township and an association in every village, each with
its chair and full-time liaison officer (专职委员); the five special associations; associations
in enterprises and other bodies. Every unit sits in a region, and jurisdiction is that region's
code prefix, as everywhere else.

People (`Member`) hold posts (`PostHolding`) for a term (from, to). A member may be a disabled
person or relative in the registry (optional link) or staff (optional link to an account). The
flags the composition rules of seed 004 count are on the member.
"""

from __future__ import annotations

from datetime import date
from typing import Self

from django.db import models
from django.db.models import Q

from canlian.core.crypto import EncryptedCharField
from canlian.core.managers import JurisdictionQuerySet
from canlian.core.models import Region, RegionLevel, User


class UnitKind(models.TextChoices):
    COUNTY_FEDERATION = "county_federation", "县残联"
    EXECUTIVE_COUNCIL = "executive_council", "执行理事会"
    PRESIDIUM = "presidium", "主席团"
    CONGRESS = "congress", "残疾人代表大会"
    DEPARTMENT = "department", "内设部门"
    SPECIAL_ASSOCIATION = "special_association", "专门协会"
    TOWNSHIP_FEDERATION = "township_federation", "乡镇（街道）残联"
    VILLAGE_ASSOCIATION = "village_association", "村（社区）残协"
    ENTERPRISE_ASSOCIATION = "enterprise_association", "企事业单位残协"
    MUTUAL_AID = "mutual_aid", "互助协会"
    SERVICE_TEAM = "service_team", "服务队"


# The region level each kind of unit sits at; None: any level (enterprises, mutual-aid
# associations and service teams are founded wherever there are people to serve).
KIND_LEVEL: dict[str, str | None] = {
    UnitKind.COUNTY_FEDERATION: RegionLevel.COUNTY,
    UnitKind.EXECUTIVE_COUNCIL: RegionLevel.COUNTY,
    UnitKind.PRESIDIUM: RegionLevel.COUNTY,
    UnitKind.CONGRESS: RegionLevel.COUNTY,
    UnitKind.DEPARTMENT: RegionLevel.COUNTY,
    UnitKind.SPECIAL_ASSOCIATION: RegionLevel.COUNTY,
    UnitKind.TOWNSHIP_FEDERATION: RegionLevel.TOWNSHIP,
    UnitKind.VILLAGE_ASSOCIATION: RegionLevel.VILLAGE,
    UnitKind.ENTERPRISE_ASSOCIATION: None,
    UnitKind.MUTUAL_AID: None,
    UnitKind.SERVICE_TEAM: None,
}
# One of these per region (one township federation per township, and so on).
ONE_PER_REGION = (UnitKind.COUNTY_FEDERATION, UnitKind.EXECUTIVE_COUNCIL, UnitKind.PRESIDIUM,
                  UnitKind.TOWNSHIP_FEDERATION, UnitKind.VILLAGE_ASSOCIATION)
# Bodies of the county federation: created under it as their parent.
COUNTY_BODIES = (UnitKind.EXECUTIVE_COUNCIL, UnitKind.PRESIDIUM, UnitKind.CONGRESS,
                 UnitKind.DEPARTMENT, UnitKind.SPECIAL_ASSOCIATION)


class SpecialKind(models.TextChoices):
    """The five special associations (濮阳县残联改革方案, seed 004 二(一)3)."""

    BLIND = "blind", "盲人协会"
    DEAF = "deaf", "聋人协会"
    PHYSICAL = "physical", "肢残人协会"
    INTELLECTUAL = "intellectual", "智力残疾人及亲友协会"
    MENTAL = "mental", "精神残疾人及亲友协会"


class Post(models.TextChoices):
    CHAIR = "chair", "主席"
    VICE_CHAIR = "vice_chair", "副主席"
    EXECUTIVE_CHAIR = "executive_chair", "理事长"
    VICE_EXECUTIVE_CHAIR = "vice_executive_chair", "副理事长"
    SECRETARY_GENERAL = "secretary_general", "秘书长"
    HEAD = "head", "负责人"
    LIAISON_OFFICER = "liaison_officer", "专职委员"
    COMMITTEE_MEMBER = "committee_member", "委员"
    CONTACT = "contact", "联络员"
    DELEGATE = "delegate", "代表"
    STAFF = "staff", "工作人员"
    MEMBER = "member", "成员"


# Posts one person holds at a time in a unit. 专职委员 is not among them: seed 000 hires one
# per village, but 汉阴 (seed 001) has 220 in 156 villages, so a second one is allowed.
SINGLE_HOLDER_POSTS = frozenset({Post.CHAIR, Post.EXECUTIVE_CHAIR, Post.SECRETARY_GENERAL,
                                 Post.HEAD})
# Posts of the county federation's own cadres (机关干部), the group "≥ 15 % disabled" counts
# (seed 004 二(二)2); elected, part-time posts (主席, 委员, 代表) are not staff posts.
STAFF_POSTS = frozenset({Post.EXECUTIVE_CHAIR, Post.VICE_EXECUTIVE_CHAIR,
                         Post.SECRETARY_GENERAL, Post.HEAD, Post.STAFF})
STAFF_UNIT_KINDS = (UnitKind.COUNTY_FEDERATION, UnitKind.EXECUTIVE_COUNCIL, UnitKind.DEPARTMENT)


class OrgUnitQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class OrgUnit(models.Model):
    kind = models.CharField("组织类型", max_length=30, choices=UnitKind.choices)
    special_kind = models.CharField("专门协会类别", max_length=20, choices=SpecialKind.choices,
                                    blank=True)
    name = models.CharField("组织名称", max_length=100)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT,
                               related_name="+")
    parent = models.ForeignKey("self", verbose_name="上级组织", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    established_on = models.DateField("成立日期", null=True, blank=True)
    address = models.CharField("办公地址", max_length=200, blank=True)
    is_active = models.BooleanField("存续", default=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("建立时间", auto_now_add=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "region"],
                                    condition=Q(kind__in=ONE_PER_REGION, is_active=True),
                                    name="org_unit_one_per_region"),
            models.UniqueConstraint(fields=["special_kind", "region"],
                                    condition=Q(kind=UnitKind.SPECIAL_ASSOCIATION,
                                                is_active=True),
                                    name="org_unit_one_special_association_per_kind"),
            models.CheckConstraint(
                condition=Q(kind=UnitKind.SPECIAL_ASSOCIATION, special_kind__gt="")
                | (~Q(kind=UnitKind.SPECIAL_ASSOCIATION) & Q(special_kind="")),
                name="org_unit_special_kind_only_for_special_associations"),
        ]
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class Member(models.Model):
    """A person in the organisation system: an officer, a delegate, a cadre."""

    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")], blank=True)
    phone = EncryptedCharField("联系电话", blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT,
                               related_name="+")
    # The registry record of a disabled member or a relative; no import of the registry app
    # (organizations and registry are independent layers), only the foreign key.
    person = models.ForeignKey("registry.Person", verbose_name="残疾人库记录", null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.OneToOneField(User, verbose_name="系统账户", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    # The categories the composition rules count (seed 004 二(一)1–2, 二(二)2).
    is_disabled = models.BooleanField("残疾人", default=False)
    is_relative = models.BooleanField("残疾人亲友", default=False)
    is_role_model = models.BooleanField("自强模范", default=False)
    is_grassroots = models.BooleanField("基层一线", default=False)
    is_rural = models.BooleanField("农村", default=False)
    is_volunteer = models.BooleanField("助残志愿者", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "组织人员"
        verbose_name_plural = "组织人员"
        ordering = ["region_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


# A member counts as disabled when flagged or when the linked registry record is a disabled
# person: a category or a certificate, as registry.models.disabled_condition says (this app
# may not import the registry; the certificate statuses other than "none" are written out).
DISABLED_Q = (Q(is_disabled=True) | Q(person__category__isnull=False)
              | Q(person__certificate_status__in=["valid", "expired", "cancelled"]))


class PostHoldingQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "unit__region__code"

    def active_on(self, day: date) -> Self:
        """Terms covering `day` (both ends inclusive; no end: still in office)."""
        return self.filter(Q(started_on__lte=day),
                           Q(ended_on__isnull=True) | Q(ended_on__gte=day))

    def overlapping(self, start: date, end: date | None) -> Self:
        """Terms sharing at least one day with [start, end] (end None: open-ended)."""
        terms = self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        if end is not None:
            terms = terms.filter(started_on__lte=end)
        return terms


class PostHolding(models.Model):
    unit = models.ForeignKey(OrgUnit, verbose_name="组织", on_delete=models.PROTECT,
                             related_name="holdings")
    member = models.ForeignKey(Member, verbose_name="人员", on_delete=models.PROTECT,
                               related_name="holdings")
    post = models.CharField("职务", max_length=30, choices=Post.choices)
    started_on = models.DateField("任职起始日期")
    ended_on = models.DateField("任职终止日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(User, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PostHoldingQuerySet.as_manager()

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        ordering = ["unit_id", "post", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_holding_term_order"),
        ]
        indexes = [models.Index(fields=["unit", "post", "started_on"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_post_display()}"

    @property
    def is_single_holder(self) -> bool:
        return self.post in SINGLE_HOLDER_POSTS


class ThresholdKey(models.TextChoices):
    """The composition and contact rules of 濮阳县残联改革方案 (seed 004)."""

    CONGRESS_DISABLED_OR_RELATIVE = "congress_disabled_or_relative", \
        "代表大会代表中残疾人及亲友比例"
    CONGRESS_ROLE_MODEL_OR_GRASSROOTS = "congress_role_model_or_grassroots", \
        "代表大会代表中自强模范和基层一线比例"
    PRESIDIUM_DISABLED_OR_RELATIVE = "presidium_disabled_or_relative", \
        "主席团委员中残疾人及亲友比例"
    PRESIDIUM_ROLE_MODEL_OR_GRASSROOTS = "presidium_role_model_or_grassroots", \
        "主席团委员中自强模范和基层一线比例"
    STAFF_DISABLED = "staff_disabled", "县残联机关残疾人干部比例"
    COUNCIL_GRASSROOTS_DAYS = "council_grassroots_days", "执行理事会成员每年下基层天数"


class Threshold(models.Model):
    """A county's own value for a rule; without a row the seed-004 default applies."""

    county = models.ForeignKey(Region, verbose_name="县（区）", on_delete=models.PROTECT,
                               related_name="+")
    key = models.CharField("规则", max_length=40, choices=ThresholdKey.choices)
    value = models.DecimalField("标准值", max_digits=5, decimal_places=1)
    updated_by = models.ForeignKey(User, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "组成比例标准"
        verbose_name_plural = "组成比例标准"
        constraints = [
            models.UniqueConstraint(fields=["county", "key"], name="threshold_one_per_county"),
            models.CheckConstraint(condition=Q(value__gte=0), name="threshold_not_negative"),
        ]

    def __str__(self) -> str:
        return self.get_key_display()


class TrainingQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class TrainingSession(models.Model):
    """A training of officers (seed 000: every year the county trains the township 理事长
    and the liaison officers in politics and the work)."""

    title = models.CharField("培训名称", max_length=100)
    region = models.ForeignKey(Region, verbose_name="举办单位所在区划", on_delete=models.PROTECT,
                               related_name="+")
    held_on = models.DateField("培训日期")
    days = models.DecimalField("培训天数", max_digits=4, decimal_places=1, default=1)
    location = models.CharField("地点", max_length=100, blank=True)
    is_online = models.BooleanField("线上培训", default=False)
    topic = models.CharField("内容", max_length=200, blank=True)
    created_by = models.ForeignKey(User, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = "培训"
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(days__gt=0), name="training_days_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE,
                                related_name="attendances")
    member = models.ForeignKey(Member, verbose_name="人员", on_delete=models.PROTECT,
                               related_name="attendances")
    recorded_by = models.ForeignKey(User, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "参训记录"
        verbose_name_plural = "参训记录"
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.member}"


class GrassrootsVisitQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "member__region__code"


class GrassrootsVisit(models.Model):
    """Days an executive-council member spent at the grassroots (seed 004 二(三)4: at least
    30 days a year, in close contact with disabled people in difficulty)."""

    member = models.ForeignKey(Member, verbose_name="执行理事会成员", on_delete=models.PROTECT,
                               related_name="grassroots_visits")
    started_on = models.DateField("开始日期")
    days = models.DecimalField("天数", max_digits=4, decimal_places=1)
    place = models.ForeignKey(Region, verbose_name="地点", on_delete=models.PROTECT,
                              related_name="+")
    purpose = models.CharField("事由", max_length=200)
    recorded_by = models.ForeignKey(User, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = GrassrootsVisitQuerySet.as_manager()

    class Meta:
        verbose_name = "下基层记录"
        verbose_name_plural = "下基层记录"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(days__gt=0) & Q(days__lte=366),
                                   name="grassroots_days_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.started_on}"
