"""Cleaning the files background jobs leave behind (docs/operations.md "Background tasks").

Uploaded import files and generated exports hold personal data, so they must not pile up. A
job's own `finally` cannot be relied on (kill -9, a restart); this sweep can: every task worker
runs it at start and then periodically, and `manage.py task_files_clean` runs it by hand.

- imports/: kept while the job is queued or running, and for `TASK_RETRY_KEEP_DAYS` after it
  failed or was interrupted (so it can be rerun); removed once the job finished; an upload no
  job refers to is removed after a day.
- exports/: a finished job's file is kept `TASK_EXPORT_KEEP_DAYS` for download, then removed
  (the page then says so); the partial file of a failed or interrupted job is removed at once;
  files of no job (other exports) after `TASK_EXPORT_KEEP_DAYS`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from canlian.core.models import ACTIVE_TASK_STATUSES, RETRYABLE_TASK_STATUSES, TaskRun
from canlian.core.taskruns import retry_locked

log = logging.getLogger(__name__)
ORPHAN_UPLOAD_AGE = timedelta(days=1)


def _days(name: str, default: int) -> timedelta:
    return timedelta(days=int(getattr(settings, name, default)))


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone())


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def task_files_clean(*, now: datetime | None = None) -> dict[str, int]:
    """Remove the files whose time is up; returns how many of each kind went."""
    now = now or timezone.now()
    media = Path(settings.MEDIA_ROOT)
    export_keep = _days("TASK_EXPORT_KEEP_DAYS", 7)
    retry_keep = _days("TASK_RETRY_KEEP_DAYS", 3)
    removed = {"imports": 0, "exports": 0}

    uploads = _files(media / "imports")
    runs = {str(r.params.get("path")): r
            for r in TaskRun.objects.filter(params__path__in=[str(p) for p in uploads])}
    for path in uploads:
        run = runs.get(str(path))
        if run is None:
            due = _mtime(path) < now - ORPHAN_UPLOAD_AGE
        elif run.status in ACTIVE_TASK_STATUSES:
            due = False
        elif run.status in RETRYABLE_TASK_STATUSES:
            due = (run.finished_at or run.created_at) < now - retry_keep
        else:
            due = True
        if due and _remove(path):
            removed["imports"] += 1

    exports = _files(media / "exports")
    ids = {}
    for path in exports:
        try:
            ids[path] = uuid.UUID(path.stem)
        except ValueError:
            continue
    by_id = {r.pk: r for r in TaskRun.objects.filter(pk__in=list(ids.values()))}
    expired: list[uuid.UUID] = []
    for path in exports:
        run = by_id.get(ids.get(path))  # type: ignore[arg-type]
        if run is None:
            due = _mtime(path) < now - export_keep
        elif run.status in ACTIVE_TASK_STATUSES:
            due = False
        elif run.status in RETRYABLE_TASK_STATUSES or not run.result_file:
            due = True  # a partial file nobody can download
        else:
            due = (run.finished_at or run.created_at) < now - export_keep
            if due:
                expired.append(run.pk)
        if due and _remove(path):
            removed["exports"] += 1
    if expired:
        retry_locked(lambda: TaskRun.objects.filter(pk__in=expired).update(
            result_file="", files_removed_at=now))
    if any(removed.values()):
        log.info("task files cleaned: %s imports, %s exports", removed["imports"],
                 removed["exports"])
    return removed
