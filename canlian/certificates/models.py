"""Certificate applications (证件办理): types, channels, steps, assessments, documents, notices
and the travel assumptions behind the 只跑一次 savings figures.

The workflow itself is data (canlian.certificates.workflow): which steps a type goes through,
each step's deadline in working days and who may act. Every step taken is an
`ApplicationStep` row stamped with who and when, whether the applicant had to come in person,
and the deadline it had.
"""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Exists, OuterRef, Q

from canlian.core.crypto import EncryptedCharField
from canlian.core.managers import JurisdictionQuerySet, jurisdiction_prefix
from canlian.core.models import Region, User
from canlian.core.roles import Role
from canlian.registry.models import CancelReason, Category, Grade, Person


class ApplicationType(models.TextChoices):
    NEW = "new", "新办"
    RENEWAL = "renewal", "换领"
    REPLACEMENT = "replacement", "补办"
    REASSESSMENT = "reassessment", "等级/类别变更"
    TRANSFER_IN = "transfer_in", "迁入"
    TRANSFER_OUT = "transfer_out", "迁出"
    CANCELLATION = "cancellation", "注销"


class Channel(models.TextChoices):
    WINDOW = "window", "县级窗口"
    TOWNSHIP = "township", "就地简办"
    HOME = "home", "入户特办"
    CROSS_PROVINCE = "cross_province", "跨省通办"
    ONLINE = "online", "网上申请"


class CrossDirection(models.TextChoices):
    INCOMING = "incoming", "外地受理、转本县办理"
    OUTGOING = "outgoing", "本县受理、转户籍地办理"


class RenewalReason(models.TextChoices):
    EXPIRY = "expiry", "有效期满"
    DAMAGE = "damage", "证件损坏"


class Status(models.TextChoices):
    """Where the application waits; `Step` names the step being waited for."""

    SUBMITTED = "submitted", "待受理"
    NEEDS_MATERIALS = "needs_materials", "待补齐材料"
    IN_PROGRESS = "in_progress", "办理中"
    ISSUED = "issued", "已发证"
    CLOSED = "closed", "已办结"
    FORWARDED = "forwarded", "已转户籍地办理"
    REJECTED = "rejected", "未通过"


OPEN_STATUSES = (Status.SUBMITTED, Status.NEEDS_MATERIALS, Status.IN_PROGRESS)


class Step(models.TextChoices):
    SUBMIT = "submit", "申请"
    ACCEPT = "accept", "受理"
    ASSESS = "assess", "评定"
    PUBLICIZE = "publicize", "公示"
    REVIEW = "review", "县残联审核"
    PRODUCE = "produce", "制证"
    ISSUE = "issue", "发放"
    CLOSE = "close", "办结"
    FORWARD = "forward", "推送户籍地"


class StepOutcome(models.TextChoices):
    DONE = "done", "完成"
    INCOMPLETE = "incomplete", "材料不全，一次性告知"
    ASSIGNED = "assigned", "指派评定"
    OBJECTION = "objection", "公示异议，重新评定"
    REJECTED = "rejected", "不予通过"


class ApplicationQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"

    def visible_to(self, user: User) -> Self:
        """Staff: their jurisdiction; an assessor: applications assigned to them; a resident:
        what they submitted, their own, and their household's."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.RESIDENT:
            own = Q(submitted_by=user)
            if user.id_number_index:
                own |= Q(id_number_index=user.id_number_index)
                own |= Q(person__in=Person.objects.visible_to(user).values("pk"))
            return self.filter(own)
        if user.role == Role.ASSESSOR:
            assigned = Assessment.objects.filter(application=OuterRef("pk"), assessor=user)
            return self.filter(Exists(assigned), region__code__startswith=user.region.prefix)
        if jurisdiction_prefix(user) is None:
            return self.none()
        return super().visible_to(user)

    def open(self) -> Self:
        return self.filter(status__in=OPEN_STATUSES)


class Application(models.Model):
    type = models.CharField("申请类型", max_length=20, choices=ApplicationType.choices)
    channel = models.CharField("办理通道", max_length=20, choices=Channel.choices)
    cross_direction = models.CharField("跨省通办方向", max_length=10, blank=True,
                                       choices=CrossDirection.choices)
    other_place = models.CharField("外地（户籍地或受理地）", max_length=100, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED, db_index=True)
    step = models.CharField("当前环节", max_length=20, choices=Step.choices, blank=True)
    step_started_on = models.DateField("本环节开始日期", null=True, blank=True)
    step_due_on = models.DateField("本环节办理时限", null=True, blank=True, db_index=True)
    # Optimistic concurrency: every transition is a conditional UPDATE on this number.
    version = models.PositiveIntegerField("版本", default=1)

    person = models.ForeignKey(Person, verbose_name="残疾人档案", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="certificate_applications")
    name = models.CharField("姓名", max_length=50)
    id_number = EncryptedCharField("身份证号")
    id_number_index = models.CharField(max_length=64, db_index=True)
    region = models.ForeignKey(Region, verbose_name="户籍地", on_delete=models.PROTECT,
                               related_name="+")
    phone = EncryptedCharField("联系电话", blank=True, default="")
    applicant_relation = models.CharField("申请人与本人关系", max_length=20, default="本人")
    declared_category = models.PositiveSmallIntegerField("申报残疾类别", null=True, blank=True,
                                                         choices=Category.choices)
    renewal_reason = models.CharField("换领原因", max_length=10, blank=True,
                                      choices=RenewalReason.choices)
    cancel_reason = models.CharField("注销原因", max_length=20, blank=True,
                                     choices=CancelReason.choices)
    destination = models.CharField("迁往地", max_length=100, blank=True)
    previous_certificate_number = EncryptedCharField("原残疾人证号", blank=True, default="")
    note = models.CharField("申请说明", max_length=500, blank=True)

    materials_missing = models.JSONField("尚缺材料", default=list, blank=True)
    materials_notified = models.JSONField("已一次性告知的材料", default=list, blank=True)

    certificate_number = EncryptedCharField("新残疾人证号", blank=True, default="")
    certificate_category = models.PositiveSmallIntegerField("证载类别", null=True, blank=True,
                                                            choices=Category.choices)
    certificate_grade = models.PositiveSmallIntegerField("证载等级", null=True, blank=True,
                                                         choices=Grade.choices)
    certificate_components = models.JSONField("多重残疾类别", default=list, blank=True)
    certificate_issued_on = models.DateField("发证日期", null=True, blank=True)
    certificate_valid_until = models.DateField("有效期至", null=True, blank=True)

    reject_reason = models.CharField("不予通过原因", max_length=300, blank=True)
    trips = models.PositiveSmallIntegerField("申请人到现场次数", default=0)
    submitted_by = models.ForeignKey(User, verbose_name="提交人", on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField("提交时间")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "证件申请"
        verbose_name_plural = "证件申请"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["region", "status"]),
                   models.Index(fields=["type", "channel"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_type_display()}"

    @property
    def reference(self) -> str:
        """The number printed on the receipt: year of submission + 6-digit id."""
        return f"ZB{self.submitted_at:%Y}{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ApplicationStep(models.Model):
    """One step taken: who, when, the outcome, the deadline it had, and whether the applicant
    had to come in person (只跑一次)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField("环节", max_length=20, choices=Step.choices)
    outcome = models.CharField("结果", max_length=20, choices=StepOutcome.choices,
                               default=StepOutcome.DONE)
    started_on = models.DateField("开始日期")
    due_on = models.DateField("办理时限", null=True, blank=True)
    done_at = models.DateTimeField("办理时间")
    done_by = models.ForeignKey(User, verbose_name="办理人", on_delete=models.PROTECT,
                                related_name="+")
    in_person = models.BooleanField("申请人到现场", default=False)
    working_days = models.PositiveIntegerField("用时（工作日）", default=0)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        ordering = ["done_at", "id"]

    def __str__(self) -> str:
        return self.get_step_display()


class AssessmentPlace(models.TextChoices):
    HOSPITAL = "hospital", "评定机构"
    TOWNSHIP = "township", "乡镇（街道）"
    HOME = "home", "上门（入户）"


class AssessmentResult(models.TextChoices):
    PENDING = "pending", "待评定"
    QUALIFIED = "qualified", "符合残疾标准"
    NOT_QUALIFIED = "not_qualified", "不符合残疾标准"


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> Self:
        if user.role == Role.ASSESSOR:
            return self.filter(assessor=user)
        return self.filter(application__in=Application.objects.visible_to(user))


class Assessment(models.Model):
    """One disability assessment (评残) of an application; a re-assessment after an objection
    is a new row. GB/T 26341-2010 grading is done by the assessor, never by the platform."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="assessments")
    assessor = models.ForeignKey(User, verbose_name="评定医生", on_delete=models.PROTECT,
                                 related_name="assessments")
    institution = models.CharField("评定机构", max_length=100)
    place = models.CharField("评定地点", max_length=10, choices=AssessmentPlace.choices)
    scheduled_on = models.DateField("预约日期", null=True, blank=True)
    assigned_by = models.ForeignKey(User, verbose_name="指派人", on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField("指派时间")
    result = models.CharField("评定结论", max_length=20, choices=AssessmentResult.choices,
                              default=AssessmentResult.PENDING)
    category = models.PositiveSmallIntegerField("残疾类别", null=True, blank=True,
                                                choices=Category.choices)
    grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True,
                                             choices=Grade.choices)
    # 多重残疾: [{"category": 1, "grade": 2}, …]; the grade is the most severe (DOMAIN.md §0.1).
    components = models.JSONField("多重残疾分项", default=list, blank=True)
    note = models.CharField("评定意见", max_length=500, blank=True)
    assessed_at = models.DateTimeField("评定时间", null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = "残疾评定"
        verbose_name_plural = "残疾评定"
        ordering = ["-assigned_at", "-id"]

    def __str__(self) -> str:
        return f"{self.application.reference} 评定"


class DocumentKind(models.TextChoices):
    PHOTO = "photo", "二寸照片"
    ID_CARD = "id_card", "身份证"
    HUKOU = "hukou", "户口本"
    MEDICAL = "medical", "诊断证明或病历"
    OLD_CERTIFICATE = "old_certificate", "原残疾人证"
    LOSS_STATEMENT = "loss_statement", "遗失声明"
    GUARDIANSHIP = "guardianship", "监护关系证明"
    DEATH = "death", "死亡证明或户口注销证明"
    MOVE = "move", "户口迁移证明"
    OTHER = "other", "其他材料"


class ApplicationDocument(models.Model):
    """An uploaded photo or document, stored privately (never under a public URL)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="documents")
    kind = models.CharField("材料类型", max_length=20, choices=DocumentKind.choices)
    path = models.CharField(max_length=300)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Notice(models.Model):
    """An in-app notice to a resident about their application (and, if a phone is known, the
    same text by SMS through canlian.core.sms)."""

    recipient = models.ForeignKey(User, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="certificate_notices")
    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="notices")
    title = models.CharField("标题", max_length=100)
    body = models.CharField("内容", max_length=1000)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "办事通知"
        verbose_name_plural = "办事通知"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TravelAssumption(models.Model):
    """只跑一次 figures: what one trip to the county window costs an applicant from a township
    (days and yuan). A county-level row is the default for townships without their own."""

    region = models.OneToOneField(Region, verbose_name="乡镇（街道）或县", primary_key=True,
                                  on_delete=models.CASCADE, related_name="+")
    days_per_trip = models.DecimalField("每次往返耗时（天）", max_digits=5, decimal_places=2)
    cost_per_trip_amount = models.DecimalField("每次往返费用（元）", max_digits=12,
                                               decimal_places=2)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "往返成本假设"
        verbose_name_plural = "往返成本假设"
        ordering = ["region_id"]

    def __str__(self) -> str:
        return str(self.region_id)


class WindowTrips(models.Model):
    """How many trips an application of this type takes through the county window: the
    baseline that other channels' trips are compared with."""

    type = models.CharField("申请类型", max_length=20, choices=ApplicationType.choices,
                            primary_key=True)
    trips = models.PositiveSmallIntegerField("县级窗口办理到现场次数")

    class Meta:
        verbose_name = "县级窗口往返次数"
        verbose_name_plural = "县级窗口往返次数"
        ordering = ["type"]

    def __str__(self) -> str:
        return self.get_type_display()
