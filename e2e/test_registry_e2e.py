"""Browser tests of the registry (issue #3): search by pinyin, the 360° page, revealing an ID
(audited), an import with errors and its error file, maker-checker and its per-county
settings — axe-core clean on each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter
from playwright.sync_api import Page, expect

from canlian.core.models import AuditAction, AuditEvent, User
from canlian.registry.tests.factories import make_disabled_person, make_id_number, make_person
from canlian.registry.tests.helpers import HEADER, row
from e2e.test_shell_e2e import _sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_by_pinyin_open_360_and_reveal(page: Page, live_server: object,
                                              personas: dict[str, User],
                                              regions: dict[str, str],
                                              axe_check: Callable[[str], None]) -> None:
    person = make_disabled_person(region_code=regions["village_a"], name="曾小红", phone="13912345678")
    make_disabled_person(region_code=regions["village_a"], name="李四")
    base = str(live_server)
    _sign_in(page, base, personas["village_liaison"].username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="残疾人基础库").click()
    axe_check("名单")
    page.get_by_role("textbox", name="查找").fill("zxh")
    page.get_by_role("button", name="查询").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="曾小红")).to_be_visible()
    expect(table.get_by_role("link", name="李四")).to_have_count(0)
    table.get_by_role("link", name="曾小红").click()
    expect(page.get_by_role("heading", level=1, name="曾小红")).to_be_visible()
    expect(page.get_by_text(person.id_number)).to_have_count(0)
    axe_check("360° 页面")
    page.get_by_role("button", name=re.compile(r"查看完整号码\s*（身份证号）")).click()
    expect(page.get_by_text(person.id_number)).to_be_visible()
    axe_check("显示完整号码")
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL,
                                     object_id=str(person.pk)).count() == 1


def test_import_with_errors_then_download_the_error_file(
    page: Page, live_server: object, personas: dict[str, User], regions: dict[str, str],
    tmp_path: Path, axe_check: Callable[[str], None],
) -> None:
    path = tmp_path / "导入.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, row("好人", make_id_number(), regions["village_a"]))
    sheet.write_row(2, 0, row("错人", make_id_number(), "520322999999"))
    workbook.close()
    base = str(live_server)
    _sign_in(page, base, personas["county_staff"].username)
    page.goto(f"{base}/registry/import/")
    axe_check("导入页")
    page.get_by_label("导入文件").set_input_files(str(path))
    page.get_by_label("全部正确才导入（有任何错误则不导入）").check()
    page.get_by_role("button", name="开始").click()
    expect(page.get_by_text("未导入任何数据")).to_be_visible(timeout=15000)
    page.get_by_role("link", name="查看有错误的行（1 行）").click()
    expect(page.get_by_role("cell", name="户籍地区划代码", exact=True)).to_be_visible()
    axe_check("导入结果")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误清单").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_liaison_edit_is_approved_by_township_staff(page: Page, live_server: object,
                                                   personas: dict[str, User],
                                                   regions: dict[str, str],
                                                   axe_check: Callable[[str], None]) -> None:
    person = make_person(region_code=regions["village_a"], name="郑十", address="旧址")
    base = str(live_server)
    _sign_in(page, base, personas["village_liaison"].username)
    page.goto(f"{base}/registry/{person.pk}/edit/")
    axe_check("修改表单")
    page.get_by_label("现住址").fill("新址一组")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("等待乡镇（街道）残联审核")).to_be_visible()
    axe_check("变更申请")
    page.get_by_role("button", name="退出").click()
    _sign_in(page, base, personas["township_staff"].username)
    page.goto(f"{base}/registry/changes/")
    axe_check("审核列表")
    page.get_by_role("link", name="郑十").click()
    page.get_by_role("button", name="通过").click()
    expect(page.get_by_role("heading", level=1, name="郑十")).to_be_visible()
    expect(page.get_by_text("新址一组", exact=True)).to_be_visible()


def test_county_admin_lets_contact_edits_apply_directly(page: Page, live_server: object,
                                                       personas: dict[str, User],
                                                       regions: dict[str, str],
                                                       axe_check: Callable[[str], None]) -> None:
    person = make_person(region_code=regions["village_a"], name="冯十一", address="旧址")
    base = str(live_server)
    _sign_in(page, base, personas["county_admin"].username)
    page.get_by_role("navigation", name="主菜单").get_by_role(
        "link", name="信息变更审核设置").click()
    axe_check("审核设置")
    page.get_by_role("group", name=re.compile("联系方式与监护人")).get_by_label(
        "专职委员保存后直接生效").check()
    page.get_by_role("button", name="保存设置").click()
    expect(page.get_by_text("信息变更审核设置已保存")).to_be_visible()
    page.get_by_role("button", name="退出").click()
    _sign_in(page, base, personas["village_liaison"].username)
    page.goto(f"{base}/registry/{person.pk}/edit/")
    expect(page.get_by_text("其余信息保存后直接生效")).to_be_visible()
    axe_check("修改表单（部分直接生效）")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("联系方式与监护人的修改已直接生效")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="冯十一")).to_be_visible()
