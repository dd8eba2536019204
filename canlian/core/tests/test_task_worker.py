"""The background task worker on a real database with real `task_worker` subprocesses
(issue 16 §1, issue 17 §3–4): a large export finishes while its page polls and other users
write; a failing job is marked failed and the worker carries on; a worker killed with kill -9
leaves a job the page shows as interrupted (中断) and that can be rerun.

These run on the suite's engine: SQLite in the SQLite pass, PostgreSQL in the PostgreSQL pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from canlian.core.roles import Role
from canlian.core.tests import sitekit
from canlian.core.tests.sitekit import Site

site_template, site = sitekit.site_template, sitekit.site  # fixtures

# The marker makes pytest-django create the test database the site is copied from; the tests
# themselves act on the site's own database, through subprocesses.
pytestmark = pytest.mark.django_db
EXPORT_ROWS = 20_000


def _setup_auditor(site: Site, rows: int) -> None:
    site.driver("user", username="auditor", role=Role.AUDITOR)
    site.driver("user", username="county")
    site.driver("audit_rows", count=rows)


def test_large_export_finishes_while_its_page_polls_and_others_write(site: Site) -> None:
    _setup_auditor(site, EXPORT_ROWS)
    run_id = site.driver("start_audit_export", username="auditor")
    worker = site.start_worker()

    outcome = site.driver("poll_while_using", run_id=run_id, poller="auditor", user="county")

    assert outcome["state"]["status"] == "succeeded", outcome
    assert outcome["polls"] > 1 and outcome["writes"] > 1
    state = site.driver("task_state", run_id=run_id)
    assert state["done"] == state["total"] >= EXPORT_ROWS
    assert state["queue"] == ["SUCCESSFUL"]
    rows = CalamineWorkbook.from_path(state["result_file"]).get_sheet_by_index(0).to_python()
    assert len(rows) - 3 == state["total"]  # title, watermark, header
    # The worker is still there and takes the next job.
    assert worker.poll() is None
    second = site.driver("start_audit_export", username="auditor", filters={"action": "login"})
    assert site.wait_status(second, {"succeeded"})["queue"] == ["SUCCESSFUL"]


def test_a_failing_job_is_marked_failed_with_a_message_and_the_worker_carries_on(
        site: Site) -> None:
    _setup_auditor(site, 10)
    site.media.mkdir(parents=True, exist_ok=True)
    (site.media / "exports").write_text("not a folder")  # the export cannot write its file
    worker = site.start_worker()
    failing = site.driver("start_audit_export", username="auditor")

    state = site.wait_status(failing, {"failed"})

    assert state["message"] == "导出失败，请稍后重试；如仍失败请联系系统管理员。"
    assert state["queue"] == ["FAILED"]
    page = site.driver("get", username="auditor", path=reverse("core:task_progress",
                                                              args=[failing]))
    assert "导出失败" in page["body"] and "重新运行" in page["body"]
    # Mended, the same job reruns from its page; the worker never stopped.
    (site.media / "exports").unlink()
    assert worker.poll() is None
    retry = site.driver("post", username="auditor", path=reverse("core:task_retry",
                                                                 args=[failing]))
    assert retry["status"] == 302
    state = site.wait_status(failing, {"succeeded"})
    assert state["attempts"] == 2 and Path(state["result_file"]).is_file()


def test_a_killed_worker_leaves_an_interrupted_job_that_reruns(site: Site) -> None:
    _setup_auditor(site, 3_000)
    run_id = site.driver("start_audit_export", username="auditor")
    progress_url = reverse("core:task_progress", args=[run_id])
    # The worker stops for good after reading its third chunk of rows, mid-file.
    worker = site.start_worker(pause_after=r'FROM "core_auditevent" WHERE .*IN \(', times=3)
    site.wait_paused(worker)
    assert site.driver("task_state", run_id=run_id)["status"] == "running"

    site.kill9(worker)

    # The page (which writes nothing) sees at once that the job's worker is gone.
    polled = site.driver("get", username="auditor", path=progress_url, json=True)["body"]
    assert polled["status"] == "interrupted" and polled["finished"] and polled["retryable"]
    assert polled["no_worker"] is False  # finished: nothing waits for a worker
    page = site.driver("get", username="auditor", path=progress_url)["body"]
    assert "中断" in page and "重新运行" in page and "后台任务进程在处理时停止" in page
    # A restarted worker marks it interrupted in the database too, and the queue's record.
    site.start_worker()
    state = site.wait_status(run_id, {"interrupted"})
    assert state["queue"] == ["FAILED"]

    assert site.driver("post", username="auditor",
                       path=reverse("core:task_retry", args=[run_id]))["status"] == 302
    state = site.wait_status(run_id, {"succeeded"})
    # All rows, from the top (the rerun's own audit row of the retry is one more).
    assert state["attempts"] == 2 and state["done"] == state["total"] == 3_001
    rows = CalamineWorkbook.from_path(state["result_file"]).get_sheet_by_index(0).to_python()
    assert len(rows) - 3 == 3_001
