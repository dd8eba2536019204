"""Background tasks of the organisation system: load by id, call the job."""

from __future__ import annotations

from django_tasks import task

from canlian.organizations.jobs import coverage_export_run, holders_export_run


@task()
def run_coverage_export(task_run_id: str) -> None:
    coverage_export_run(task_run_id=task_run_id)


@task()
def run_holders_export(task_run_id: str) -> None:
    holders_export_run(task_run_id=task_run_id)
