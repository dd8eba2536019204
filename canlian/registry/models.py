"""The disabled-persons registry (残疾人人口基础库): persons and households.

Identifiers (ID, phone, certificate number, guardian ID and phone) are SM4-encrypted with a
blind index for exact lookups (canlian.core.crypto). Every change to a person or a household is
kept by django-simple-history (who, when, the whole row before and after), so the registry can
be read "as of a date"; household statuses such as 低保 are periods, so "in dibao in month M"
is answerable for any past month.
"""

from __future__ import annotations

from datetime import date
from typing import Self

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from canlian.core.crypto import EncryptedCharField
from canlian.core.managers import JurisdictionQuerySet, jurisdiction_prefix
from canlian.core.models import Region, User
from canlian.core.roles import Role
from canlian.registry.vocabulary import EDUCATION_LEVELS, EMPLOYMENT_STATUSES, ETHNICITIES


class Category(models.IntegerChoices):
    """GB/T 26341-2010 categories, numbered as in the certificate number (DOMAIN.md §0.1)."""

    VISUAL = 1, "视力残疾"
    HEARING = 2, "听力残疾"
    SPEECH = 3, "言语残疾"
    PHYSICAL = 4, "肢体残疾"
    INTELLECTUAL = 5, "智力残疾"
    MENTAL = 6, "精神残疾"
    MULTIPLE = 7, "多重残疾"


class Grade(models.IntegerChoices):
    ONE = 1, "一级"
    TWO = 2, "二级"
    THREE = 3, "三级"
    FOUR = 4, "四级"


class CertificateStatus(models.TextChoices):
    NONE = "none", "未办证"
    VALID = "valid", "有效"
    EXPIRED = "expired", "已过期"
    CANCELLED = "cancelled", "已注销"


class CancelReason(models.TextChoices):
    DECEASED = "deceased", "死亡"
    MOVED_OUT = "moved_out", "迁出"
    OWN_REQUEST = "own_request", "本人申请"
    REISSUED = "reissued", "遗失补发"
    OTHER = "other", "其他"


class LivingStatus(models.TextChoices):
    ALIVE = "alive", "正常"
    DECEASED = "deceased", "死亡"
    MOVED_OUT = "moved_out", "迁出"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


def _named(names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, name) for name in names]


class HouseholdStatusKind(models.TextChoices):
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困供养"
    ORPHAN = "orphan", "孤儿基本生活保障"
    WORK_INJURY_CARE = "work_injury_care", "工伤保险生活护理费"


class HouseholdQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class Household(models.Model):
    """A 户: the people registered together; its region is the hukou village."""

    # No database constraint on the region (nor on Person.region): see REGION_WITHOUT_CONSTRAINT.
    region = models.ForeignKey(Region, verbose_name="户籍地", on_delete=models.PROTECT,
                               db_constraint=False, related_name="+")
    head = models.ForeignKey("Person", verbose_name="户主", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    address = models.CharField("住址", max_length=200, blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    # History is read by household (its id), never by region or head: no index for those.
    history = HistoricalRecords(excluded_fields=["created_at"], no_db_index=["region", "head"])

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭户"
        verbose_name_plural = "家庭户"

    def __str__(self) -> str:
        return f"户 {self.pk}"


class HouseholdStatusQuerySet(models.QuerySet):
    def active_in_month(self, month: date) -> Self:
        """Periods covering month M: started on or before M, not ended before M."""
        first = month.replace(day=1)
        return self.filter(Q(start_month__lte=first),
                           Q(end_month__isnull=True) | Q(end_month__gte=first))


class HouseholdStatus(models.Model):
    """A period of 低保, 特困, orphan guarantee or work-injury care, by month (inclusive)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="statuses")
    kind = models.CharField("类型", max_length=20, choices=HouseholdStatusKind.choices)
    start_month = models.DateField("起始月份")
    end_month = models.DateField("终止月份", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    history = HistoricalRecords(no_db_index=["household"])

    objects = HouseholdStatusQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭保障状态"
        verbose_name_plural = "家庭保障状态"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=models.F("start_month")),
                name="household_status_period_order",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


def disabled_condition(prefix: str = "") -> Q:
    """The one definition of a disabled person (残疾人, DESIGN.md "Data"): a recorded disability
    category, or a certificate (held now or once). Household members registered for the
    household's sake have neither and are never counted as 残疾人 unless a page says so.

    `prefix` reaches the person through a relation ("person__" on a visit, an enrolment…).
    Plain columns of the person row, so the condition is set-based SQL and can use the
    (region, category, grade) index.
    """
    return (Q(**{f"{prefix}category__isnull": False})
            | ~Q(**{f"{prefix}certificate_status": CertificateStatus.NONE}))


class PersonQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"

    def disabled(self) -> Self:
        """Disabled persons only (残疾人): see disabled_condition."""
        return self.filter(disabled_condition())

    def household_members_only(self) -> Self:
        """Household members without a disability (户内成员, not 残疾人)."""
        return self.exclude(disabled_condition())

    def visible_to(self, user: User) -> Self:
        """Staff: their jurisdiction. A resident: the people of their own household, and the
        wards staff verified as linked to their account (GuardianLink)."""
        if user.is_authenticated and user.is_active and user.role == Role.RESIDENT:
            wards = GuardianLink.objects.verified().filter(user=user, person__isnull=False)
            mine = Q(pk__in=wards.values("person"))
            if user.id_number_index:
                own = Person.objects.filter(id_number_index=user.id_number_index)
                mine |= Q(id_number_index=user.id_number_index) | Q(
                    household__isnull=False,
                    household__in=own.exclude(household=None).values("household"))
            return self.filter(mine)
        if jurisdiction_prefix(user) is None:
            return self.none()
        return super().visible_to(user)


class Person(models.Model):
    name = models.CharField("姓名", max_length=50)
    # Searched by prefix: a pattern index on PostgreSQL (migration 0003); SQLite uses no index
    # for LIKE … ESCAPE, so a plain index would only slow every write down.
    name_initials = models.CharField("姓名拼音首字母", max_length=50)
    id_number = EncryptedCharField("身份证号")
    id_number_index = models.CharField(max_length=64)
    # For partial ID search without decrypting: the last four characters, keyed.
    id_tail_index = models.CharField(max_length=64)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    ethnicity = models.CharField("民族", max_length=20, blank=True, choices=_named(ETHNICITIES))
    phone = EncryptedCharField("联系电话", blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="")
    # REGION_WITHOUT_CONSTRAINT: a region is never deleted (a retired code is deactivated,
    # Region.is_active; PROTECT still refuses an ORM delete), and every write path checks the
    # code against the region table (rows.parse_rows, the forms, the API). A database check
    # per person ran at the commit of every import: 2 s of 20 for 100,000 rows on PostgreSQL.
    region = models.ForeignKey(Region, verbose_name="户籍地", on_delete=models.PROTECT,
                               db_constraint=False, related_name="+")
    address = models.CharField("现住址", max_length=200, blank=True)
    household = models.ForeignKey(Household, verbose_name="家庭户", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="members")
    relation_to_head = models.CharField("与户主关系", max_length=20, blank=True)

    category = models.PositiveSmallIntegerField("残疾类别", choices=Category.choices, null=True,
                                                blank=True)
    grade = models.PositiveSmallIntegerField("残疾等级", choices=Grade.choices, null=True,
                                             blank=True)
    # 多重残疾: the component categories; the grade is the most severe (DOMAIN.md §0.1).
    components = models.JSONField("多重残疾类别", default=list, blank=True)
    certificate_number = EncryptedCharField("残疾人证号", blank=True, default="")
    certificate_index = models.CharField(max_length=64, blank=True, default="")
    certificate_issued_on = models.DateField("发证日期", null=True, blank=True)
    certificate_valid_until = models.DateField("有效期至", null=True, blank=True)
    certificate_status = models.CharField("证件状态", max_length=10,
                                          choices=CertificateStatus.choices,
                                          default=CertificateStatus.NONE)
    certificate_cancel_reason = models.CharField("注销原因", max_length=20, blank=True,
                                                 choices=CancelReason.choices)
    needs_long_term_care = models.BooleanField("需长期照护", default=False)
    living_status = models.CharField("生存状态", max_length=10, choices=LivingStatus.choices,
                                     default=LivingStatus.ALIVE)
    living_status_on = models.DateField("状态变化日期", null=True, blank=True)
    education = models.CharField("文化程度", max_length=20, blank=True,
                                 choices=_named(EDUCATION_LEVELS))
    employment_status = models.CharField("就业状况", max_length=20, blank=True,
                                         choices=_named(EMPLOYMENT_STATUSES))

    guardian_name = models.CharField("监护人姓名", max_length=50, blank=True)
    guardian_id_number = EncryptedCharField("监护人身份证号", blank=True, default="")
    guardian_phone = EncryptedCharField("监护人电话", blank=True, default="")
    guardian_relation = models.CharField("与监护人关系", max_length=20, blank=True)

    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # History is read by person (its id) and by who and when, never by region or household:
    # two indexes fewer to fill for every change (three on PostgreSQL).
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"],
                                no_db_index=["region", "household"])

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "残疾人"
        verbose_name_plural = "残疾人"
        ordering = ["region_id", "name_initials", "id"]
        # Blind indexes are looked up by equality only: declared here rather than with
        # db_index/unique on the field, which on PostgreSQL adds a second, pattern-ops index
        # to each (never used, and paid for by every insert). The history table has none of
        # them: it is read by person and by date.
        indexes = [
            models.Index(fields=["region", "category", "grade"]),
            models.Index(fields=["certificate_valid_until"]),
            models.Index(fields=["id_tail_index"], name="registry_person_id_tail"),
            models.Index(fields=["phone_index"], name="registry_person_phone"),
            models.Index(fields=["certificate_index"], name="registry_person_certificate"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=True, grade__isnull=True)
                | Q(category__isnull=False, grade__isnull=False),
                name="person_category_and_grade_together",
            ),
            models.UniqueConstraint(fields=["id_number_index"],
                                    name="registry_person_id_number_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_disabled(self) -> bool:
        """A disabled person (残疾人), not a household member: the row-level twin of
        disabled_condition (keep the two in step)."""
        return self.category is not None or self.certificate_status != CertificateStatus.NONE

    @property
    def is_severe(self) -> bool:
        """重度残疾 in national benefit rules: grade 1 or 2 (DOMAIN.md §1)."""
        return self.grade in (1, 2)


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已退回"


class ChangeRequestQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class PersonChangeRequest(models.Model):
    """An edit by a village liaison officer, applied only when township staff approve it
    (maker-checker). `base_history_id` is the person's version the edit was made on: if the
    record changed meanwhile, approval is refused as a conflict instead of overwriting."""

    person = models.ForeignKey(Person, verbose_name="人员", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="change_requests")
    region = models.ForeignKey(Region, verbose_name="户籍地", on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField("姓名", max_length=50)
    payload = models.JSONField("修改内容")
    base_history_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=ChangeStatus.choices,
                              default=ChangeStatus.PENDING)
    is_conflict = models.BooleanField("与他人修改冲突", default=False)
    requested_by = models.ForeignKey(User, verbose_name="提交人", on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField("提交时间", auto_now_add=True)
    decided_by = models.ForeignKey(User, verbose_name="审核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.CharField("审核意见", max_length=200, blank=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "信息变更申请"
        verbose_name_plural = "信息变更申请"
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.name} 的变更申请"


class FieldGroup(models.TextChoices):
    """The groups of a person's record a county sets maker-checker for (changes.FIELD_GROUPS
    lists each group's columns)."""

    BASIC = "basic", "基本信息"
    CONTACT = "contact", "联系方式与监护人"
    HUKOU = "hukou", "户籍、住址与家庭户"
    DISABILITY = "disability", "残疾与证件"
    SUPPORT = "support", "家庭保障（低保、特困）"
    LIVING = "living", "生存状态"


class ChangeApprovalSetting(models.Model):
    """Per county and field group: does a village liaison officer's edit wait for township
    approval (the default, also when no row exists) or apply directly? Set by the county's
    system administrator (county_admin)."""

    county = models.ForeignKey(Region, verbose_name="县（区）", on_delete=models.PROTECT,
                               related_name="+")
    group = models.CharField("信息组", max_length=20, choices=FieldGroup.choices)
    needs_approval = models.BooleanField("须乡镇（街道）审核", default=True)
    updated_by = models.ForeignKey(User, verbose_name="设置人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("设置时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "信息变更审核设置"
        verbose_name_plural = "信息变更审核设置"
        constraints = [
            models.UniqueConstraint(fields=["county", "group"],
                                    name="change_approval_setting_one_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.get_group_display()}"


class GuardianLinkStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    VERIFIED = "verified", "已核实"
    REJECTED = "rejected", "未通过"


OPEN_GUARDIAN_LINK_STATUSES = (GuardianLinkStatus.PENDING, GuardianLinkStatus.VERIFIED)


class GuardianLinkQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"

    def verified(self) -> Self:
        return self.filter(status=GuardianLinkStatus.VERIFIED)


class GuardianLink(models.Model):
    """A resident account acting for another person as their guardian or relative (为被监护人
    办事). The resident records it as a request in the portal; it is usable only once staff of
    the person's jurisdiction verified the guardianship proof. `person` is the registry person
    with that ID number, if any (never told to the requester); a request naming nobody in the
    registry waits in the requester's own region, and once verified lets the guardian apply for a
    first certificate of a ward not yet registered."""

    user = models.ForeignKey(User, verbose_name="监护人账户", on_delete=models.CASCADE,
                             related_name="guardian_links")
    person = models.ForeignKey(Person, verbose_name="被监护人档案", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="guardian_links")
    region = models.ForeignKey(Region, verbose_name="核实区域", on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField("被监护人姓名", max_length=50)
    id_number = EncryptedCharField("被监护人身份证号")
    id_number_index = models.CharField(max_length=64, db_index=True)
    relation = models.CharField("与被监护人关系", max_length=20)
    status = models.CharField("状态", max_length=10, choices=GuardianLinkStatus.choices,
                              default=GuardianLinkStatus.PENDING)
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(User, verbose_name="核实人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("核实时间", null=True, blank=True)
    decision_note = models.CharField("核实意见", max_length=200, blank=True)

    objects = GuardianLinkQuerySet.as_manager()

    class Meta:
        verbose_name = "监护关系"
        verbose_name_plural = "监护关系"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "id_number_index"],
                condition=Q(status__in=["pending", "verified"]),
                name="guardian_link_one_open_per_ward"),
        ]

    def __str__(self) -> str:
        return f"{self.name} 的监护关系"
