"""Browser: an administrator enrols a second factor at first sign-in (issue #17 §12), with the
QR code and the secret as text, then changes the initial password (§6); axe on each page."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from playwright.sync_api import Page, expect

from canlian.core.models import Region, TotpDevice
from canlian.core.roles import Role
from canlian.core.services import user_create_on_server
from e2e.layout import fits

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_sign_in_enrols_the_factor_then_changes_the_password(
        page: Page, live_server: object, region_data: None,
        axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    user_create_on_server(username="firstadmin", name="首任管理员", role=Role.COUNTY_ADMIN,
                          region=Region.objects.get(code="520322000000"),
                          password="Kx9-Vault!Ch")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("firstadmin")
    page.get_by_label("密码").fill("Kx9-Vault!Ch")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1, name="绑定动态验证码")).to_be_visible()
    expect(page.get_by_role("img", name="动态验证码绑定二维码")).to_be_visible()
    fits(page, "绑定动态验证码")
    axe_check("绑定动态验证码")
    secret = TotpDevice.objects.get().secret
    expect(page.locator(".otp-secret")).to_have_text(
        " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))
    page.get_by_label("动态验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="绑定").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("请保存恢复码")
    axe_check("恢复码")
    page.get_by_role("link", name="我已保存，继续").click()
    # A new account chooses its own password before anything else.
    expect(page.get_by_role("heading", level=1, name="修改密码")).to_be_visible()
    axe_check("首次登录修改密码")
