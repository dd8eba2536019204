"""kill -9 in the middle of the heavy jobs (issue 17 §14): an import, an eligibility run and a
payroll generation, each in a real `task_worker` subprocess stopped at a known point inside its
transaction and killed. Nothing is half-written; the page shows the job interrupted (中断) and
rerunnable; a restarted worker marks it so; the rerun gives what an uninterrupted run gives.
(The export case is in canlian/core/tests/test_task_worker.py.) Runs on the suite's engine:
SQLite in the SQLite pass, PostgreSQL in the PostgreSQL pass."""

from __future__ import annotations

import pytest
from django.urls import reverse

from canlian.core.roles import Role
from canlian.core.tests import sitekit
from canlian.core.tests.sitekit import Site

site_template, site = sitekit.site_template, sitekit.site  # fixtures
SITE_ACTIONS = ["canlian.tests.fault_actions"]
pytestmark = pytest.mark.django_db  # the site is a copy of the test database
IMPORT_ROWS, ENROLLED, WAITING = 40, 6, 4


def _killed_at(site: Site, pattern: str) -> None:
    worker = site.start_worker(pause_after=pattern)
    site.wait_paused(worker)
    site.kill9(worker)


def _shown_interrupted(site: Site, task_id: str) -> None:
    url = reverse("core:task_progress", args=[task_id])
    polled = site.driver("get", username="county", path=url, json=True)["body"]
    assert (polled["status"], polled["retryable"]) == ("interrupted", True)
    page = site.driver("get", username="county", path=url)["body"]
    assert "中断" in page and "重新运行" in page


def test_kill_9_of_import_eligibility_and_payroll_writes_nothing_and_the_rerun_matches(
        site: Site) -> None:
    site.driver("user", username="county", role=Role.COUNTY_STAFF)
    month = site.driver("benefits_setup", username="county", enrolled=ENROLLED,
                        waiting=WAITING)["month"]
    before = {"registry": site.driver("registry_fingerprint"),
              "payroll": site.driver("payroll_fingerprint")}

    # Each job is stopped inside its transaction, right after its first insert, and killed.
    imported = site.driver("start_import", username="county", rows=IMPORT_ROWS)
    _killed_at(site, r'(INSERT INTO|COPY) "?registry_person')
    assessed = site.driver("start_eligibility", username="county", month=month)
    _killed_at(site, r'(INSERT INTO|COPY) "?benefits_eligibilitygap')
    paid = site.driver("start_payroll", username="county", month=month)
    _killed_at(site, r'(INSERT INTO|COPY) "?benefits_payrollline')

    # Nothing half-written.
    assert site.driver("registry_fingerprint") == before["registry"]
    assert site.driver("eligibility_fingerprint", task_id=assessed) == {
        "finished": False, "summary": {}, "gaps": []}
    assert site.driver("payroll_fingerprint") == before["payroll"]
    # The pages show each job interrupted at once; a restarted worker marks them so.
    for task_id in (imported, assessed, paid):
        _shown_interrupted(site, task_id)
    site.start_worker()
    for task_id in (imported, assessed, paid):
        assert site.wait_status(task_id, {"interrupted"})["queue"] == ["FAILED"]

    # Rerun from the pages.
    for task_id in (imported, assessed, paid):
        retried = site.driver("post", username="county",
                              path=reverse("core:task_retry", args=[task_id]))
        assert retried["status"] == 302
    for task_id in (imported, assessed, paid):
        assert site.wait_status(task_id, {"succeeded"})["attempts"] == 2

    registry = site.driver("registry_fingerprint")
    assert registry == {"persons": before["registry"]["persons"] + IMPORT_ROWS,
                        "import_audits": before["registry"]["import_audits"] + 1}
    assert site.driver("task_state", run_id=imported)["result"]["created"] == IMPORT_ROWS
    # An uninterrupted run of the same month finds the same.
    again = site.driver("start_eligibility", username="county", month=month)
    site.wait_status(again, {"succeeded"})
    rerun = site.driver("eligibility_fingerprint", task_id=assessed)
    assert rerun["finished"] and rerun["gaps"]
    assert rerun == site.driver("eligibility_fingerprint", task_id=again)
    payroll = site.driver("payroll_fingerprint")
    assert payroll["lines"] == ENROLLED and len(payroll["batches"]) == 1
    assert payroll["batches"][0][0] == ENROLLED and payroll["audits"] == 1
