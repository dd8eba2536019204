"""Browser tests of the organisation system (issue #4): the coverage page, the composition check,
adding a post holder (with a refused overlapping chair first) and the directory's phone reveal
— axe-core clean on each page, and usable at 320 px wide."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from canlian.core.models import AuditAction, AuditEvent, User
from canlian.organizations.models import Post, PostHolding, UnitKind
from canlian.organizations.tests.factories import make_holding, make_member, make_unit
from e2e.test_shell_e2e import _sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _county(regions: dict[str, str]) -> None:
    township = make_unit(region_code=regions["township_a"], kind=UnitKind.TOWNSHIP_FEDERATION,
                         name="楚米镇残疾人联合会")
    make_holding(unit=township, member=make_member(region_code=regions["township_a"],
                                                   name="张华"), post=Post.EXECUTIVE_CHAIR)
    village = make_unit(region_code=regions["village_a"], name="楚蔬社区残疾人协会")
    make_holding(unit=village, member=make_member(region_code=regions["village_a"],
                                                  name="杨秀英", phone="13912345678"),
                 post=Post.LIAISON_OFFICER)
    presidium = make_unit(region_code=regions["county"], kind=UnitKind.PRESIDIUM,
                          name="桐梓县残联主席团")
    for index in range(4):
        make_holding(unit=presidium, member=make_member(
            region_code=regions["county"], name=f"委员{index}", is_disabled=index < 3),
            post=Post.COMMITTEE_MEMBER)


def test_coverage_and_composition_pages(page: Page, live_server: object,
                                        personas: dict[str, User], regions: dict[str, str],
                                        axe_check: Callable[[str], None]) -> None:
    _county(regions)
    base = str(live_server)
    _sign_in(page, base, personas["county_staff"].username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="组织体系").click()
    expect(page.get_by_role("heading", level=1, name="组织体系")).to_be_visible()
    axe_check("组织名单")
    page.get_by_role("navigation", name="组织体系栏目").get_by_role("link", name="覆盖情况").click()
    expect(page.get_by_role("heading", level=1, name="组织覆盖情况")).to_be_visible()
    gaps = page.get_by_role("table", name="尚未建立或人员未配齐的组织")
    expect(gaps.get_by_role("row", name=re.compile("楚米镇残联（乡镇本级）.*缺专职委员"))
           ).to_be_visible()
    expect(gaps.get_by_role("row", name=re.compile("楚蔬社区居民委员会.*缺主席"))).to_be_visible()
    axe_check("覆盖情况")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check("覆盖情况 320px")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="组成比例检查").click()
    rules = page.get_by_role("table", name="组成比例规则检查结果")
    # Presidium: 3 of 4 disabled → 75.0 % ≥ 65 %; no 自强模范 or 基层一线 → 0.0 % < 35 %.
    expect(rules.get_by_role("row", name=re.compile("主席团委员中残疾人及残疾人亲友.*75.0%.*达标"))
           ).to_be_visible()
    expect(rules.get_by_role("row", name=re.compile("主席团委员中自强模范和基层一线.*未达标"))
           ).to_be_visible()
    axe_check("组成比例检查")
    page.get_by_role("link", name="调整标准").click()
    axe_check("调整标准")


def test_add_post_holder_then_call_from_the_directory(page: Page, live_server: object,
                                                      personas: dict[str, User],
                                                      regions: dict[str, str],
                                                      axe_check: Callable[[str], None]) -> None:
    _county(regions)
    unit = make_unit(region_code=regions["village_a2"], name="元田社区残疾人协会")
    make_holding(unit=unit, member=make_member(region_code=regions["village_a2"], name="现任主席"),
                 post=Post.CHAIR, started_on=date(2024, 1, 1))
    make_member(region_code=regions["village_a2"], name="罗芳", phone="13812345678")
    base = str(live_server)
    _sign_in(page, base, personas["township_staff"].username)
    page.goto(f"{base}/organizations/units/{unit.pk}/")
    axe_check("组织详情")
    page.get_by_role("link", name="登记任职").click()
    axe_check("登记任职")
    page.get_by_label("人员").select_option(label="罗芳（元田社区居民委员会）")
    page.get_by_label("职务").select_option(label="主席")
    page.get_by_label("任职起始日期").fill("2025-06-01")
    page.get_by_role("button", name="保存").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("同一时间只能有一人")
    axe_check("登记任职（错误）")
    summary.get_by_role("link", name=re.compile("任职起始日期")).click()
    expect(page.get_by_label("任职起始日期")).to_be_focused()
    page.get_by_label("职务").select_option(label="专职委员")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已登记任职：罗芳")).to_be_visible()
    expect(page.get_by_role("table", name="元田社区残疾人协会现任人员").get_by_role(
        "row", name=re.compile("专职委员.*罗芳"))).to_be_visible()
    axe_check("登记后")
    assert PostHolding.objects.filter(member__name="罗芳", post=Post.LIAISON_OFFICER).exists()

    page.get_by_role("button", name="退出").click()
    _sign_in(page, base, personas["village_liaison"].username)
    page.goto(f"{base}/organizations/directory/")
    row = page.get_by_role("row", name=re.compile("楚蔬社区居民委员会.*杨秀英"))
    expect(row).to_contain_text("139****5678")
    axe_check("通讯录")
    row.get_by_role("button", name=re.compile("显示电话")).click()
    expect(page.get_by_role("link", name="13912345678")).to_be_visible()
    axe_check("通讯录（显示电话）")
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 1
