"""Background work with progress (issue #2 §6): the audit-log export runs as a task, reports
progress, writes a real, watermarked XLSX and is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from canlian.core import services
from canlian.core.models import AuditAction, AuditEvent, TaskRun, TaskStatus, User


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
