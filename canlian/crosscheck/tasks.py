"""Background tasks of cross-checks: load by id, call the job."""

from __future__ import annotations

from django_tasks import task

from canlian.crosscheck.jobs import confirm_class_run, dataset_import_run, findings_export_run


@task()
def run_dataset_import(task_run_id: str) -> None:
    dataset_import_run(task_run_id=task_run_id)


@task()
def run_findings_export(task_run_id: str) -> None:
    findings_export_run(task_run_id=task_run_id)


@task()
def run_confirm_class(task_run_id: str) -> None:
    confirm_class_run(task_run_id=task_run_id)
