"""Progress records for background work (DESIGN.md "Heavy work"; docs/operations.md "Background
tasks").

A page creates a TaskRun and enqueues the task on commit; the task reports progress here and the
page polls it. The task body is a service, so tests call it directly.

What keeps this working on SQLite while people use the site:
- No write here ever runs while the writing connection holds a read open (exports read in
  chunks, canlian.core.exports), and every write is one short statement retried while the
  database is locked; progress is best effort and never fails a task.
- In a worker (`manage.py task_worker`) a heartbeat thread, on its own connection, writes the
  progress the task reported and the lease (`heartbeat_at`) of the job it runs.
- A job whose worker vanished (kill -9, machine restart) is shown as interrupted at once by the
  page (which writes nothing) and marked so by the next worker's reaper; it can be rerun.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import (
    ACTIVE_TASK_STATUSES,
    RETRYABLE_TASK_STATUSES,
    AuditAction,
    TaskRun,
    TaskStatus,
    TaskWorker,
    User,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

HOST = socket.gethostname()
INTERRUPTED_MESSAGE = ("后台任务进程在处理时停止（进程被终止或服务器重启），任务没有完成。"
                       "可以选择“重新运行”。")
UNFINISHED_MESSAGE = "任务出错，没有完成。请稍后重新运行；如仍失败请联系系统管理员。"


def _heartbeat_seconds() -> float:
    return float(getattr(settings, "TASK_HEARTBEAT_SECONDS", 5))


def _lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "TASK_LEASE_SECONDS", 90)))


# ---------------------------------------------------------------- writes that wait for the lock

def is_locked_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


def retry_locked(write: Callable[[], T], *, attempts: int = 6, pause: float = 0.5) -> T:
    """Run one short write, again while SQLite says the database is locked (a page's write
    holds it for milliseconds). Inside a transaction a retry cannot help, so it raises."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except OperationalError as exc:
            if not is_locked_error(exc) or attempt == attempts or connection.in_atomic_block:
                raise
            log.warning("database locked, retrying a task record write (%d/%d)", attempt,
                        attempts)
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- the job's own records

def task_run_create(
    *, actor: User, kind: str, title: str, params: dict[str, Any], enqueue: Callable[[str], Any]
) -> TaskRun:
    """Record the job and hand it to the queue once the surrounding transaction commits."""
    run = TaskRun.objects.create(created_by=actor, kind=kind, title=title, params=params)

    def hand_over() -> None:
        result = enqueue(str(run.pk))
        task = getattr(result, "task", None)
        path = getattr(task, "module_path", "")
        if path:  # what a retry enqueues again
            TaskRun.objects.filter(pk=run.pk, task_path="").update(task_path=path)

    transaction.on_commit(hand_over)
    return run


def task_run_started(run: TaskRun, *, total: int) -> None:
    run.status, run.started_at, run.total, run.done = TaskStatus.RUNNING, timezone.now(), total, 0
    _progress_forget(run)
    retry_locked(lambda: TaskRun.objects.filter(pk=run.pk).update(
        status=run.status, started_at=run.started_at, total=total, done=0))


def task_run_progress(run: TaskRun, *, done: int) -> None:
    """Best effort: a worker's heartbeat thread writes it; without one, one short write. A
    progress figure that cannot be written now is skipped, never an error."""
    run.done = done
    if _heartbeat_running():
        with _progress_lock:
            _progress[str(run.pk)] = done
        return
    try:
        retry_locked(lambda: TaskRun.objects.filter(pk=run.pk).update(done=done), attempts=3)
    except OperationalError:
        log.warning("progress of task %s not recorded (database busy)", run.pk)


def task_run_succeeded(run: TaskRun, *, message: str, result_file: str = "",
                       result_name: str = "", result: dict[str, Any] | None = None,
                       result_url: str = "", result_label: str = "") -> None:
    """The job did its work. `result_url`/`result_label` link to what it made (a run's page,
    the list it changed); `result_file` is offered for download."""
    _finish(run, status=TaskStatus.SUCCEEDED, message=message, result_file=result_file,
            result_name=result_name, result=result, result_url=result_url,
            result_label=result_label)


def task_run_rejected(run: TaskRun, *, message: str, result_file: str = "",
                      result_name: str = "", result: dict[str, Any] | None = None,
                      result_url: str = "", result_label: str = "") -> None:
    """The job ran but refused its input and changed nothing (an import with errors): shown as
    未通过检查, never as 已完成 100 %."""
    _finish(run, status=TaskStatus.REJECTED, message=message, result_file=result_file,
            result_name=result_name, result=result, result_url=result_url,
            result_label=result_label)


def _finish(run: TaskRun, *, status: str, message: str, result_file: str, result_name: str,
            result: dict[str, Any] | None, result_url: str, result_label: str) -> None:
    run.status, run.finished_at, run.message = status, timezone.now(), message
    if status == TaskStatus.SUCCEEDED:
        run.done = run.total
    run.result_file, run.result_name = result_file, result_name
    run.result_url, run.result_label = result_url, result_label
    run.result = result or {}
    _progress_forget(run)
    retry_locked(lambda: run.save(update_fields=[
        "status", "finished_at", "done", "message", "result_file", "result_name", "result",
        "result_url", "result_label"]))


def task_run_failed(run: TaskRun, *, message: str) -> None:
    # The message is shown to the user; exception text may carry personal data, so it only
    # goes to the log with the task id, never the row.
    log.exception("task %s (%s) failed", run.pk, run.kind)
    run.status, run.finished_at, run.message = TaskStatus.FAILED, timezone.now(), message
    _progress_forget(run)
    retry_locked(lambda: TaskRun.objects.filter(pk=run.pk).update(
        status=run.status, finished_at=run.finished_at, message=message), attempts=10)


# ---------------------------------------------------------------- workers and their lease

def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _proc_stat(pid: int) -> list[str] | None:
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return data[data.rindex(")") + 2:].split()  # fields 3… (the name may hold spaces)


def process_key(pid: int) -> str:
    """Boot id and start time of a process: a pid reused after a restart has another key."""
    fields = _proc_stat(pid)
    return f"{_boot_id()}:{fields[19]}" if fields else ""


def process_alive(pid: int, key: str) -> bool:
    if not Path("/proc").is_dir():  # not Linux: no start time to compare
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    fields = _proc_stat(pid)
    if fields is None or fields[0] in ("Z", "X"):  # gone, or killed and not yet reaped
        return False
    return not key or process_key(pid) == key


def worker_alive(worker: TaskWorker, *, now: datetime | None = None) -> bool:
    """On this machine the process itself answers; elsewhere, the heartbeat within the lease."""
    if worker.stopped_at is not None:
        return False
    if worker.host == HOST:
        return process_alive(worker.pid, worker.process_key)
    return worker.seen_at >= (now or timezone.now()) - _lease()


def workers_alive(*, now: datetime | None = None) -> bool:
    """Whether any task worker is running (the page warns when none has been seen)."""
    now = now or timezone.now()
    recent = TaskWorker.objects.filter(stopped_at__isnull=True,
                                       seen_at__gte=now - timedelta(days=1))
    return any(worker_alive(w, now=now) for w in recent)


def task_run_orphaned(run: TaskRun, *, now: datetime | None = None) -> bool:
    """A job held by a worker that is gone: it will never finish by itself."""
    return (run.status in ACTIVE_TASK_STATUSES and run.worker_id is not None
            and run.worker is not None and not worker_alive(run.worker, now=now))


def task_run_view(run: TaskRun) -> dict[str, Any]:
    """What the progress page shows; reads only (polls must not write)."""
    orphaned = task_run_orphaned(run)
    status = TaskStatus.INTERRUPTED if orphaned else TaskStatus(run.status)
    finished = status not in ACTIVE_TASK_STATUSES
    no_worker = not finished and not workers_alive()
    return {
        "status": status.value, "status_label": status.label,
        "message": INTERRUPTED_MESSAGE if orphaned else run.message,
        "finished": finished, "percent": run.percent, "done": run.done, "total": run.total,
        "retryable": status in RETRYABLE_TASK_STATUSES and bool(run.task_path),
        "no_worker": no_worker,
    }


def task_worker_register(*, worker_id: str) -> TaskWorker:
    pid = os.getpid()
    return retry_locked(lambda: TaskWorker.objects.create(
        id=worker_id, host=HOST, pid=pid, process_key=process_key(pid)))


def task_worker_stopped(worker: TaskWorker) -> None:
    retry_locked(lambda: TaskWorker.objects.filter(pk=worker.pk).update(
        stopped_at=timezone.now()))


def task_run_claimed(*, run_id: str, worker: TaskWorker, task_path: str) -> None:
    """The worker took the job: the lease starts now (before the job reports its start)."""
    retry_locked(lambda: TaskRun.objects.filter(pk=run_id, status__in=ACTIVE_TASK_STATUSES)
                 .update(worker=worker, heartbeat_at=timezone.now(), task_path=task_path))


def task_run_ensure_finished(*, run_id: str, failed: bool) -> None:
    """After the job returned or raised: a job that did not record its end (it raised before
    its own handler, or forgot) is marked failed, so nobody waits for it."""
    retry_locked(lambda: TaskRun.objects.filter(pk=run_id, status__in=ACTIVE_TASK_STATUSES)
                 .update(status=TaskStatus.FAILED, finished_at=timezone.now(),
                         message=UNFINISHED_MESSAGE), attempts=10)
    if failed:
        log.warning("task %s raised; recorded as failed", run_id)


def task_runs_reap(*, now: datetime | None = None) -> int:
    """Mark the jobs of vanished workers interrupted (and the queue's own record of them
    failed). Run by every worker at start and then every few seconds."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    now = now or timezone.now()
    held = TaskRun.objects.filter(status__in=ACTIVE_TASK_STATUSES,
                                  worker__isnull=False).select_related("worker")
    dead_workers: set[str] = set()
    count = 0
    for run in held:
        assert run.worker is not None
        if worker_alive(run.worker, now=now):
            continue
        dead_workers.add(run.worker.pk)
        count += retry_locked(lambda run=run: TaskRun.objects.filter(
            pk=run.pk, status__in=ACTIVE_TASK_STATUSES, worker_id=run.worker_id).update(
            status=TaskStatus.INTERRUPTED, finished_at=now, message=INTERRUPTED_MESSAGE))
        log.warning("task %s (%s) interrupted: its worker %s is gone", run.pk, run.kind,
                    run.worker_id)
    for worker_id in dead_workers:
        retry_locked(lambda worker_id=worker_id: TaskWorker.objects.filter(
            pk=worker_id, stopped_at__isnull=True).update(stopped_at=now))
    if dead_workers:
        for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
            if result.worker_ids and result.worker_ids[-1] in dead_workers:
                retry_locked(lambda result=result: DBTaskResult.objects.filter(
                    pk=result.pk, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.FAILED, finished_at=now,
                    exception_class_path="canlian.core.taskruns.WorkerVanished",
                    traceback="worker process vanished"))
    return count


def task_run_retry(*, actor: User, run: TaskRun) -> TaskRun:
    """Run a failed or interrupted job again, as the same record (same page, same params)."""
    interrupted = task_run_orphaned(run)
    if not (run.status in RETRYABLE_TASK_STATUSES or interrupted) or not run.task_path:
        raise DomainError("task_not_retryable", "只有失败或中断的任务可以重新运行。")
    path = (run.params or {}).get("path")
    if path and not Path(path).exists():
        raise DomainError("task_input_gone",
                          "原上传文件已清理，无法重新运行。请重新上传文件。")
    task = import_string(run.task_path)
    allowed = [*RETRYABLE_TASK_STATUSES, *(ACTIVE_TASK_STATUSES if interrupted else ())]
    with transaction.atomic():
        updated = TaskRun.objects.filter(pk=run.pk, status__in=allowed,
                                         worker_id=run.worker_id).update(
            status=TaskStatus.QUEUED, started_at=None, finished_at=None, done=0, total=0,
            message="", result={}, result_file="", result_name="", result_url="",
            result_label="", worker=None, heartbeat_at=None, attempts=F("attempts") + 1)
        if not updated:
            raise DomainError("task_not_retryable", "该任务的状态已变化，请刷新页面。")
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=run,
                           region_code=actor.region_id,
                           summary=f"重新运行后台任务：{run.title}"[:200])
        transaction.on_commit(lambda: task.enqueue(str(run.pk)))
    run.refresh_from_db()
    return run


# ---------------------------------------------------------------- the heartbeat thread

_progress: dict[str, int] = {}
_progress_lock = threading.Lock()
_heartbeat: Heartbeat | None = None


def _heartbeat_running() -> bool:
    return _heartbeat is not None and _heartbeat.is_alive()


def _progress_forget(run: TaskRun) -> None:
    with _progress_lock:
        _progress.pop(str(run.pk), None)


class Heartbeat(threading.Thread):
    """Writes, on its own database connection: the worker's `seen_at`, the running job's
    lease and the progress the job reported; and runs the reaper and the file cleanup. A write
    that fails (database busy) is tried again on the next beat; nothing here stops the worker."""

    def __init__(self, worker: TaskWorker, *, maintenance: Callable[[], None]) -> None:
        super().__init__(name="canlian-heartbeat", daemon=True)
        self.worker = worker
        self.current: str | None = None
        self.maintenance = maintenance
        self._stop_event = threading.Event()
        self._flushed: tuple[str, int] | None = None

    def start(self) -> None:
        global _heartbeat
        _heartbeat = self
        super().start()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        interval = _heartbeat_seconds()
        tick = min(1.0, interval)
        last_beat = last_maintenance = 0.0
        try:
            while not self._stop_event.wait(tick):
                clock = time.monotonic()
                self._guarded(self.flush_progress)
                if clock - last_beat >= interval:
                    self._guarded(self.beat)
                    last_beat = clock
                if clock - last_maintenance >= 3 * interval:
                    self._guarded(self.maintenance)
                    last_maintenance = clock
        finally:
            connection.close()

    @staticmethod
    def _guarded(step: Callable[[], None]) -> None:
        try:
            step()
        except Exception:
            log.warning("task worker heartbeat: %s not done this time", step.__name__,
                        exc_info=True)
            connection.close()  # a fresh connection next time

    def beat(self) -> None:
        now = timezone.now()
        TaskWorker.objects.filter(pk=self.worker.pk).update(seen_at=now)
        run_id = self.current
        if run_id:
            TaskRun.objects.filter(pk=run_id, status__in=ACTIVE_TASK_STATUSES).update(
                heartbeat_at=now)

    def flush_progress(self) -> None:
        run_id = self.current
        if not run_id:
            return
        with _progress_lock:
            done = _progress.get(run_id)
        if done is None or self._flushed == (run_id, done):
            return
        TaskRun.objects.filter(pk=run_id, status=TaskStatus.RUNNING).update(
            done=done, heartbeat_at=timezone.now())
        self._flushed = (run_id, done)
