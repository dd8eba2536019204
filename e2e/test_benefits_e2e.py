"""Browser test of benefits (issue #6): an eligibility run, its 待纳入 list, one person enrolled
through every review step, payroll generated, approved and paid, the ledger; the rule editor and
the portal self-check — axe-core clean on each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
import time_machine
from playwright.sync_api import Page, expect

from canlian.benefits.tests.helpers import holder, load_catalog
from canlian.core.models import User
from e2e.test_shell_e2e import _sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _switch(page: Page, base: str, user: User) -> None:
    page.context.clear_cookies()
    _sign_in(page, base, user.username)


@pytest.fixture
def march() -> object:
    with time_machine.travel("2026-03-16 09:00:00+08:00", tick=True):
        yield


def test_run_enrol_pay_and_see_the_ledger(page: Page, live_server: object, march: object,
                                          personas: dict[str, User], regions: dict[str, str],
                                          axe_check: Callable[[str], None]) -> None:
    load_catalog()
    holder(regions["village_a"], name="护理甲", grade=1, care=True,
           valid_until=date(2031, 1, 1))
    base = str(live_server)
    _sign_in(page, base, personas["county_staff"].username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="政策与补贴").click()
    expect(page.get_by_role("heading", level=1, name="政策与补贴")).to_be_visible()
    axe_check("政策目录")

    page.get_by_role("navigation", name="政策与补贴").get_by_role("link", name="资格比对").click()
    page.get_by_label("比对月份").fill("2026-03")
    page.get_by_role("button", name="开始比对").click()
    expect(page.get_by_text(re.compile("比对完成"))).to_be_visible(timeout=20000)
    page.goto(f"{base}/benefits/runs/")
    page.get_by_role("table").get_by_role("link", name="2026年3月").click()
    axe_check("比对结果")
    page.get_by_role("link", name=re.compile("重度残疾人护理补贴待纳入名单")).click()
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="护理甲", exact=True)).to_be_visible()
    axe_check("待纳入名单")

    apply_url = table.get_by_role("link", name=re.compile("登记申请")).get_attribute("href")

    # 不相容岗位分离: the village liaison records the application, the township decides
    # 乡镇初审, one county account 县残联审核 and another records 民政审定.
    _switch(page, base, personas["village_liaison"])
    page.goto(f"{base}{apply_url}")
    axe_check("登记申请")
    page.get_by_label("申请月份").fill("2026-02")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("待乡镇（街道）初审")).to_be_visible()
    axe_check("申请详情")
    detail = page.url
    for user, note in ((personas["township_staff"], "乡镇初审：材料齐全"),
                       (personas["county_staff"], "县残联：等级属实"),
                       (personas["county_staff_2"], "民政局审定同意")):
        _switch(page, base, user)
        page.goto(detail)
        page.get_by_label("同意", exact=True).check()
        page.get_by_label("意见说明").fill(note)
        page.get_by_role("button", name="提交审核意见").click()
        expect(page.get_by_text("已办理。")).to_be_visible()
    expect(page.get_by_text("享受中")).to_be_visible()
    expect(page.get_by_text("2026年2月 起")).to_be_visible()

    # A payee account, or the payroll line is blocked (阻断).
    _switch(page, base, personas["county_staff"])
    page.goto(detail)
    page.get_by_label("开户银行").fill("贵州农村信用社")
    page.get_by_label("银行账号").fill("6224123456789012345")
    page.get_by_role("button", name="保存账户").click()
    expect(page.get_by_text("6224***********2345")).to_be_visible()
    axe_check("发放账户")
    page.get_by_role("navigation", name="政策与补贴").get_by_role("link", name="发放批次").click()
    page.get_by_role("combobox", name="政策").select_option(label="重度残疾人护理补贴")
    page.get_by_label("发放月份").fill("2026-03")
    page.get_by_role("button", name="生成发放批次").click()
    page.get_by_role("link", name="查看发放批次").click(timeout=20000)  # a background job
    expect(page.get_by_text("1 人次，120.00 元")).to_be_visible()
    axe_check("发放批次")
    expect(page.get_by_text("本批次由您生成，须由另一名县残联工作人员审核")).to_be_visible()
    batch = page.url
    _switch(page, base, personas["county_staff_2"])
    page.goto(batch)
    page.get_by_role("button", name="审核通过").click()
    page.get_by_label("已发放").check()
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_text("已登记 1 条发放结果。")).to_be_visible()
    page.get_by_role("table").get_by_role("link", name="护理甲", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="护理甲：政策与补贴")).to_be_visible()
    expect(page.get_by_role("table", name="2026 年")).to_contain_text("120.00")
    axe_check("个人政策与台账")


def test_rule_editor_preview_and_portal_self_check(
    page: Page, live_server: object, march: object, personas: dict[str, User],
    regions: dict[str, str], axe_check: Callable[[str], None]
) -> None:
    load_catalog()
    person = holder(regions["village_a"], name="居民乙", grade=2, care=True,
                    valid_until=date(2031, 1, 1))
    resident = personas["resident"]
    User.objects.filter(pk=resident.pk).update(id_number_index=person.id_number_index)
    base = str(live_server)
    _sign_in(page, base, personas["county_admin"].username)
    page.goto(f"{base}/benefits/policies/care_subsidy/rule/")
    page.get_by_label("资格规则").fill("enrolable and gradee in (1, 2)")
    page.get_by_role("button", name="预览人数").click()
    expect(page.get_by_role("alert")).to_contain_text("gradee")
    axe_check("规则错误")
    page.get_by_label("资格规则").fill("enrolable and grade in (1, 2)")
    page.get_by_role("button", name="预览人数").click()
    expect(page.get_by_role("status")).to_contain_text("按新规则符合条件的残疾人 1 人")
    axe_check("规则预览")

    page.context.clear_cookies()
    _sign_in(page, base, resident.username)
    page.goto(f"{base}/benefits/mine/")
    expect(page.get_by_role("heading", level=1, name="我能享受哪些政策")).to_be_visible()
    axe_check("我能享受哪些政策")
    page.get_by_role("button", name=re.compile(r"在线申请\s*重度残疾人护理补贴")).click()
    expect(page.get_by_text(re.compile("已提交居民乙的重度残疾人护理补贴申请"))).to_be_visible()
    expect(page.get_by_text("审核中（待乡镇（街道）初审）")).to_be_visible()
    axe_check("在线申请后")
