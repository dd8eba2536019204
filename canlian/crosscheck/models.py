"""Cross-checks with other departments' lists (数据比对) and the annual dynamic update (动态更新).

A department's list is imported as a Dataset; its rows are kept in a staging table keyed by the
blind index of the ID number (canlian.core.crypto), so matching is one join on the registry's
index. Rows are kept minimally (PIPL §6, DOMAIN.md §7.2): the ID number itself is stored
(encrypted) only where the work needs it — the severe mental disorder list (outreach to people
not in the registry) and rows whose check character is wrong (near-match candidates).

A Finding is one discrepancy with its evidence and the proposed action; it changes nothing until
a person confirms it. The unique (kind, subject, evidence key) makes a re-run add no duplicate.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from canlian.core.crypto import EncryptedCharField
from canlian.core.managers import JurisdictionQuerySet
from canlian.core.models import Region, User
from canlian.registry.models import Person


class DatasetKind(models.TextChoices):
    DEATHS = "deaths", "死亡人员"
    MOVES = "moves", "户籍迁出"
    DIBAO = "dibao", "低保/特困"
    MENTAL = "mental", "严重精神障碍患者"
    ORPHANS = "orphans", "孤儿基本生活保障"
    INJURY = "injury", "工伤保险生活护理费"


class DatasetQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class Dataset(models.Model):
    """One imported list: who brought it in, when, from where, and what matching found."""

    kind = models.CharField("数据类型", max_length=10, choices=DatasetKind.choices)
    source = models.CharField("数据来源", max_length=100)
    filename = models.CharField("文件名", max_length=200)
    # The month findings are assessed for (低保 periods active in it, enrolments paid in it).
    reference_month = models.DateField("比对月份")
    # The importer's region: the dataset's scope and who may see its history.
    region = models.ForeignKey(Region, verbose_name="范围", on_delete=models.PROTECT,
                               related_name="+")
    row_count = models.PositiveIntegerField("行数", default=0)
    matched_count = models.PositiveIntegerField("匹配人数", default=0)
    candidate_count = models.PositiveIntegerField("疑似匹配", default=0)
    finding_count = models.PositiveIntegerField("新增发现", default=0)
    imported_by = models.ForeignKey(User, verbose_name="导入人", on_delete=models.PROTECT,
                                    related_name="+")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    matched_at = models.DateTimeField("最近比对时间", null=True, blank=True)
    match_runs = models.PositiveIntegerField("比对次数", default=0)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        verbose_name = "比对数据"
        verbose_name_plural = "比对数据"
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"


class MatchQuality(models.TextChoices):
    NONE = "none", "未匹配"
    EXACT = "exact", "身份证号与姓名一致"
    NAME_DIFFERS = "name_differs", "身份证号一致、姓名不同"
    NEAR = "near", "疑似录入错误（经人工确认）"


class StatusKind(models.TextChoices):
    """Household status periods a list can carry (registry.HouseholdStatusKind values)."""

    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困供养"
    ORPHAN = "orphan", "孤儿基本生活保障"
    WORK_INJURY_CARE = "work_injury_care", "工伤保险生活护理费"


class DatasetRow(models.Model):
    """One row of a list, as the staging table the matching joins on.

    Lean on purpose: a list of a million rows is COPYed in and then matched by one UPDATE, and
    every index is written for every row. Rows are only ever read by dataset: the dataset is
    indexed, and its matched rows (a partial index the match fills). Neither link has a
    database constraint: the rows are written only by staging, in the transaction that creates
    their dataset, and registry persons are never deleted. The deferred check per row of the
    dataset link cost 7 s at commit for 1,000,000 rows (bench/crosscheck.py), as much as the
    match; the person link's check was a large share of the match.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, db_constraint=False,
                                related_name="rows")
    row_number = models.PositiveIntegerField("行号")
    name = models.CharField("姓名", max_length=50)
    id_index = models.CharField(max_length=64)
    # Kept only for the mental-disorder list and for rows with a wrong check character.
    id_number = EncryptedCharField("身份证号", blank=True, default="")
    id_valid = models.BooleanField("身份证号校验通过", default=True)
    event_on = models.DateField("死亡或迁出日期", null=True, blank=True)
    start_month = models.DateField("起始年月", null=True, blank=True)
    end_month = models.DateField("终止年月", null=True, blank=True)
    status_kind = models.CharField("保障类别", max_length=20, choices=StatusKind.choices,
                                   blank=True)
    dibao_area = models.CharField("城乡", max_length=10, blank=True)
    place = models.CharField("来源单位、迁往地或诊断", max_length=100, blank=True)
    region_code = models.CharField("管理地区代码", max_length=12, blank=True)
    person = models.ForeignKey(Person, verbose_name="匹配人员", null=True, blank=True,
                               on_delete=models.DO_NOTHING, db_constraint=False,
                               db_index=False, related_name="crosscheck_rows")
    match = models.CharField("匹配情况", max_length=12, choices=MatchQuality.choices,
                             default=MatchQuality.NONE)

    class Meta:
        verbose_name = "比对数据行"
        verbose_name_plural = "比对数据行"
        ordering = ["dataset", "row_number"]
        # The matched rows of a dataset, which every finding query starts from: written by
        # the match, not by the COPY (unmatched rows are most of a county's death list).
        indexes = [models.Index(fields=["dataset", "person"], condition=Q(person__isnull=False),
                                name="crosscheck_row_matched")]

    def __str__(self) -> str:
        return f"第 {self.row_number} 行"


class CandidateStatus(models.TextChoices):
    OPEN = "open", "待确认"
    ACCEPTED = "accepted", "确认为同一人"
    REJECTED = "rejected", "不是同一人"


class CandidateReason(models.TextChoices):
    DIGIT = "digit", "一位数字录错"
    SWAP = "swap", "相邻两位颠倒"


class CandidateQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region_code"


class MatchCandidate(models.Model):
    """A near match: the list's ID with one digit changed or two adjacent digits swapped is a
    registry person with the same name. Offered to staff, never applied by itself."""

    row = models.ForeignKey(DatasetRow, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12)
    reason = models.CharField("疑似原因", max_length=10, choices=CandidateReason.choices)
    status = models.CharField("状态", max_length=10, choices=CandidateStatus.choices,
                              default=CandidateStatus.OPEN)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = "疑似匹配"
        verbose_name_plural = "疑似匹配"
        ordering = ["row__dataset", "row__row_number", "pk"]
        constraints = [models.UniqueConstraint(fields=["row", "person"],
                                               name="crosscheck_candidate_once")]

    def __str__(self) -> str:
        return self.get_reason_display()


class FindingKind(models.TextChoices):
    DECEASED_ALIVE = "deceased_alive", "已死亡但基础库未标记"
    DECEASED_ENROLLED = "deceased_enrolled", "已死亡仍在享受补贴"
    PAID_AFTER_DEATH = "paid_after_death", "死亡后仍有发放（应追回）"
    MOVED_OUT = "moved_out", "户籍已迁出但基础库未标记"
    MOVED_ENROLLED = "moved_enrolled", "户籍迁出仍在享受补贴"
    STATUS_START = "status_start", "新纳入保障（基础库未登记）"
    STATUS_END = "status_end", "保障已终止（基础库未结束）"
    STATUS_EXCLUDES = "status_excludes", "享受的保障与补贴不能同时享受"
    MENTAL_UNCERTIFIED = "mental_uncertified", "严重精神障碍患者未持证（上门评残）"
    NAME_MISMATCH = "name_mismatch", "身份证号一致但姓名不同"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待处理"
    CONFIRMED = "confirmed", "已确认处理"
    DISMISSED = "dismissed", "已排除"
    OBSOLETE = "obsolete", "已不成立"


class FindingQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region_code"


class Finding(models.Model):
    kind = models.CharField("发现类型", max_length=20, choices=FindingKind.choices)
    # Indexed by (dataset, kind, status) below; the row is only ever read through a finding.
    # No database constraint on the list links: findings are copied only from the dataset's
    # own rows (findings.py, INSERT … SELECT), so they hold by construction, and a deferred
    # check per finding would run at the commit of every large import.
    dataset = models.ForeignKey(Dataset, verbose_name="数据来源", on_delete=models.CASCADE,
                                db_index=False, db_constraint=False, related_name="findings")
    row = models.ForeignKey(DatasetRow, on_delete=models.CASCADE, db_index=False,
                            db_constraint=False, related_name="findings")
    person = models.ForeignKey(Person, verbose_name="人员", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    # Village (or the list's management area) the finding belongs to: scoping and grouping.
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    subject_index = models.CharField(max_length=64)
    evidence_key = models.CharField(max_length=120)
    match = models.CharField("匹配情况", max_length=12, choices=MatchQuality.choices)
    # The evidence: the list's values and the registry's, as found (dates ISO, money text).
    detail = models.JSONField("依据", default=dict)
    status = models.CharField("状态", max_length=10, choices=FindingStatus.choices,
                              default=FindingStatus.OPEN)
    created_at = models.DateTimeField("发现时间")
    decided_by = models.ForeignKey(User, verbose_name="处理人", null=True, blank=True,
                                   on_delete=models.PROTECT, db_index=False, related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.CharField("处理说明", max_length=300, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "比对发现"
        verbose_name_plural = "比对发现"
        ordering = ["region_code", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_index", "evidence_key"],
                                    name="crosscheck_finding_once"),
        ]
        indexes = [models.Index(fields=["status", "kind"]),
                   models.Index(fields=["dataset", "kind", "status"])]

    def __str__(self) -> str:
        return self.get_kind_display()


# ------------------------------------------------------------------ annual dynamic update

class Questionnaire(models.Model):
    """A version of the 动态1表 (or any survey form): items, codes and skip logic as data."""

    code = models.CharField("问卷代码", max_length=40)
    version = models.PositiveIntegerField("版本")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=100)
    definition = models.JSONField("题目定义")
    is_active = models.BooleanField("当前使用", default=True)
    loaded_at = models.DateTimeField("载入时间", auto_now_add=True)

    class Meta:
        verbose_name = "动态更新问卷"
        verbose_name_plural = "动态更新问卷"
        ordering = ["-year", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.version} 版）"


class SurveyChannel(models.TextChoices):
    DOOR = "door", "入户"
    PHONE = "phone", "电话"
    IMPORT = "import", "导入"


class SurveyResponseQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region_code"


class SurveyResponse(models.Model):
    """One person's answers for one questionnaire version (one per person and year)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT,
                                      related_name="responses")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    answers = models.JSONField("答案", default=dict)
    channel = models.CharField("采集方式", max_length=10, choices=SurveyChannel.choices,
                               default=SurveyChannel.DOOR)
    collected_by = models.ForeignKey(User, verbose_name="采集人", on_delete=models.PROTECT,
                                     related_name="+")
    collected_at = models.DateTimeField("采集时间")

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        verbose_name = "动态更新答卷"
        verbose_name_plural = "动态更新答卷"
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "person"],
                                    name="survey_response_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} · {self.person_id}"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "待审核"
    APPLIED = "applied", "已更新基础库"
    DISMISSED = "dismissed", "不予更新"


class ProposalQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region_code"


class SurveyProposal(models.Model):
    """An answer that contradicts the registry: a proposed update, applied only on review."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE,
                                 related_name="proposals")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    item = models.CharField("题目", max_length=20)
    target = models.CharField("基础库项目", max_length=40)
    current_value = models.CharField("基础库现值", max_length=100, blank=True)
    proposed_value = models.CharField("问卷答案", max_length=100)
    status = models.CharField("状态", max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.OPEN)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审核意见", max_length=300, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "动态更新变更建议"
        verbose_name_plural = "动态更新变更建议"
        ordering = ["region_code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["response", "target"],
                                    condition=Q(status="open"),
                                    name="survey_proposal_one_open_per_target"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.target}"

