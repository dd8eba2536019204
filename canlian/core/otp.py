"""The second factor: TOTP (RFC 6238, pyotp) with single-use recovery codes (issue #17 §12).

Required for the three administrators (OTP_REQUIRED_ROLES), optional for other staff. The
secret is encrypted at rest; a code is accepted once (its time step must be newer than the
last one used); recovery codes are stored as keyed hashes and used at most once. The
安全管理员 resets a lost factor; enrolment, recovery use and resets are audited.
"""

from __future__ import annotations

import secrets
import time

import pyotp
import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, RecoveryCode, TotpDevice, User
from canlian.core.permissions import can_unlock_user
from canlian.core.roles import OTP_REQUIRED_ROLES

ISSUER = "智慧残联"
RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30


def otp_required(user: User) -> bool:
    return user.role in OTP_REQUIRED_ROLES


def otp_enrolled(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def otp_device_start(*, user: User) -> TotpDevice:
    """The unconfirmed device whose secret the enrolment page shows (one per account)."""
    device, _ = TotpDevice.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()})
    if device.confirmed_at is not None:
        raise DomainError("enrolled", "该账户已绑定动态验证码；如需更换，请联系安全管理员重置。")
    return device


def otp_secret_text(device: TotpDevice) -> str:
    """The secret in groups of four, to type into an authenticator by hand."""
    return " ".join(device.secret[i:i + 4] for i in range(0, len(device.secret), 4))


def otp_qr_svg(device: TotpDevice) -> SafeString:
    uri = pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username,
                                                     issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff",
        title="动态验证码绑定二维码：请用手机验证器 App 扫描，或手动输入下方密钥")
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 - segno's own SVG


def _code_hash(code: str) -> str:
    normal = code.replace("-", "").replace(" ", "").lower()
    return salted_hmac("canlian.core.RecoveryCode", normal, algorithm="sha256").hexdigest()


def _matching_step(device: TotpDevice, code: str, now: float) -> int | None:
    code = code.replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(device.secret)
    for offset in (0, -1, 1):  # one step either side for clock drift
        at = now + offset * STEP_SECONDS
        if secrets.compare_digest(totp.at(at), code):
            return totp.timecode(at)  # type: ignore[arg-type]
    return None


def _use_totp(device: TotpDevice, code: str) -> bool:
    step = _matching_step(device, code, time.time())
    if step is None:
        return False
    # Atomic: two requests with the same code cannot both pass.
    return bool(TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
        last_step=step))


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = ["-".join(secrets.token_hex(4)[i:i + 4] for i in (0, 4))
             for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_code_hash(c))
                                     for c in codes)
    return codes


@transaction.atomic
def otp_confirm(*, user: User, code: str, request: HttpRequest | None = None) -> list[str]:
    """Bind the device when the code from the authenticator matches; returns the recovery
    codes, shown once."""
    device = otp_device_start(user=user)
    if not _use_totp(device, code):
        raise DomainError("otp_code", "动态验证码不正确，请核对手机时间后输入验证器当前显示的 "
                                      "6 位数字。", field="code")
    TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    codes = _new_recovery_codes(user)
    audit.audit_record(actor=user, action=AuditAction.OTP_ENROL, obj=user,
                       summary="绑定动态验证码并生成恢复码", request=request)
    return codes


def otp_verify(*, user: User, code: str, request: HttpRequest | None = None) -> bool:
    """True if `code` is the authenticator's current code or an unused recovery code (which
    is then used up, audited)."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        return False
    if _use_totp(device, code):
        return True
    with transaction.atomic():
        used = RecoveryCode.objects.filter(
            user=user, code_hash=_code_hash(code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            audit.audit_record(actor=None, actor_username=user.username,
                               action=AuditAction.OTP_RECOVERY, obj=user,
                               summary=f"使用恢复码登录，剩余 {left} 个", request=request)
    return bool(used)


@transaction.atomic
def otp_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> bool:
    """The 安全管理员 removes a lost second factor; the account enrols again at its next
    sign-in (required roles) or when it chooses to. False if there was none."""
    if not can_unlock_user(actor, user):
        raise DomainError("forbidden", "只有安全管理员可以重置动态验证码。")
    if actor.pk == user.pk:
        raise DomainError("forbidden", "不能重置本人的动态验证码，请由另一位安全管理员办理。")
    removed, _ = TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    if not removed:
        return False
    audit.audit_record(actor=actor, action=AuditAction.OTP_RESET, obj=user,
                       summary="重置动态验证码", request=request)
    return True
