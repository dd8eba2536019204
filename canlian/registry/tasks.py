"""Background tasks of the registry: load by id, call the job."""

from __future__ import annotations

from django_tasks import task

from canlian.registry.jobs import persons_export_run, persons_import_run


@task()
def run_persons_export(task_run_id: str) -> None:
    persons_export_run(task_run_id=task_run_id)


@task()
def run_persons_import(task_run_id: str) -> None:
    persons_import_run(task_run_id=task_run_id)
