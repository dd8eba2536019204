"""Background tasks of the appraisal: load by id, call the job."""

from __future__ import annotations

from django_tasks import task

from canlian.appraisals.jobs import payment_list_export_run


@task()
def run_payment_list_export(task_run_id: str) -> None:
    payment_list_export_run(task_run_id=task_run_id)
