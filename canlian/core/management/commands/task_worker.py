"""manage.py task_worker — the background task worker (use it instead of `db_worker`).

django-tasks-db's worker, plus what running a county needs (docs/operations.md "Background
tasks"): a heartbeat and a lease per running job, so a job whose worker vanished is shown as
interrupted and can be rerun; a reaper that marks such jobs at start and then every few seconds;
the periodic cleanup of import and export files; and a loop that survives a busy or briefly
unavailable database instead of exiting (issue 16 §1: one "database is locked" used to end the
worker and leave every later job queued forever).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from django.db import DatabaseError, close_old_connections
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from canlian.core import taskfiles, taskruns
from canlian.core.models import TaskWorker

logger = logging.getLogger("canlian.core.task_worker")
CLEANUP_EVERY_SECONDS = 3600


def _task_run_id(db_task_result: DBTaskResult) -> str | None:
    """Every job of ours takes its TaskRun id as the first argument."""
    args = (db_task_result.args_kwargs or {}).get("args") or []
    try:
        return str(uuid.UUID(str(args[0]))) if args else None
    except ValueError:
        return None


class CanlianWorker(Worker):
    def __init__(self, *, record: TaskWorker, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record = record
        self.heartbeat = taskruns.Heartbeat(record, maintenance=self.maintenance)
        self._last_cleanup = 0.0

    def maintenance(self) -> None:
        taskruns.task_runs_reap()
        if time.monotonic() - self._last_cleanup >= CLEANUP_EVERY_SECONDS:
            self._last_cleanup = time.monotonic()
            taskfiles.task_files_clean()

    def run(self) -> None:
        # Jobs of a worker that died before this one started are marked at once.
        try:
            self.maintenance()
        except DatabaseError:
            logger.warning("start-up maintenance failed; the heartbeat will retry", exc_info=True)
        self.heartbeat.start()
        while True:
            try:
                super().run()
                return
            except DatabaseError:
                if not self.running:
                    return
                logger.exception("database error in the worker loop; retrying in 5 seconds")
                close_old_connections()
                time.sleep(5)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """django-tasks-db's run_task, with the lease around it and the bookkeeping writes
        retried while the database is locked, so a job's failure never ends the worker."""
        run_id = _task_run_id(db_task_result)
        failed = False
        try:
            self.running_task = True
            if run_id:
                taskruns.task_run_claimed(run_id=run_id, worker=self.record,
                                          task_path=db_task_result.task_path)
                self.heartbeat.current = run_id
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                return_value = task.call(TaskContext(task_result=task_result),
                                         *task_result.args, **task_result.kwargs)
            else:
                return_value = task.call(*task_result.args, **task_result.kwargs)
            taskruns.retry_locked(lambda: db_task_result.set_successful(return_value))
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except BaseException as exc:  # the job's error is recorded; the worker carries on
            failed = True
            try:
                taskruns.retry_locked(lambda exc=exc: db_task_result.set_failed(exc), attempts=10)
            except DatabaseError:
                logger.exception("could not record the failure of task %s", db_task_result.id)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
        finally:
            self.heartbeat.current = None
            if run_id:
                try:
                    taskruns.task_run_ensure_finished(run_id=run_id, failed=failed)
                except DatabaseError:
                    logger.exception("could not close the record of task %s", run_id)
            self.running_task = False
            self._run_tasks += 1


class Command(DbWorkerCommand):
    help = "运行后台任务进程（心跳、中断检测与文件清理）。"

    def handle(self, *, verbosity: int, queue_name: str, interval: float, batch: bool,
               backend_name: str, startup_delay: bool, max_tasks: int | None, worker_id: str,
               exclude_queues: str, **options: Any) -> None:
        self.configure_logging(verbosity)
        record = taskruns.task_worker_register(worker_id=worker_id)
        worker = CanlianWorker(
            record=record, queue_names=queue_name.split(","), interval=interval, batch=batch,
            backend_name=backend_name, startup_delay=startup_delay, max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        logger.info("task worker %s started (pid %s)", worker_id, record.pid)
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.heartbeat.stop()
            try:
                taskruns.task_worker_stopped(record)
            except DatabaseError:
                logger.warning("could not record the worker's stop", exc_info=True)
