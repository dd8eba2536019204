"""Issue #16 §10 in the browser: the tab bars (走访与诉求, 证件办理, 我的办事) are lists without
bullets and mark the page shown (aria-current="page"), and the policy pages fit a 375 px and a
320 px phone without sideways scrolling (long rule texts wrap) — axe-core clean."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from canlian.benefits.tests.helpers import load_catalog
from canlian.core.models import User
from e2e.layout import PHONE, fits, narrow_checks
from e2e.test_shell_e2e import _sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The pages of the report: 困难残疾人生活补贴, 重度残疾人护理补贴, 残疾儿童康复训练生活补助.
POLICIES = ("living_allowance", "care_subsidy", "tz_child_rehab_living")


def test_policy_pages_fit_a_phone_without_sideways_scrolling(
        page: Page, live_server: object, personas: dict[str, User],
        axe_check: Callable[[str], None]) -> None:
    catalog = load_catalog()
    base = str(live_server)
    page.set_viewport_size(PHONE)
    _sign_in(page, base, personas["county_staff"].username)
    for code in POLICIES:
        page.goto(base + reverse("benefits:policy_detail", args=[code]))
        expect(page.get_by_role("heading", level=1, name=catalog[code].name)).to_be_visible()
        fits(page, f"{code} 375px")
        axe_check(f"{code} 375px")
        narrow_checks(page, axe_check, code)


def _tab_bar(page: Page, name: str, current: str) -> None:
    bar = page.get_by_role("navigation", name=name)
    expect(bar.get_by_role("link", name=current, exact=True)).to_have_attribute(
        "aria-current", "page")
    expect(bar.locator('[aria-current="page"]')).to_have_count(1)
    bullets = bar.locator("ul").evaluate("ul => getComputedStyle(ul).listStyleType")
    assert bullets == "none", f"{name}: {bullets}"


def test_tab_bars_have_no_bullets_and_mark_the_current_tab(
        page: Page, live_server: object, personas: dict[str, User],
        axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    _sign_in(page, base, personas["county_staff"].username)
    for url, current in (("cases:due_list", "走访待办"), ("cases:case_list", "诉求办理")):
        page.goto(base + reverse(url))
        _tab_bar(page, "走访与诉求功能", current)
    for url, current in (("certificates:application_list", "申请列表"),
                         ("certificates:deadline_list", "临期与超期")):
        page.goto(base + reverse(url))
        _tab_bar(page, "证件办理功能", current)
        axe_check(current)
    page.context.clear_cookies()
    _sign_in(page, base, personas["resident"].username)
    page.goto(base + reverse("portal:home"))
    bar = page.get_by_role("navigation", name="我的办事功能")
    assert bar.locator("ul").evaluate("ul => getComputedStyle(ul).listStyleType") == "none"
    page.set_viewport_size(PHONE)
    fits(page, "我的办事 375px")
    axe_check("我的办事")
