"""Browser test of cross-checks (issue #8 §6): a death list imported through the page as a
background task, the counts by township, the review queue, one finding confirmed and one
dismissed, a near-match candidate accepted, the import history; the annual update on a liaison
officer's phone at 320 px — axe-core clean on each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from canlian.core.models import User
from canlian.crosscheck.management.commands.load_questionnaire import SHIPPED
from canlian.crosscheck.survey import questionnaire_load
from canlian.crosscheck.tests.helpers import mistype
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_disabled_person, make_person
from e2e.layout import fits
from e2e.test_shell_e2e import _sign_in

pytestmark = pytest.mark.django_db(transaction=True)



def test_import_review_confirm_dismiss_and_candidates(
        page: Page, live_server: object, personas: dict[str, User], regions: dict[str, str],
        axe_check: Callable[[str], None], tmp_path: Path) -> None:
    wang = make_person(region_code=regions["village_a"], name="王五")
    li = make_person(region_code=regions["village_a"], name="李四")
    zhao = make_person(region_code=regions["village_b"], name="赵六")
    csv = tmp_path / "deaths.csv"
    csv.write_text("姓名,身份证号,死亡日期,来源单位\n"
                   f"王五,{wang.id_number},2026-01-15,县医院\n"
                   f"李四,{li.id_number},2026-01-20,县医院\n"
                   f"赵六,{mistype(zhao.id_number, 15)},2026-02-01,县公安局\n", encoding="utf-8")
    base = str(live_server)
    _sign_in(page, base, personas["county_staff"].username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="数据比对").click()
    expect(page.get_by_role("heading", level=1, name="数据比对")).to_be_visible()
    axe_check("比对概况（空）")

    page.get_by_role("navigation", name="数据比对").get_by_role("link", name="导入记录").click()
    page.get_by_role("link", name="导入部门数据").click()
    axe_check("导入部门数据")
    page.get_by_label("数据类型").select_option(label="死亡人员")
    page.get_by_label("数据来源单位").fill("县卫生健康局")
    page.get_by_label("比对月份").fill("2026-03")
    page.get_by_label("数据文件").set_input_files(str(csv))
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_text(re.compile("导入完成：3 行"))).to_be_visible(timeout=20000)

    page.goto(f"{base}/crosscheck/")
    table = page.get_by_role("table", name=re.compile("待处理发现"))
    expect(table).to_contain_text("楚米镇")
    axe_check("比对概况")
    page.get_by_role("navigation", name="数据比对").get_by_role("link", name="待处理发现").click()
    axe_check("比对发现")
    findings = page.get_by_role("table", name=re.compile("比对发现"))
    expect(findings).not_to_contain_text(wang.id_number)
    findings.get_by_role("link", name=re.compile("王五")).click()
    expect(page.get_by_text("死亡日期 2026年01月15日，来源 县医院")).to_be_visible()
    axe_check("发现详情")
    page.get_by_label("确认，按建议处理").check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已确认并按建议处理。")).to_be_visible()
    assert Person.objects.get(pk=wang.pk).living_status == "deceased"

    page.goto(f"{base}/crosscheck/findings/")
    page.get_by_role("table", name=re.compile("比对发现")).get_by_role(
        "link", name=re.compile("李四")).click()
    page.get_by_label("排除（不作变更）").check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert")).to_contain_text("排除须填写理由")
    axe_check("排除未填理由")
    page.get_by_label("说明").fill("本人健在，卫健数据有误")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已排除，未作任何变更。")).to_be_visible()
    assert Person.objects.get(pk=li.pk).living_status == "alive"

    page.get_by_role("navigation", name="数据比对").get_by_role("link", name="疑似匹配").click()
    axe_check("疑似匹配")
    page.get_by_role("button", name=re.compile("是同一人.*赵六")).click()
    expect(page.get_by_text(re.compile("已确认为同一人"))).to_be_visible()
    page.get_by_role("navigation", name="数据比对").get_by_role("link", name="导入记录").click()
    axe_check("导入记录")
    page.get_by_role("table").get_by_role("link", name="死亡人员").click()
    expect(page.get_by_text("县卫生健康局")).to_be_visible()
    axe_check("导入详情")


def test_liaison_collects_the_annual_update_on_a_phone(
        page: Page, live_server: object, personas: dict[str, User], regions: dict[str, str],
        axe_check: Callable[[str], None]) -> None:
    questionnaire_load(text=SHIPPED.read_text(encoding="utf-8"))
    make_disabled_person(region_code=regions["village_a"], name="王五")
    base = str(live_server)
    page.set_viewport_size({"width": 320, "height": 640})
    _sign_in(page, base, personas["village_liaison"].username)
    page.goto(f"{base}/crosscheck/")
    expect(page.get_by_role("heading", level=1, name="年度动态更新")).to_be_visible()
    fits(page, "动态更新 320px")
    axe_check("动态更新（专职委员）")
    page.get_by_role("link", name="王五").click()
    fits(page, "答卷 320px")
    axe_check("答卷")
    page.get_by_role("radio", name="电话").check()
    page.get_by_role("group", name=re.compile("R0 本人现状")).get_by_label("1. 正常").check()
    page.get_by_role("group", name=re.compile("R3 户口性质")).get_by_label("1. 农业").check()
    page.get_by_role("group", name=re.compile("R29 是否需要长期照护")).get_by_label("1. 是").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("王五 的动态更新已保存。")).to_be_visible()
    expect(page.get_by_text("已采集", exact=True)).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()
    _sign_in(page, base, personas["township_staff"].username)
    page.goto(f"{base}/crosscheck/survey/")
    expect(page.get_by_role("table", name="各村（社区）完成率")).to_contain_text("100.0%")
    axe_check("完成率")
    page.get_by_role("link", name=re.compile("条与基础库不一致")).click()
    axe_check("变更审核")
    page.get_by_role("button", name=re.compile("更新基础库.*王五")).click()
    expect(page.get_by_text("已处理。")).to_be_visible()
    assert Person.objects.get(name="王五").needs_long_term_care is True
