"""Browser test of the liaison appraisal (issue #7 item 6): county staff compute the quarter,
township staff enter their officer's manual scores (a wrong score names the item), county staff
finalise; the officer, on a phone, reads their result and appeals; county staff record the
outcome — axe-core clean on every page, at 320 px wide and in the large-text mode."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from canlian.appraisals.models import AppealStatus, AppraisalAppeal, AppraisalResult
from canlian.appraisals.tests import helpers as h
from canlian.core.models import User
from e2e.layout import PHONE, narrow_checks
from e2e.test_shell_e2e import _sign_in

pytestmark = pytest.mark.django_db(transaction=True)




def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()


def test_quarter_computed_scored_finalised_appealed_and_decided(
        page: Page, live_server: object, personas: dict[str, User], regions: dict[str, str],
        axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    staff, liaison = personas["county_staff"], personas["village_liaison"]
    User.objects.filter(pk=personas["liaison_b"].pk).update(is_active=False)
    h.scheme(staff)
    h.officer(regions["village_a"], liaison.name, user=liaison)
    for n, day in enumerate([date(2026, 7, 8), date(2026, 8, 19), None]):
        somebody = h.person(regions["village_a"], name=f"走访对象{n}")
        if day:
            h.visit(somebody, liaison, day)

    # County staff compute the last finished quarter (2026 Q3) from the menu.
    _sign_in(page, base, staff.username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="专职委员考核").click()
    expect(page.get_by_role("heading", level=1, name="专职委员季度考核")).to_be_visible()
    axe_check("季度考核")
    page.get_by_label("考核季度").select_option(label="2026年第3季度")
    page.get_by_role("button", name="计算考核结果").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2026年第3季度专职委员考核")
    table = page.get_by_role("table", name=re.compile("考核结果"))
    expect(table).to_contain_text("2/3：20.00")
    axe_check("考核结果")
    narrow_checks(page, axe_check, "考核结果")
    page.get_by_role("link", name="考核方案").click()
    axe_check("考核方案")
    page.get_by_role("link", name="修订考核方案").click()
    axe_check("设置考核方案")
    narrow_checks(page, axe_check, "设置考核方案")
    _sign_out(page)

    # Township staff score their officer; a score above the item's maximum names the item.
    _sign_in(page, base, personas["township_staff"].username)
    page.get_by_role("link", name="待录入人工评分的专职委员").click()
    page.get_by_role("link", name="2026年第3季度").click()
    page.get_by_role("link", name=re.compile(f"录入评分.*{liaison.name}")).click()
    page.get_by_label(re.compile("政策宣传与需求收集")).fill("9")
    page.get_by_label(re.compile("工作纪律与台账资料")).fill("12")
    page.get_by_role("button", name="保存评分").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("“工作纪律与台账资料”的得分须在 0 到 10 分之间")
    axe_check("人工评分（有错误）")
    narrow_checks(page, axe_check, "人工评分")  # the display toggles reload the form
    page.get_by_label(re.compile("政策宣传与需求收集")).fill("9")
    page.get_by_label(re.compile("工作纪律与台账资料")).fill("8.5")
    page.get_by_role("button", name="保存评分").click()
    expect(page.get_by_role("status")).to_contain_text("考核得分")
    _sign_out(page)

    # County staff finalise.
    _sign_in(page, base, staff.username)
    page.goto(f"{base}/appraisals/")
    page.get_by_role("link", name="2026年第3季度").click()
    page.get_by_role("button", name="定稿").click()
    expect(page.get_by_role("status")).to_contain_text("已定稿")
    expect(page.get_by_role("button", name="导出补贴发放名单（Excel）")).to_be_visible()
    _sign_out(page)

    # The officer, on a phone, reads the result and appeals.
    page.set_viewport_size(PHONE)
    _sign_in(page, base, liaison.username)
    page.get_by_text("菜单").click()
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="专职委员考核").click()
    expect(page.get_by_role("heading", level=1, name="我的考核")).to_be_visible()
    axe_check("我的考核")
    narrow_checks(page, axe_check, "我的考核")
    page.get_by_role("link", name="2026年第3季度").click()
    expect(page.get_by_text("应走访 3 人，已走访 2 人")).to_be_visible()
    expect(page.get_by_text("65.83 分")).to_be_visible()
    axe_check("本人考核结果")
    narrow_checks(page, axe_check, "本人考核结果")
    page.get_by_role("link", name="提出申诉").click()
    page.get_by_role("button", name="提交申诉").click()
    expect(page.get_by_role("alert")).to_contain_text("请填写申诉理由")
    axe_check("提出申诉（有错误）")
    page.get_by_label("申诉理由").fill("第三位走访对象 9 月已电话走访，补录在 10 月。")
    page.get_by_role("button", name="提交申诉").click()
    expect(page.get_by_role("status")).to_contain_text("申诉已提交")
    _sign_out(page)

    # County staff uphold it with an adjusted score; the tier and amount follow.
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, base, staff.username)
    page.get_by_role("link", name="待处理的考核申诉").click()
    page.get_by_role("link", name=re.compile(f"{liaison.name}.*的申诉")).click()
    page.get_by_role("link", name="处理申诉").click()
    axe_check("处理申诉")
    narrow_checks(page, axe_check, "处理申诉")
    page.get_by_label("申诉成立，调整得分").check()
    page.get_by_label("调整后得分").fill("85")
    page.get_by_label("处理意见").fill("核对电话记录属实，补计走访。")
    page.get_by_role("button", name="记录处理结果").click()
    expect(page.get_by_role("status")).to_contain_text("申诉成立")
    result = AppraisalResult.objects.get(user=liaison)
    assert (str(result.score), result.tier_label, str(result.amount)) == ("85.00", "良好",
                                                                         "351.00")
    assert AppraisalAppeal.objects.get().status == AppealStatus.UPHELD
