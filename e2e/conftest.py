"""Browser tests: Playwright driving Debian's Chromium (STACK.md §3), axe-core for WCAG 2.1 AA."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from canlian.core.regions import SHIPPED_REGIONS_CSV, regions_load_csv

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_LOCALE = ROOT / "node_modules" / "axe-core" / "locales" / "zh_CN.json"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _e2e_audit_flush(audit_flush_allowed: None) -> None:
    """Live-server tests end with a flush, which the audit log's triggers allow only through
    the sanctioned purge switch (conftest.audit_flush_allowed)."""


@pytest.fixture
def region_data(transactional_db: Any) -> None:
    """Live-server tests flush the database after each test, migrated data included."""
    regions_load_csv(SHIPPED_REGIONS_CSV.read_text(encoding="utf-8"))


@pytest.fixture
def axe_check(page: Page) -> Callable[[str], None]:
    """Run axe-core on the current page; fail listing each WCAG 2.1 A/AA violation."""
    locale = json.loads(AXE_LOCALE.read_text(encoding="utf-8"))
    source = AXE.read_text(encoding="utf-8")

    def check(label: str) -> None:
        # Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by
        # our Content-Security-Policy, which the tests keep on to catch inline scripts of ours.
        page.evaluate(source)
        page.evaluate("loc => axe.configure({locale: loc})", locale)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} @ "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in result["violations"]
        ]
        assert problems == [], f"{label} {page.url}: " + " | ".join(problems)

    return check
