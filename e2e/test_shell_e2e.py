"""Browser tests of the shell (issue #2): sign in, large-text mode, every menu entry, keyboard,
320 px, the error summary and a background export — with axe-core finding no WCAG 2.1 A/AA
violation on any page visited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from canlian.core.menu import modules_for
from canlian.core.models import User
from canlian.core.roles import Role
from canlian.core.tests.factories import TEST_PASSWORD, otp_code_for

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    code = otp_code_for(username)  # administrators sign in with a second factor
    if code:
        page.get_by_label("动态验证码（选填）").fill(code)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1, name="工作台")).to_be_visible()


@pytest.mark.parametrize("role", [Role.COUNTY_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR,
                                  Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON,
                                  Role.LEADER, Role.ASSESSOR, Role.RESIDENT, Role.VOLUNTEER])
def test_sign_in_large_text_and_every_menu_entry_pass_axe(
    role: str, page: Page, live_server: object, personas: dict[str, User],
    axe_check: Callable[[str], None],
) -> None:
    base = str(live_server)
    page.goto(f"{base}/login/")
    axe_check("登录页")
    # Large-text mode chosen before signing in carries over to the account.
    page.get_by_role("button", name="大字模式").click()
    expect(page.locator("html")).to_contain_class("large-text")
    _sign_in(page, base, personas[role].username)
    expect(page.locator("html")).to_contain_class("large-text")
    assert User.objects.get(pk=personas[role].pk).large_text
    axe_check("工作台")
    for module in modules_for(role):
        page.get_by_role("navigation", name="主菜单").get_by_role(
            "link", name=module.label, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe_check(module.label)


def test_high_contrast_mode_passes_axe(page: Page, live_server: object,
                                       personas: dict[str, User],
                                       axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    _sign_in(page, base, personas["county_admin"].username)
    page.get_by_role("button", name="高对比度").click()
    expect(page.locator("html")).to_contain_class("high-contrast")
    for path in ("/", "/users/", f"/users/{personas['village_liaison'].pk}/", "/regions/"):
        page.goto(base + path)
        axe_check(f"高对比度 {path}")


def test_keyboard_only_skip_link_and_visible_focus(page: Page, live_server: object,
                                                   personas: dict[str, User]) -> None:
    base = str(live_server)
    _sign_in(page, base, personas["county_staff"].username)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Keyboard reaches the menu and opens a module.
    nav_link = page.get_by_role("navigation", name="主菜单").get_by_role("link", name="证件办理")
    nav_link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="证件办理")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/users/", "/users/new/", "/audit/"])
def test_pages_fit_320_px_without_horizontal_scroll(path: str, page: Page, live_server: object,
                                                    personas: dict[str, User]) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    base = str(live_server)
    username = "auditor" if path == "/audit/" else personas["county_admin"].username
    _sign_in(page, base, username)
    page.goto(base + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_error_summary_names_the_field_and_links_to_it(page: Page, live_server: object,
                                                      personas: dict[str, User],
                                                      axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    _sign_in(page, base, personas["county_admin"].username)
    page.goto(f"{base}/users/new/")
    page.get_by_label("用户名").fill("newbie")
    page.get_by_label("姓名").fill("新人")
    page.get_by_label("角色").select_option(label="县残联工作人员")
    page.get_by_label("手机号").fill("12345")
    page.get_by_label("初始密码").fill("Xy!12345pass")
    page.get_by_role("button", name="保存").click()
    summary = page.get_by_role("alert").filter(has_text="提交的内容有")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="手机号").click()
    expect(page.get_by_label("手机号")).to_be_focused()
    axe_check("表单错误")


def test_auditor_exports_the_log_and_downloads_it(page: Page, live_server: object,
                                                 personas: dict[str, User],
                                                 axe_check: Callable[[str], None]) -> None:
    base = str(live_server)
    _sign_in(page, base, personas["auditor"].username)
    page.goto(f"{base}/audit/")
    axe_check("审计日志")
    page.get_by_role("button", name="导出 Excel").click()
    expect(page.get_by_role("link", name="下载文件")).to_be_visible(timeout=15000)
    axe_check("任务进度")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载文件").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_progress_page_follows_a_running_task_until_its_file_is_ready(
    page: Page, live_server: object, personas: dict[str, User], settings: object
) -> None:
    """The page polls while the worker runs the task, then offers the download by itself."""
    from canlian.core.models import TaskRun, TaskStatus

    run = TaskRun.objects.create(created_by=personas["auditor"], kind="audit_export",
                                 title="导出审计日志", status=TaskStatus.RUNNING, total=10, done=3)
    base = str(live_server)
    _sign_in(page, base, personas["auditor"].username)
    page.goto(f"{base}/tasks/{run.pk}/")
    expect(page.get_by_role("status")).to_contain_text("进行中")
    expect(page.get_by_role("link", name="下载文件")).to_have_count(0)
    path = settings.MEDIA_ROOT / "exports" / "r.xlsx"  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK")
    TaskRun.objects.filter(pk=run.pk).update(status=TaskStatus.SUCCEEDED, done=10,
                                             result_file=str(path), result_name="r.xlsx")
    expect(page.get_by_role("link", name="下载文件")).to_be_visible(timeout=10000)
