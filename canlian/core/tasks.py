"""Background tasks of the core app: thin wrappers that load by id and call a service."""

from __future__ import annotations

from django_tasks import task

from canlian.core.exports import audit_export_run


@task()
def run_audit_export(task_run_id: str) -> None:
    audit_export_run(task_run_id=task_run_id)
