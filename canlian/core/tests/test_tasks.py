"""Background work with progress (issue #2 §6): the audit-log export runs as a task, reports
progress, writes a real, watermarked XLSX and is audited."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from canlian.core import services, taskfiles, taskruns
from canlian.core.models import AuditAction, AuditEvent, TaskRun, TaskStatus, TaskWorker, User


def test_audit_export_runs_in_background_and_produces_watermarked_xlsx(
    personas: dict[str, User], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    services.user_create(
        actor=personas["county_admin"], username="x1", name="某人", role="leader",
        region=personas["county_admin"].region, password="Xy!12345pass", phone="13912345678",
    )
    client.force_login(personas["auditor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:audit_export"), {"action": "create"})
    run = TaskRun.objects.get()
    assert response.url == reverse("core:task_progress", args=[run.pk])
    assert run.status == TaskStatus.SUCCEEDED and run.percent == 100

    progress = client.get(response.url, HTTP_ACCEPT="application/json").json()
    assert progress["finished"] is True and progress["percent"] == 100

    download = client.get(reverse("core:task_download", args=[run.pk]))
    assert download.status_code == 200
    path = Path(run.result_file)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "审计日志"
    assert "导出人：" in rows[1][0] and personas["auditor"].username in rows[1][0]
    assert rows[2][:3] == ["时间", "操作人账号", "操作"]
    assert [r[2] for r in rows[3:]] == ["新增"]
    assert "139****5678" in str(rows[3]) and "13912345678" not in str(rows)
    # Issue #16 §16: the type by its Chinese name; a row written outside a request says so.
    assert rows[3][4] == User._meta.verbose_name and rows[3][9] == "系统/后台任务"

    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=personas["auditor"])
    assert exports.count() == 2  # the export itself and the download


def test_someone_elses_task_is_404(personas: dict[str, User], client: Client) -> None:
    run = TaskRun.objects.create(created_by=personas["auditor"], kind="k", title="t")
    client.force_login(personas["leader"])
    assert client.get(reverse("core:task_progress", args=[run.pk])).status_code == 404
    client.force_login(personas["auditor"])
    assert client.get(reverse("core:task_progress", args=[run.pk])).status_code == 200


def test_export_with_unreadable_filters_is_refused_not_widened(personas: dict[str, User],
                                                                client: Client) -> None:
    client.force_login(personas["auditor"])
    response = client.post(reverse("core:audit_export"), {"date_from": "2026-13-45"},
                           follow=True)
    assert "筛选条件有误，未导出" in response.content.decode()
    assert not TaskRun.objects.exists()


def test_keepalive_extends_the_session_cheaply(personas: dict[str, User], client: Client) -> None:
    client.force_login(personas["leader"])
    assert client.get(reverse("core:keepalive")).status_code == 204


# ---------------------------------------------------------------- issue 16 §1 / 17 §3–4

def _queries_that_write(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"] for q in queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_polling_a_task_writes_nothing_not_even_the_session(
        personas: dict[str, User], client: Client) -> None:
    run = TaskRun.objects.create(created_by=personas["auditor"], kind="k", title="t",
                                 status=TaskStatus.RUNNING, total=10, done=3)
    client.force_login(personas["auditor"])
    url = reverse("core:task_progress", args=[run.pk])
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False), \
            CaptureQueriesContext(connection) as queries:
        polled = client.get(url, HTTP_ACCEPT="application/json").json()
    assert polled["percent"] == 30 and polled["status_label"] == "进行中"
    assert _queries_that_write(queries.captured_queries) == []


def test_idle_timeout_still_slides_with_page_views_but_not_with_polls(
        personas: dict[str, User], client: Client) -> None:
    run = TaskRun.objects.create(created_by=personas["auditor"], kind="k", title="t")
    client.force_login(personas["auditor"])
    client.get(reverse("core:home"))
    session = Session.objects.get()
    first_expiry = session.expire_date
    url = reverse("core:task_progress", args=[run.pk])
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        client.get(url, HTTP_ACCEPT="application/json")
        assert Session.objects.get().expire_date == first_expiry  # a poll is not activity
        client.get(url)  # opening the page is
        assert Session.objects.get().expire_date >= first_expiry + timedelta(minutes=10)
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=20), tick=False), \
            CaptureQueriesContext(connection) as queries:
        client.get(url)  # within the minute: no second write
    assert not any("django_session" in sql for sql in
                   _queries_that_write(queries.captured_queries))
    with time_machine.travel(timezone.now() + timedelta(minutes=45), tick=False):
        # 35 idle minutes after the last page view: signed out, polls or not.
        response = client.get(reverse("core:home"))
    assert response.status_code == 302 and "/login/" in response.url


def test_task_page_warns_when_no_worker_is_running(personas: dict[str, User],
                                                   client: Client) -> None:
    run = TaskRun.objects.create(created_by=personas["auditor"], kind="k", title="t")
    client.force_login(personas["auditor"])
    url = reverse("core:task_progress", args=[run.pk])
    page = client.get(url).content.decode()
    assert "无后台任务进程运行" in page and 'data-task-no-worker hidden' not in page
    assert client.get(url, HTTP_ACCEPT="application/json").json()["no_worker"] is True

    taskruns.task_worker_register(worker_id="this-process")  # alive: it is us
    page = client.get(url).content.decode()
    assert 'data-task-no-worker hidden' in page
    assert client.get(url, HTTP_ACCEPT="application/json").json()["no_worker"] is False


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_job_whose_worker_is_gone_is_interrupted_and_reruns(
        personas: dict[str, User], client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(personas["auditor"])
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(reverse("core:audit_export"), {}).url.rstrip("/").split("/")[-1]
    run = TaskRun.objects.get(pk=run_id)
    assert run.task_path == "canlian.core.tasks.run_audit_export"
    gone = TaskWorker.objects.create(id="gone", host=taskruns.HOST, pid=_dead_pid())
    # As if that worker had been killed while running it.
    TaskRun.objects.filter(pk=run.pk).update(status=TaskStatus.RUNNING, worker=gone,
                                             done=1, total=5, result_file="")
    url = reverse("core:task_progress", args=[run.pk])

    polled = client.get(url, HTTP_ACCEPT="application/json").json()
    assert (polled["status"], polled["status_label"], polled["retryable"]) == (
        "interrupted", "中断", True)
    page = client.get(url).content.decode()
    assert "后台任务进程在处理时停止" in page and "重新运行" in page

    assert taskruns.task_runs_reap() == 1
    run.refresh_from_db()
    assert run.status == TaskStatus.INTERRUPTED and run.finished_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:task_retry", args=[run.pk]), follow=True)
    assert "任务已重新排队" in response.content.decode()
    run.refresh_from_db()
    assert (run.status, run.attempts, run.percent) == (TaskStatus.SUCCEEDED, 2, 100)
    assert AuditEvent.objects.filter(object_id=str(run.pk),
                                     summary__startswith="重新运行后台任务").exists()


def test_only_failed_or_interrupted_jobs_can_be_rerun(personas: dict[str, User],
                                                      client: Client) -> None:
    run = TaskRun.objects.create(created_by=personas["auditor"], kind="k", title="t",
                                 status=TaskStatus.SUCCEEDED,
                                 task_path="canlian.core.tasks.run_audit_export")
    client.force_login(personas["auditor"])
    response = client.post(reverse("core:task_retry", args=[run.pk]), follow=True)
    assert "只有失败或中断的任务可以重新运行" in response.content.decode()
    client.force_login(personas["leader"])
    assert client.post(reverse("core:task_retry", args=[run.pk])).status_code == 404


def test_cleanup_removes_files_of_finished_and_abandoned_jobs(
        personas: dict[str, User], settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    imports, exports = tmp_path / "imports", tmp_path / "exports"
    imports.mkdir()
    exports.mkdir()
    now = timezone.now()
    old = now - timedelta(days=10)
    actor = personas["county_staff"]

    def run(status: str, *, finished: Any = None, upload: str = "", export: bool = False,
            result: bool = False) -> TaskRun:
        params = {"path": str(imports / upload)} if upload else {}
        if upload:
            (imports / upload).write_text("x")
        task = TaskRun.objects.create(created_by=actor, kind="k", title="t", status=status,
                                      finished_at=finished, params=params)
        if export:
            (exports / f"{task.pk}.xlsx").write_text("x")
            if result:
                task.result_file = str(exports / f"{task.pk}.xlsx")
                task.save()
        return task

    queued = run(TaskStatus.QUEUED, upload="queued", export=True)
    done_import = run(TaskStatus.SUCCEEDED, finished=now, upload="done")
    interrupted = run(TaskStatus.INTERRUPTED, finished=now, upload="interrupted", export=True)
    stale_failed = run(TaskStatus.FAILED, finished=old, upload="stale")
    fresh_export = run(TaskStatus.SUCCEEDED, finished=now, export=True, result=True)
    old_export = run(TaskStatus.SUCCEEDED, finished=old, export=True, result=True)
    (imports / "abandoned").write_text("x")
    os.utime(imports / "abandoned", (old.timestamp(), old.timestamp()))

    removed = taskfiles.task_files_clean(now=now)

    assert sorted(p.name for p in imports.iterdir()) == ["interrupted", "queued"]
    assert sorted(p.name for p in exports.iterdir()) == sorted(
        [f"{queued.pk}.xlsx", f"{fresh_export.pk}.xlsx"])
    assert removed == {"imports": 3, "exports": 2}
    old_export.refresh_from_db()
    assert old_export.result_file == "" and old_export.files_removed_at == now
    assert done_import and interrupted and stale_failed
    client = Client()
    client.force_login(actor)
    page = client.get(reverse("core:task_progress", args=[old_export.pk])).content.decode()
    assert "按保留期限清理" in page
    assert client.get(reverse("core:task_download", args=[old_export.pk])).status_code == 404
