"""Core models: regions, users, API tokens, the audit log and background-task progress."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from canlian.core.crypto import EncryptedCharField
from canlian.core.managers import AppendOnlyQuerySet, JurisdictionQuerySet
from canlian.core.roles import PORTAL_ROLES, Role


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"


# Significant digits of a 12-digit statistical code at each level (DOMAIN.md §0.2, §6.1).
LEVEL_DIGITS: dict[str, int] = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("级别", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The code prefix that every region inside this one starts with."""
        return self.code[: LEVEL_DIGITS[self.level]]


class UserQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"  # the FK column itself: Django trims the join


class CanlianUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A staff member or a portal user, bound to the region that is their jurisdiction."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name="管辖区域", on_delete=models.PROTECT, related_name="users"
    )
    phone = EncryptedCharField("手机号", blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    id_number = EncryptedCharField("身份证号", blank=True, default="")
    id_number_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    failed_login_count = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    # Set for a new account and after an administrator resets the password: the first
    # sign-in must choose a new one, so the administrator never knows a working password.
    must_change_password = models.BooleanField("须修改初始密码", default=False)
    large_text = models.BooleanField("大字模式", default=False)
    high_contrast = models.BooleanField("高对比度模式", default=False)

    objects = CanlianUserManager()
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.name}（{self.username}）"

    @property
    def is_portal_user(self) -> bool:
        return self.role in PORTAL_ROLES

    def is_locked(self, now: Any = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class TotpDevice(models.Model):
    """An account's second factor (TOTP, RFC 6238, issue #17 §12). The shared secret is
    encrypted like an ID number; `last_step` refuses a code used once already (replay)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedCharField("密钥")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField("绑定时间", null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "动态验证码设备"
        verbose_name_plural = "动态验证码设备"

    def __str__(self) -> str:
        return str(self.user_id)


class RecoveryCode(models.Model):
    """A single-use recovery code for a lost authenticator; only a keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"
        verbose_name_plural = "恢复码"

    def __str__(self) -> str:
        return str(self.user_id)


class AccountRequestQuerySet(JurisdictionQuerySet):
    jurisdiction_field = "region__code"


class AccountRequestKind(models.TextChoices):
    CREATE = "create", "新建账户"
    UPDATE = "update", "修改账户"
    RESET_PASSWORD = "reset_password", "重置密码"


class AccountRequestStatus(models.TextChoices):
    PENDING = "pending", "待批准"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class AccountRequest(models.Model):
    """A change to one of the three administrator accounts (系统管理员, 安全管理员, 审计管理员),
    asked for by the 系统管理员 and applied only when another administrator role approves it
    (等保 三员分立, issue #17 §6). `data` holds the new values; a password only as its hash."""

    kind = models.CharField("类型", max_length=20, choices=AccountRequestKind.choices)
    target = models.ForeignKey(User, verbose_name="账户", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name="管辖区域", on_delete=models.PROTECT,
                               related_name="+")
    data = models.JSONField("内容", default=dict)
    password_hash = models.CharField(max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=AccountRequestStatus.choices,
                              default=AccountRequestStatus.PENDING)
    requested_by = models.ForeignKey(User, verbose_name="申请人", on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_by = models.ForeignKey(User, verbose_name="批准人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.CharField("驳回理由", max_length=200, blank=True)

    objects = AccountRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "管理员账户变更申请"
        verbose_name_plural = "管理员账户变更申请"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.data.get('username', '')}"

    @property
    def role_label(self) -> str:
        role = self.data.get("role", "")
        return str(Role(role).label) if role in Role.values else role


class LoginThrottle(models.Model):
    """Failed sign-ins from one client address in the current window (per-IP throttling,
    issue #17 §8). The row is locked while an attempt is counted, so parallel attempts
    cannot check more passwords than the limit."""

    key = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "登录失败计数"
        verbose_name_plural = "登录失败计数"

    def __str__(self) -> str:
        return self.key


def api_token_default_expiry() -> Any:
    from django.conf import settings

    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


def password_fingerprint(user: User) -> str:
    """A keyed digest of the account's password hash: it changes whenever the password does."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("canlian.core.ApiToken", user.password, algorithm="sha256").hexdigest()


class ApiTokenStatus(models.TextChoices):
    VALID = "valid", "有效"
    EXPIRED = "expired", "已过期"
    REVOKED = "revoked", "已吊销"
    PASSWORD_CHANGED = "password_changed", "密码已修改，失效"
    ACCOUNT_BLOCKED = "account_blocked", "账户停用或锁定，暂停使用"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a SHA-256 of the secret is stored.

    A token works until it expires (API_TOKEN_DAYS, 90 by default) or is revoked, only while
    its account is active and not locked, and only with the password the account had when the
    token was issued (`password_fingerprint`): a password change ends every token.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间", default=api_token_default_expiry)
    password_fingerprint = models.CharField(max_length=64, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.CharField("吊销人", max_length=150, blank=True)
    revoke_reason = models.CharField("吊销原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def status(self, now: Any = None) -> ApiTokenStatus:
        """Whether the token works now, and if not, why."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return ApiTokenStatus.REVOKED
        if self.expires_at <= now:
            return ApiTokenStatus.EXPIRED
        if self.password_fingerprint != password_fingerprint(self.user):
            return ApiTokenStatus.PASSWORD_CHANGED
        if not self.user.is_active or self.user.is_locked(now):
            return ApiTokenStatus.ACCOUNT_BLOCKED
        return ApiTokenStatus.VALID


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    REVEAL = "reveal", "查看完整信息"
    EXPORT = "export", "导出"
    LOGIN = "login", "登录成功"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "账户锁定"
    UNLOCK = "unlock", "账户解锁"
    LOGOUT = "logout", "退出登录"
    TOKEN_ISSUED = "token_issued", "签发接口令牌"
    TOKEN_REVOKED = "token_revoked", "吊销接口令牌"
    PASSWORD_CHANGE = "password_change", "修改密码"
    OTP_ENROL = "otp_enrol", "绑定动态验证码"
    OTP_RESET = "otp_reset", "重置动态验证码"
    OTP_RECOVERY = "otp_recovery", "使用恢复码登录"
    IMPORT = "import", "导入"


class AuditEvent(models.Model):
    """One row of the append-only audit log (等保 安全审计, DOMAIN.md §7.1).

    Rows are only ever inserted: `save()` refuses updates, the queryset refuses bulk update
    and delete, and database triggers (migration 0003) refuse UPDATE and DELETE from any client.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=20, choices=AuditAction.choices, db_index=True)
    success = models.BooleanField("成功", default=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    summary = models.CharField("说明", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    region_code = models.CharField("所属区划", max_length=12, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("audit rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit rows are append-only")

    @property
    def change_lines(self) -> list[str]:
        """The changes as readable lines: `field：old → new`, or `key：value`."""
        lines = []
        for key, value in (self.changes or {}).items():
            if isinstance(value, list) and len(value) == 2:
                old, new = ("" if v is None else v for v in value)
                lines.append(f"{key}：{old} → {new}")
            else:
                lines.append(f"{key}：{value}")
        return lines


class TaskStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    REJECTED = "rejected", "未通过检查"
    FAILED = "failed", "失败"
    INTERRUPTED = "interrupted", "中断"


ACTIVE_TASK_STATUSES = (TaskStatus.QUEUED, TaskStatus.RUNNING)
RETRYABLE_TASK_STATUSES = (TaskStatus.FAILED, TaskStatus.INTERRUPTED)


class TaskWorker(models.Model):
    """One running task-worker process (`manage.py task_worker`), seen through its heartbeat.

    A worker on this machine is alive while its process is (checked by pid and process start
    time, so a long SQLite write transaction that delays heartbeats is not mistaken for death);
    a worker elsewhere is alive while its heartbeat is recent (canlian.core.taskruns).
    """

    id = models.CharField("进程编号", max_length=64, primary_key=True)
    host = models.CharField("主机", max_length=255)
    pid = models.PositiveIntegerField("进程号")
    process_key = models.CharField("进程标识", max_length=100, blank=True)
    started_at = models.DateTimeField("启动时间", default=timezone.now)
    seen_at = models.DateTimeField("最近心跳", default=timezone.now)
    stopped_at = models.DateTimeField("停止时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务进程"
        verbose_name_plural = "后台任务进程"

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class TaskRun(models.Model):
    """Progress of one background job, polled by the page that started it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("任务类型", max_length=50)
    title = models.CharField("任务名称", max_length=200)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="task_runs")
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=TaskStatus.choices, default=TaskStatus.QUEUED
    )
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    result_file = models.CharField("结果文件", max_length=300, blank=True)
    result_name = models.CharField("下载文件名", max_length=200, blank=True)
    result_url = models.CharField("结果页面", max_length=300, blank=True)
    result_label = models.CharField("结果页面名称", max_length=50, blank=True)
    # The lease: which worker holds the job and when it last said so. Set when a worker claims
    # the job, so a job whose worker vanished is found even before it reported a start.
    worker = models.ForeignKey(TaskWorker, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="runs", verbose_name="处理进程")
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    task_path = models.CharField("任务函数", max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField("运行次数", default=1)
    files_removed_at = models.DateTimeField("文件清理时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"], name="core_taskrun_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == TaskStatus.SUCCEEDED:
            return 100
        return min(100, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status not in ACTIVE_TASK_STATUSES

    @property
    def is_retryable(self) -> bool:
        return self.status in RETRYABLE_TASK_STATUSES and bool(self.task_path)


class HolidayCalendarDay(models.Model):
    """A day that differs from the weekend rule: a statutory holiday on a weekday, a make-up
    working day (调休上班) on a weekend, or a named holiday day falling on a weekend.

    Days not stored here follow the rule Monday–Friday work, Saturday–Sunday rest
    (canlian.core.workdays). Seeded from chinesecalendar for the years it covers (STACK.md §1);
    the 系统管理员 adds the State Council schedule of each new year.
    """

    day = models.DateField("日期", primary_key=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=50, blank=True)

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_workday else '休息'}"


class HolidayCalendarYear(models.Model):
    """Marks a year whose official holiday schedule is fully entered. A year without this
    marker is computed by weekends only, and the 系统管理员 is warned."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField("数据来源", max_length=100, blank=True)
    completed_by = models.ForeignKey(User, verbose_name="确认人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField("确认时间", default=timezone.now)

    class Meta:
        verbose_name = "节假日数据完整年份"
        verbose_name_plural = "节假日数据完整年份"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
