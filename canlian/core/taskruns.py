"""Progress records for background work (DESIGN.md "Heavy work").

A page creates a TaskRun and enqueues the task on commit; the task reports progress here and the
page polls it. The task body is a service, so tests call it directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from canlian.core.models import TaskRun, TaskStatus, User

log = logging.getLogger(__name__)


def task_run_create(
    *, actor: User, kind: str, title: str, params: dict[str, Any], enqueue: Callable[[str], Any]
) -> TaskRun:
    """Record the job and hand it to the queue once the surrounding transaction commits."""
    run = TaskRun.objects.create(created_by=actor, kind=kind, title=title, params=params)
    transaction.on_commit(lambda: enqueue(str(run.pk)))
    return run


def task_run_started(run: TaskRun, *, total: int) -> None:
    run.status, run.started_at, run.total, run.done = TaskStatus.RUNNING, timezone.now(), total, 0
    run.save(update_fields=["status", "started_at", "total", "done"])


def task_run_progress(run: TaskRun, *, done: int) -> None:
    run.done = done
    TaskRun.objects.filter(pk=run.pk).update(done=done)


def task_run_succeeded(run: TaskRun, *, message: str, result_file: str = "",
                       result_name: str = "", result: dict[str, Any] | None = None) -> None:
    run.status, run.finished_at, run.done = TaskStatus.SUCCEEDED, timezone.now(), run.total
    run.message, run.result_file, run.result_name = message, result_file, result_name
    run.result = result or {}
    run.save(update_fields=["status", "finished_at", "done", "message", "result_file",
                            "result_name", "result"])


def task_run_failed(run: TaskRun, *, message: str) -> None:
    # The message is shown to the user; exception text may carry personal data, so it only
    # goes to the log with the task id, never the row.
    log.exception("task %s (%s) failed", run.pk, run.kind)
    run.status, run.finished_at, run.message = TaskStatus.FAILED, timezone.now(), message
    run.save(update_fields=["status", "finished_at", "message"])
