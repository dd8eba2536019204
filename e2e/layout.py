"""Layout checks shared by the browser tests: no sideways scrolling, and the same page at 320 px
and in the large-text mode, each checked by axe-core (STYLE.md accessibility)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

PHONE = {"width": 375, "height": 740}


def fits(page: Page, label: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{label}: {width}px wide"  # type: ignore[index]


def narrow_checks(page: Page, axe_check: Callable[[str], None], label: str) -> None:
    """The same page at 320 px, then with the large-text mode, then back to the size it had."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    fits(page, f"{label} 320px")
    axe_check(f"{label} 320px")
    page.get_by_role("button", name="大字模式").click()
    expect(page.locator("html")).to_contain_class("large-text")
    fits(page, f"{label} 大字 320px")
    axe_check(f"{label} 大字模式")
    page.get_by_role("button", name="大字模式").click()
    expect(page.locator("html")).not_to_contain_class("large-text")
    page.set_viewport_size(size)  # type: ignore[arg-type]
