"""Writes of the core app: sign-in with lockout, accounts, preferences, API tokens, reveals."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.idnumbers import IdNumberError, normalize_id_number, parse_id_number
from canlian.core.models import (
    AccountRequest,
    AccountRequestKind,
    AccountRequestStatus,
    ApiToken,
    ApiTokenStatus,
    AuditAction,
    LoginThrottle,
    Region,
    User,
    password_fingerprint,
)
from canlian.core.otp import otp_confirm, otp_enrolled, otp_required, otp_verify
from canlian.core.permissions import (
    can_decide_account_request,
    can_manage_tokens,
    can_manage_user,
    can_reveal_user_identifiers,
    can_unlock_user,
    in_jurisdiction,
    needs_account_request,
)
from canlian.core.roles import Role

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
USER_AUDIT_FIELDS = ("username", "name", "role", "region_id", "phone", "id_number", "is_active")


# ---------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str = ""
    pending: str = ""  # "verify" or "enrol": the password was right, the second factor is next


PENDING_LOGIN_KEY = "pending_login"
PENDING_LOGIN_SECONDS = 300


def login_refused_message() -> str:
    """One answer for every refusal: a wrong password, an unknown or inactive account, a
    locked account and a throttled address read the same (issue #17 §8: no existence leak)."""
    return (
        f"用户名或密码错误，或账户已临时锁定。连续输错 {settings.LOGIN_MAX_FAILURES} 次，"
        f"账户将锁定 {settings.LOGIN_LOCKOUT_MINUTES} 分钟；如需提前解锁，请联系安全管理员。"
    )


_DUMMY_HASHES: dict[str, str] = {}


def _burn_password_check(password: str) -> None:
    """Check the password against a dummy hash of the current hasher, so a refusal without a
    real check takes as long as one with it (no timing leak of locked or unknown accounts)."""
    algorithm = get_hasher("default").algorithm
    if algorithm not in _DUMMY_HASHES:
        _DUMMY_HASHES[algorithm] = make_password(secrets.token_urlsafe(16))
    check_password(password, _DUMMY_HASHES[algorithm])


def login_attempt(*, request: HttpRequest, username: str, password: str,
                  otp: str = "") -> LoginResult:
    """Sign a user in (等保 身份鉴别, issue #17 §8, §12).

    Before a password is checked, the attempt takes a slot of the client address's budget
    (LOGIN_IP_MAX_FAILURES per LOGIN_IP_WINDOW_MINUTES) and of the account's
    (LOGIN_MAX_FAILURES, then locked LOGIN_LOCKOUT_MINUTES), each under a row lock, so parallel
    attempts cannot check more passwords than the limits. Every path checks exactly one
    password hash (a dummy one when refused) and refusals share one message.

    A locked account with a second factor still signs in with password and code together (the
    trusted path, beside the 安全管理员's unlock). An account with a second factor, or whose
    role requires one, is not signed in by the password alone: the result is `pending`, and
    `login_second_factor` / `login_enrol_confirm` finish.
    """
    now = timezone.now()
    ip = audit.client_ip(request) or ""
    account = User.objects.filter(username=username).first()
    refused, trusted = "", False
    if not _ip_slot_take(ip, now):
        refused = "同一地址登录失败次数过多，暂停尝试"
    elif account is None:
        refused = "用户名不存在"
    elif not _account_slot_take(account, now, request):
        trusted = bool(otp) and otp_enrolled(account)
        refused = "" if trusted else "账户锁定期间尝试登录"
    if refused:
        _burn_password_check(password)
        audit.audit_record(
            actor=None, actor_username=username[:150], action=AuditAction.LOGIN_FAILED,
            obj=account, success=False, summary=refused, request=request,
        )
        return LoginResult(None, login_refused_message())
    assert account is not None
    user = authenticate(request, username=username, password=password)
    if user is not None and otp and not otp_verify(user=user, code=otp, request=request):
        user = None
    if user is None:
        _login_failed(request, account, counted=not trusted)
        return LoginResult(None, login_refused_message())
    if not otp and (otp_enrolled(user) or otp_required(user)):
        step = "verify" if otp_enrolled(user) else "enrol"
        # The password was right: its slot is given back (a code step left unfinished is no
        # failure; wrong codes take slots of their own).
        User.objects.filter(pk=user.pk, failed_login_count__gt=0).update(
            failed_login_count=F("failed_login_count") - 1)
        request.session.cycle_key()
        request.session[PENDING_LOGIN_KEY] = {"user_id": user.pk, "step": step,
                                              "at": now.timestamp(), "ip": ip}
        return LoginResult(None, pending=step)
    _login_complete(request, user, ip, "凭动态验证码登录（账户锁定中）" if trusted else "")
    return LoginResult(user)


def _login_complete(request: HttpRequest, user: User, ip: str, summary: str = "") -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        LoginThrottle.objects.filter(key=_ip_key(ip), failures__gt=0).update(
            failures=F("failures") - 1)
        request.session.pop(PENDING_LOGIN_KEY, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        audit.audit_record(actor=user, action=AuditAction.LOGIN, obj=user, summary=summary,
                           request=request)


def login_pending(request: HttpRequest) -> tuple[User, str] | None:
    """The account whose password was right and whose second factor is awaited, with the
    step ("verify" or "enrol"), for five minutes after the password."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not pending or pending["at"] + PENDING_LOGIN_SECONDS < timezone.now().timestamp():
        return None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return (user, pending["step"]) if user is not None else None


def login_second_factor(*, request: HttpRequest, code: str) -> LoginResult:
    """Finish a pending sign-in with the authenticator's code or a recovery code. A wrong
    code counts as a failed sign-in of the account (five lock it)."""
    pending = login_pending(request)
    if pending is None or pending[1] != "verify":
        return LoginResult(None, "登录已超时，请重新输入用户名和密码。")
    user, _ = pending
    now = timezone.now()
    if not _account_slot_take(user, now, request) or not otp_verify(user=user, code=code,
                                                                     request=request):
        _login_failed(request, user, summary="动态验证码错误")
        return LoginResult(None, "动态验证码或恢复码不正确。连续输错 "
                                 f"{settings.LOGIN_MAX_FAILURES} 次，账户将锁定。")
    _login_complete(request, user, request.session[PENDING_LOGIN_KEY]["ip"])
    return LoginResult(user)


def login_enrol_confirm(*, request: HttpRequest, code: str) -> list[str]:
    """Finish a pending sign-in of an account that must enrol: bind the authenticator,
    sign in, and return the recovery codes to show once."""
    pending = login_pending(request)
    if pending is None or pending[1] != "enrol":
        raise DomainError("expired", "登录已超时，请重新输入用户名和密码。")
    user, _ = pending
    codes = otp_confirm(user=user, code=code, request=request)
    _login_complete(request, user, request.session[PENDING_LOGIN_KEY]["ip"])
    return codes


def _ip_key(ip: str) -> str:
    return f"ip:{ip}"


@transaction.atomic
def _ip_slot_take(ip: str, now: Any) -> bool:
    """Count an attempt from this address; False when its failures fill the window."""
    window = timedelta(minutes=settings.LOGIN_IP_WINDOW_MINUTES)
    LoginThrottle.objects.filter(window_start__lt=now - window).delete()
    LoginThrottle.objects.get_or_create(key=_ip_key(ip), defaults={"window_start": now})
    row = LoginThrottle.objects.select_for_update().get(key=_ip_key(ip))
    if row.failures >= settings.LOGIN_IP_MAX_FAILURES:
        return False
    row.failures += 1  # given back when the attempt succeeds
    row.save(update_fields=["failures"])
    return True


@transaction.atomic
def _account_slot_take(account: User, now: Any, request: HttpRequest) -> bool:
    """Count an attempt on this account before its password is checked; False while locked.

    `failed_login_count` holds the failed and in-flight attempts since the last success, so
    with LOGIN_MAX_FAILURES slots taken every further attempt is refused unchecked."""
    row = User.objects.select_for_update().only("failed_login_count", "locked_until").get(
        pk=account.pk)
    count, locked_until = row.failed_login_count, row.locked_until
    if locked_until is not None and locked_until <= now:
        count, locked_until = 0, None  # the lock has run out: a fresh budget
    if locked_until is not None:
        return False
    count += 1
    if count > settings.LOGIN_MAX_FAILURES:
        _lock(account, now, request)
        return False
    User.objects.filter(pk=account.pk).update(failed_login_count=count, locked_until=None)
    return True


def _lock(account: User, now: Any, request: HttpRequest) -> None:
    locked = User.objects.filter(pk=account.pk).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    ).update(locked_until=now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES))
    if locked:
        audit.audit_record(
            actor=None, actor_username=account.username, action=AuditAction.LOCKOUT,
            obj=account,
            summary=f"连续 {settings.LOGIN_MAX_FAILURES} 次登录失败，锁定 "
            f"{settings.LOGIN_LOCKOUT_MINUTES} 分钟",
            request=request,
        )


@transaction.atomic
def _login_failed(request: HttpRequest, account: User, counted: bool = True,
                  summary: str = "用户名或密码错误") -> None:
    """The attempt's slot stays taken; the attempt that fills the budget locks the account."""
    now = timezone.now()
    audit.audit_record(
        actor=None, actor_username=account.username, action=AuditAction.LOGIN_FAILED,
        obj=account, success=False, summary=summary, request=request,
    )
    if not counted:
        return
    row = User.objects.select_for_update().only("failed_login_count").get(pk=account.pk)
    if row.failed_login_count >= settings.LOGIN_MAX_FAILURES:
        _lock(account, now, request)


def logout_user(*, request: HttpRequest) -> None:
    if request.user.is_authenticated:
        audit.audit_record(actor=request.user, action=AuditAction.LOGOUT, obj=request.user,
                           request=request)
    logout(request)


@transaction.atomic
def user_change_password(
    *, actor: User, old_password: str, new_password: str, request: HttpRequest
) -> None:
    if not actor.check_password(old_password):
        raise DomainError("wrong_password", "原密码不正确。", field="old_password")
    if new_password == old_password:
        raise DomainError("same_password", "新密码不能与当前密码相同。", field="new_password")
    _validate_password(new_password, actor, "new_password")
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.save(update_fields=["password", "must_change_password"])
    audit.audit_record(actor=actor, action=AuditAction.PASSWORD_CHANGE, obj=actor,
                       request=request)
    api_tokens_revoke_for_user(actor=actor, user=actor, reason="修改密码", request=request)


# ---------------------------------------------------------------- accounts


def _clean_identifiers(phone: str, id_number: str) -> tuple[str, str]:
    phone = phone.strip()
    if phone and not PHONE_RE.match(phone):
        raise DomainError("phone", "手机号应为 11 位数字，以 1 开头。", field="phone")
    if id_number.strip():
        try:
            id_number = parse_id_number(id_number).number
        except IdNumberError as exc:
            raise DomainError("id_number", exc.message, field="id_number") from exc
    else:
        id_number = ""
    return phone, id_number


def _set_identifiers(user: User, phone: str, id_number: str) -> None:
    user.phone = phone
    user.phone_index = blind_index(phone) if phone else ""
    user.id_number = id_number
    user.id_number_index = blind_index(id_number) if id_number else ""


def _check_username_free(username: str) -> None:
    if User.objects.filter(username=username).exists():
        raise DomainError("username_taken", "该用户名已被使用。", field="username")


def _validate_password(password: str, user: User, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("weak_password", " ".join(exc.messages), field=field) from exc


def _check_region(actor: User, region: Region) -> None:
    if not in_jurisdiction(actor, region.code):
        raise DomainError("region", "所选区域不在您的管辖范围内。", field="region")


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    name: str,
    role: str,
    region: Region,
    password: str,
    phone: str = "",
    id_number: str = "",
    request: HttpRequest | None = None,
) -> User:
    if actor.role != Role.COUNTY_ADMIN:
        raise DomainError("forbidden", "只有系统管理员可以新建账户。")
    if needs_account_request(role):
        raise DomainError("needs_approval", NEEDS_APPROVAL, field="role")
    _check_region(actor, region)
    _check_username_free(username)
    phone, id_number = _clean_identifiers(phone, id_number)
    user = User(username=username, name=name, role=role, region=region,
                must_change_password=True)
    _set_identifiers(user, phone, id_number)
    _validate_password(password, user, "password")
    user.set_password(password)
    user.save()
    audit.audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        summary="新建账户",
        changes=audit.created(user, USER_AUDIT_FIELDS),
        request=request,
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    name: str,
    role: str,
    region: Region,
    is_active: bool,
    phone: str = "",
    id_number: str = "",
    request: HttpRequest | None = None,
) -> User:
    if not can_manage_user(actor, user):
        raise DomainError("forbidden", "您无权修改该账户。")
    if needs_account_request(role, user):
        raise DomainError("needs_approval", NEEDS_APPROVAL, field="role")
    _check_region(actor, region)
    before = audit.snapshot(user, USER_AUDIT_FIELDS)
    phone, id_number = _clean_identifiers(phone, id_number)
    user.name, user.role, user.region, user.is_active = name, role, region, is_active
    _set_identifiers(user, phone, id_number)
    user.save()
    changes = audit.diff(before, audit.snapshot(user, USER_AUDIT_FIELDS))
    if changes:
        audit.audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=user, summary="修改账户",
            changes=changes, request=request,
        )
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User, password: str,
                        request: HttpRequest | None = None) -> None:
    """The 系统管理员 sets a temporary password; the account must change it at its next
    sign-in, and its API tokens end. An administrator account's needs an approved request."""
    if not can_manage_user(actor, user):
        raise DomainError("forbidden", "您无权重置该账户的密码。")
    if needs_account_request(user.role):
        raise DomainError("needs_approval", NEEDS_APPROVAL)
    if user.check_password(password):
        raise DomainError("same_password", "新密码不能与当前密码相同。", field="password")
    _validate_password(password, user, "password")
    user.set_password(password)
    _apply_password_reset(actor=actor, user=user, request=request, summary="系统管理员重置密码")


def _apply_password_reset(*, actor: User, user: User, request: HttpRequest | None,
                          summary: str) -> None:
    user.must_change_password = True
    user.locked_until, user.failed_login_count = None, 0
    user.save(update_fields=["password", "must_change_password", "locked_until",
                             "failed_login_count"])
    audit.audit_record(actor=actor, action=AuditAction.PASSWORD_CHANGE, obj=user,
                       summary=summary, request=request)
    api_tokens_revoke_for_user(actor=None, user=user, reason="管理员重置密码", request=request)


def user_create_on_server(*, username: str, name: str, role: str, region: Region,
                          password: str) -> User:
    """An account created by a command on the server (`manage.py add_user`), the one path
    that needs no second administrator: whoever runs it already controls the server. The
    first sign-in must change the password; audited as `manage.py`."""
    with transaction.atomic():
        _check_username_free(username)
        user = User(username=username, name=name, role=role, region=region,
                    must_change_password=True)
        _validate_password(password, user, "password")
        user.set_password(password)
        user.save()
        audit.audit_record(actor=None, actor_username="manage.py", action=AuditAction.CREATE,
                           obj=user, summary="服务器命令新建账户",
                           changes=audit.created(user, USER_AUDIT_FIELDS))
    return user


# ------------------------------------------------ administrator accounts (三员分立)

NEEDS_APPROVAL = (
    "系统管理员、安全管理员、审计管理员账户的新建、修改和密码重置须提交申请，"
    "经安全管理员或审计管理员批准后生效。"
)
ACCOUNT_REQUEST_FIELDS = ("username", "name", "role", "region_id", "is_active")


@transaction.atomic
def account_request_submit(
    *,
    actor: User,
    kind: str,
    region: Region,
    target: User | None = None,
    username: str = "",
    name: str = "",
    role: str = "",
    is_active: bool = True,
    password: str = "",
    phone: str = "",
    id_number: str = "",
    request: HttpRequest | None = None,
) -> AccountRequest:
    """The 系统管理员 asks for a change to an administrator account (等保 三员分立).

    A request keeps its values as plain JSON until approved, so it carries no phone or ID
    number: they are refused by name rather than dropped without a word."""
    if actor.role != Role.COUNTY_ADMIN:
        raise DomainError("forbidden", "只有系统管理员可以提交账户变更申请。")
    phone, id_number = _clean_identifiers(phone, id_number)
    for field, label, value in (("phone", "手机号", phone), ("id_number", "身份证号", id_number)):
        if value:
            raise DomainError(field, f"管理员账户的申请不登记{label}，请留空。", field=field)
    _check_region(actor, region)
    if kind != AccountRequestKind.CREATE and (target is None or not can_manage_user(actor,
                                                                                    target)):
        raise DomainError("forbidden", "您无权修改该账户。")
    if kind == AccountRequestKind.CREATE:
        _check_username_free(username)
        if AccountRequest.objects.filter(status=AccountRequestStatus.PENDING,
                                         data__username=username).exists():
            raise DomainError("username_taken", "该用户名已有待批准的新建申请。",
                              field="username")
        data = {"username": username, "name": name, "role": role, "region_id": region.code,
                "is_active": True}
    else:
        assert target is not None
        before = audit.snapshot(target, ACCOUNT_REQUEST_FIELDS)
        data = {"username": target.username, "name": name or target.name,
                "role": role or target.role, "region_id": region.code,
                "is_active": is_active, "before": {k: before[k] for k in ACCOUNT_REQUEST_FIELDS}}
    password_hash = ""
    if kind in (AccountRequestKind.CREATE, AccountRequestKind.RESET_PASSWORD):
        probe = target or User(username=username, name=name, role=role, region=region)
        _validate_password(password, probe, "password")
        password_hash = make_password(password)
    elif {k: data[k] for k in ACCOUNT_REQUEST_FIELDS} == data["before"]:
        raise DomainError("no_change", "没有修改任何内容。")
    account_request = AccountRequest.objects.create(
        kind=kind, target=target, region=region, data=data, password_hash=password_hash,
        requested_by=actor)
    audit.audit_record(
        actor=actor, action=AuditAction.CREATE, obj=account_request,
        summary=f"提交管理员账户申请：{account_request.get_kind_display()} {data['username']}",
        changes={k: [None, audit._loggable(k, v)] for k, v in data.items() if k != "before"},
        request=request,
    )
    return account_request


def _decidable(actor: User, account_request: AccountRequest) -> AccountRequest:
    if not can_decide_account_request(actor, account_request):
        raise DomainError("forbidden", "须由申请人以外的安全管理员或审计管理员批准，且不能批准"
                                       "涉及本人账户的申请。")
    locked = AccountRequest.objects.select_for_update().get(pk=account_request.pk)
    if locked.status != AccountRequestStatus.PENDING:
        raise DomainError("decided", "该申请已处理，未作改动。")
    return locked


@transaction.atomic
def account_request_approve(*, actor: User, account_request: AccountRequest,
                            request: HttpRequest | None = None) -> User:
    """Another administrator role approves: the change is applied and both are audited."""
    req = _decidable(actor, account_request)
    data = req.data
    by = f"（{req.requested_by.username} 申请，{actor.username} 批准）"
    if req.kind == AccountRequestKind.CREATE:
        _check_username_free(data["username"])
        user = User(username=data["username"], name=data["name"], role=data["role"],
                    region_id=data["region_id"], password=req.password_hash,
                    must_change_password=True)
        user.save()
        audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=user,
                           summary=f"新建账户{by}", changes=audit.created(user, USER_AUDIT_FIELDS),
                           request=request)
    elif req.kind == AccountRequestKind.UPDATE:
        user = User.objects.select_for_update().get(pk=req.target_id)
        before = audit.snapshot(user, USER_AUDIT_FIELDS)
        user.name, user.role, user.region_id = data["name"], data["role"], data["region_id"]
        user.is_active = data["is_active"]
        user.save()
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=user,
                           summary=f"修改账户{by}",
                           changes=audit.diff(before, audit.snapshot(user, USER_AUDIT_FIELDS)),
                           request=request)
    else:
        user = User.objects.select_for_update().get(pk=req.target_id)
        user.password = req.password_hash
        _apply_password_reset(actor=actor, user=user, request=request,
                              summary=f"重置密码{by}")
    req.status, req.decided_by, req.decided_at = (AccountRequestStatus.APPROVED, actor,
                                                  timezone.now())
    req.password_hash = ""  # applied: the request keeps no copy
    req.save(update_fields=["status", "decided_by", "decided_at", "password_hash"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=req,
                       summary=f"批准管理员账户申请：{req.get_kind_display()} {data['username']}",
                       changes={"status": ["pending", "approved"]}, request=request)
    return user


@transaction.atomic
def account_request_reject(*, actor: User, account_request: AccountRequest, reason: str,
                           request: HttpRequest | None = None) -> None:
    if not reason.strip():
        raise DomainError("reason", "请填写驳回理由。", field="reason")
    req = _decidable(actor, account_request)
    req.status, req.decided_by, req.decided_at = (AccountRequestStatus.REJECTED, actor,
                                                  timezone.now())
    req.reason, req.password_hash = reason.strip()[:200], ""
    req.save(update_fields=["status", "decided_by", "decided_at", "reason", "password_hash"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=req,
                       summary=f"驳回管理员账户申请：{req.get_kind_display()} "
                               f"{req.data.get('username', '')}",
                       changes={"status": ["pending", "rejected"], "reason": req.reason},
                       request=request)


@transaction.atomic
def user_unlock(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    if not can_unlock_user(actor, user):
        raise DomainError("forbidden", "只有安全管理员可以解锁账户。")
    if not user.is_locked():
        return  # unlocking twice changes nothing
    user.locked_until = None
    user.failed_login_count = 0
    user.save(update_fields=["locked_until", "failed_login_count"])
    audit.audit_record(actor=actor, action=AuditAction.UNLOCK, obj=user, summary="解锁账户",
                       request=request)


def user_set_preferences(*, user: User, large_text: bool, high_contrast: bool) -> None:
    # Display preferences are not personal data of record; no audit row.
    user.large_text, user.high_contrast = large_text, high_contrast
    user.save(update_fields=["large_text", "high_contrast"])


REVEALABLE_USER_FIELDS = {"phone": "手机号", "id_number": "身份证号"}


@transaction.atomic
def user_reveal_identifier(
    *, actor: User, user: User, field: str, request: HttpRequest | None = None
) -> str:
    """The full value of a masked identifier; every reveal is audited."""
    if field not in REVEALABLE_USER_FIELDS or not can_reveal_user_identifiers(actor, user):
        raise DomainError("forbidden", "您无权查看完整信息。")
    audit.audit_record(
        actor=actor, action=AuditAction.REVEAL, obj=user,
        summary=f"查看完整{REVEALABLE_USER_FIELDS[field]}", changes={"field": field},
        request=request,
    )
    return str(getattr(user, field))


def user_find_by_id_number(raw: str) -> User | None:
    """Exact lookup through the blind index (the ciphertext itself cannot be searched)."""
    try:
        number = normalize_id_number(raw)
    except IdNumberError:
        return None
    return User.objects.filter(id_number_index=blind_index(number)).first()


# ---------------------------------------------------------------- API tokens

TOKEN_PREFIX = "cl"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User, actor: User | None = None, days: int | None = None) -> str:
    """Create a token and return it once, as `cl_<prefix>_<secret>`; only its hash is kept.
    It expires after `days` (default settings.API_TOKEN_DAYS, 90)."""
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise DomainError("token_days", "有效期应为 1 至 366 天。", field="days")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, prefix=prefix, secret_hash=_hash_secret(secret),
        expires_at=timezone.now() + timedelta(days=days),
        password_fingerprint=password_fingerprint(user),
    )
    audit.audit_record(
        actor=actor, actor_username="" if actor else "manage.py", action=AuditAction.TOKEN_ISSUED,
        obj=user, summary="签发接口令牌",
        changes={"prefix": prefix, "expires_at": token.expires_at.isoformat()},
    )
    return f"{TOKEN_PREFIX}_{prefix}_{secret}"


def _token_revoke(token: ApiToken, actor: User | None, reason: str,
                  request: HttpRequest | None) -> bool:
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor.username if actor else "manage.py",
        revoke_reason=reason[:100],
    )
    if not revoked:
        return False  # revoking twice changes nothing
    audit.audit_record(
        actor=actor, actor_username="" if actor else "manage.py",
        action=AuditAction.TOKEN_REVOKED, obj=token.user, summary=f"吊销接口令牌：{reason}"[:200],
        changes={"prefix": token.prefix}, request=request,
    )
    return True


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken, reason: str = "安全管理员吊销",
                     request: HttpRequest | None = None) -> bool:
    """Revoke one token (the 安全管理员 in its user's jurisdiction, or `manage.py` with no
    actor); True if it was in force, False if it had been revoked already."""
    if actor is not None and not can_manage_tokens(actor, token.user):
        raise DomainError("forbidden", "只有安全管理员可以吊销接口令牌。")
    return _token_revoke(token, actor, reason, request)


@transaction.atomic
def api_tokens_revoke_for_user(*, actor: User | None, user: User, reason: str,
                               request: HttpRequest | None = None) -> int:
    """Revoke every token of an account still in force; returns how many."""
    if actor is not None and actor.pk != user.pk and not can_manage_tokens(actor, user):
        raise DomainError("forbidden", "只有安全管理员可以吊销接口令牌。")
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).select_related("user")
    return sum(_token_revoke(t, actor, reason, request) for t in tokens)


def api_token_authenticate(raw: str) -> User | None:
    """The token's account, if the token is in force: not revoked, not expired, issued under
    the account's current password, and the account active and not locked."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.select_related("user__region").filter(prefix=parts[1]).first()
    if token is None or not secrets.compare_digest(token.secret_hash, _hash_secret(parts[2])):
        return None
    if token.status() != ApiTokenStatus.VALID or token.user.must_change_password:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
