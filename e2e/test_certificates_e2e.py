"""Browser test of certificates (issue #5): a resident applies on the portal and uploads a
photo, county staff accept and assign an assessor, the assessor records the grade on their own
page, county staff approve and issue, and the resident sees 已发证 — axe-core clean on every
page of the flow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from canlian.certificates.models import Application, Status
from canlian.core.crypto import blind_index
from canlian.core.models import User
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_id_number
from e2e.test_shell_e2e import _sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _confirm(page: Page, base: str, app: Application, title: str,
             axe_check: Callable[[str], None], tick: tuple[str, ...] = ()) -> None:
    page.goto(f"{base}/certificates/{app.pk}/")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    axe_check(title)
    for label in tick:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name=f"确认{title}").click()
    expect(page.get_by_text(f"已完成“{title}”")).to_be_visible()


def test_resident_applies_assessor_grades_staff_issue_resident_sees_issued(
        page: Page, live_server: object, personas: dict[str, User], regions: dict[str, str],
        tmp_path: Path, axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    resident = personas["resident"]
    number = make_id_number()
    User.objects.filter(pk=resident.pk).update(id_number=number,
                                               id_number_index=blind_index(number))
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    # A resident applies online for themself and uploads a photo.
    _sign_in(page, base, resident.username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="我的办事").click()
    expect(page.get_by_role("heading", level=1, name="我的办事")).to_be_visible()
    axe_check("我的办事")
    page.get_by_role("link", name="在线申请残疾人证").click()
    axe_check("在线申请")
    page.get_by_role("button", name="下一步").click()  # empty: the summary names the field
    expect(page.get_by_role("alert")).to_contain_text("办理事项")
    axe_check("在线申请错误提示")
    page.get_by_label("办理事项").select_option("new")
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_label("换领原因")).to_have_count(0)  # only the questions of 新办
    axe_check("在线申请第 2 步")
    page.get_by_label("户籍所在村（社区）").select_option(regions["village_a"])
    page.get_by_label("残疾类别").select_option("4")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()
    page.get_by_label("材料类型").select_option("photo")
    page.get_by_label("选择文件").set_input_files(str(photo))
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_text("材料已上传")).to_be_visible()
    axe_check("申请进度")
    app = Application.objects.get(id_number_index=blind_index(number))
    page.get_by_role("button", name="退出").click()

    # County staff accept it and assign an assessor.
    _sign_in(page, base, personas["county_staff"].username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="证件办理").click()
    axe_check("证件办理")
    page.get_by_role("link", name=app.reference).click()
    axe_check("申请详情")
    # The uploaded photo starts ticked; the rest is handed over at the counter.
    page.goto(f"{base}/certificates/{app.pk}/act/accept/")
    expect(page.get_by_label("二寸照片", exact=True)).to_be_checked()
    expect(page.get_by_label("身份证", exact=True)).not_to_be_checked()
    _confirm(page, base, app, "受理（材料清单）", axe_check,
             tick=("身份证", "户口本", "诊断证明或病历"))
    page.get_by_role("link", name="指派评定", exact=True).click()
    axe_check("指派评定")
    page.get_by_label("评残医生").select_option(str(personas["assessor"].pk))
    page.get_by_role("button", name="确认指派评定").click()
    expect(page.get_by_text("已完成“指派评定”")).to_be_visible()
    page.get_by_role("button", name="退出").click()

    # The assessor records category and grade on their own page.
    _sign_in(page, base, personas["assessor"].username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="证件办理").click()
    expect(page.get_by_role("heading", level=1, name="我的评定任务")).to_be_visible()
    axe_check("我的评定任务")
    page.get_by_role("link", name=app.name, exact=True).click()
    axe_check("录入评定结论")
    page.get_by_label("符合残疾标准", exact=True).check()
    page.get_by_label("残疾类别", exact=True).select_option("4")
    page.get_by_label("残疾等级", exact=True).select_option("2")
    page.get_by_role("button", name="保存评定结论").click()
    expect(page.get_by_text("评定结论已保存")).to_be_visible()
    page.get_by_role("button", name="退出").click()

    # The 5-working-day public notice has run its course in the village.
    Application.objects.filter(pk=app.pk).update(step_due_on=timezone.localdate())
    _sign_in(page, base, personas["county_staff"].username)
    _confirm(page, base, app, "结束公示", axe_check)
    # 不相容岗位分离: who accepted it is not offered the review; another account reviews.
    expect(page.get_by_text("县残联审核须由他人进行")).to_be_visible()
    expect(page.get_by_role("link", name="县残联审核", exact=True)).to_have_count(0)
    page.get_by_role("button", name="退出").click()
    _sign_in(page, base, personas["county_staff_2"].username)
    _confirm(page, base, app, "县残联审核", axe_check)
    for title in ("制证", "发放"):
        _confirm(page, base, app, title, axe_check)
    page.goto(f"{base}/certificates/{app.pk}/")
    expect(page.get_by_text("已发证").first).to_be_visible()
    page.get_by_role("button", name="退出").click()
    assert Application.objects.get(pk=app.pk).status == Status.ISSUED
    assert Person.objects.get(id_number_index=blind_index(number)).certificate_number == \
        number + "42"

    # The resident sees 已发证 and the notices.
    _sign_in(page, base, resident.username)
    page.goto(f"{base}/portal/")
    expect(page.get_by_text("已发证").first).to_be_visible()
    axe_check("我的办事（已发证）")
    page.get_by_role("link", name="我的通知").click()
    expect(page.get_by_role("heading", name="已发证")).to_be_visible()
    axe_check("我的通知")
