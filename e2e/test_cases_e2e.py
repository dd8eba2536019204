"""Browser test of visits and cases (issue #7): a village liaison officer on a phone-sized
screen records a visit with a need (the half-filled form survives a reload as a draft), turns
the need into a case, township staff accept and conclude it, and the resident rates it on the
portal — axe-core clean on every page, at 320 px wide and in the large-text mode."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from canlian.cases.models import Case, CaseStatus, VisitDraft
from canlian.cases.tests.helpers import disabled, federations
from canlian.core.crypto import blind_index
from canlian.core.models import User
from e2e.layout import PHONE, fits, narrow_checks
from e2e.test_shell_e2e import _sign_in

pytestmark = pytest.mark.django_db(transaction=True)




def test_liaison_visit_becomes_a_case_township_closes_it_resident_rates_it(
        page: Page, live_server: object, personas: dict[str, User], regions: dict[str, str],
        axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    _, township_unit = federations(regions["county"], regions["township_a"])
    person = disabled(regions["village_a"], name="王秀兰", grade=2,
                      certificate_issued_on=date(2018, 5, 1))
    resident = personas["resident"]
    User.objects.filter(pk=resident.pk).update(id_number=person.id_number,
                                               id_number_index=blind_index(person.id_number))

    # The liaison officer, on a phone, finds the person on the due list.
    page.set_viewport_size(PHONE)
    _sign_in(page, base, personas["village_liaison"].username)
    page.get_by_text("菜单").click()
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="走访与诉求").click()
    expect(page.get_by_role("heading", level=1, name="走访待办")).to_be_visible()
    axe_check("走访待办")
    narrow_checks(page, axe_check, "走访待办")
    page.get_by_role("link", name=re.compile("登记走访.*王秀兰")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("王秀兰")
    axe_check("登记走访")

    # Half a form, then the page is reloaded: the draft brings it back.
    page.get_by_label("见到的人").fill("本人、女儿")
    page.get_by_label("有辅具需求").check()
    page.get_by_label("辅具需求说明").fill("需要一辆轮椅")
    expect(page.locator("[data-draft-status]")).to_contain_text("草稿已保存", timeout=15000)
    assert VisitDraft.objects.get(person=person).data["people_met"] == "本人、女儿"
    page.reload()
    expect(page.get_by_label("见到的人")).to_have_value("本人、女儿")
    expect(page.get_by_label("有辅具需求")).to_be_checked()
    narrow_checks(page, axe_check, "登记走访")

    # An incomplete submission names the field; then the visit is recorded.
    page.get_by_label("辅具需求说明").fill("")
    page.get_by_role("button", name="提交走访记录").click()
    expect(page.get_by_role("alert")).to_contain_text("辅具需求说明")
    axe_check("登记走访错误提示")
    page.get_by_label("辅具需求说明").fill("需要一辆轮椅")
    page.get_by_text("独居", exact=True).click()
    page.get_by_role("button", name="提交走访记录").click()
    expect(page.get_by_text("已登记对王秀兰的走访")).to_be_visible()
    axe_check("走访记录")
    assert not VisitDraft.objects.exists()

    # The need becomes a case in one step.
    page.get_by_role("button", name=re.compile("转为诉求.*辅具")).click()
    expect(page.get_by_text("已转为诉求")).to_be_visible()
    case = Case.objects.get(person=person)
    assert case.responsible_unit == township_unit
    axe_check("诉求详情（专职委员）")
    narrow_checks(page, axe_check, "诉求详情")
    page.get_by_role("button", name="退出").click()

    # Township staff accept, start and conclude it with a reply.
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, base, personas["township_staff"].username)
    page.goto(f"{base}/cases/items/")
    axe_check("诉求办理")
    page.get_by_role("link", name=case.reference).first.click()
    for title in ("受理", "开始办理"):
        page.get_by_role("link", name=title, exact=True).click()
        axe_check(title)
        page.get_by_role("button", name=f"确认{title}").click()
        expect(page.get_by_text(f"已完成“{title}”")).to_be_visible()
    page.get_by_role("link", name="办结答复", exact=True).click()
    page.get_by_label("答复意见").fill("已为您适配轮椅一辆，请查收。")
    page.get_by_role("button", name="确认办结答复").click()
    expect(page.get_by_text("已完成“办结答复”")).to_be_visible()
    page.goto(f"{base}/cases/board/")
    axe_check("问题清单")
    page.get_by_role("button", name="退出").click()

    # The resident reads the reply on the portal and rates it.
    page.set_viewport_size(PHONE)
    _sign_in(page, base, resident.username)
    page.goto(f"{base}/portal/")
    page.get_by_role("link", name="求助与建议").click()
    expect(page.get_by_text("请您评价", exact=True)).to_be_visible()
    axe_check("我的求助与建议")
    page.get_by_role("link", name=case.title).click()
    expect(page.get_by_role("note")).to_contain_text("已为您适配轮椅一辆")
    axe_check("诉求进度（居民）")
    narrow_checks(page, axe_check, "诉求进度（居民）")
    page.get_by_text("满意", exact=True).click()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价")).to_be_visible()
    axe_check("评价后")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED and case.satisfaction == "satisfied"


def test_resident_submits_a_help_request_on_a_narrow_screen(
        page: Page, live_server: object, personas: dict[str, User], regions: dict[str, str],
        axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    federations(regions["county"], regions["township_a"])
    page.set_viewport_size({"width": 320, "height": 640})
    _sign_in(page, base, personas["resident"].username)
    page.goto(f"{base}/portal/requests/new/")
    axe_check("提交求助")
    fits(page, "提交求助 320px")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("事项类别")
    axe_check("提交求助错误提示")
    page.get_by_text("求助：我遇到了困难").click()
    page.get_by_label("事项类别").select_option("accessibility")
    page.get_by_label("标题").fill("家门口台阶太高")
    page.get_by_label("具体内容").fill("轮椅进不了门")
    page.get_by_label("所在村（社区）").select_option(regions["village_a"])
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("已提交，编号")).to_be_visible()
    axe_check("求助详情")
    fits(page, "求助详情 320px")
    assert Case.objects.get().source == "help"
