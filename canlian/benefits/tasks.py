"""Background tasks of benefits: load by id, call the service."""

from __future__ import annotations

from django_tasks import task

from canlian.benefits.jobs import (
    eligibility_run_job,
    gap_export_job,
    payroll_bank_file_job,
    payroll_generate_job,
)


@task()
def run_eligibility(task_run_id: str) -> None:
    eligibility_run_job(task_run_id=task_run_id)


@task()
def run_bank_file(task_run_id: str) -> None:
    payroll_bank_file_job(task_run_id=task_run_id)


@task()
def run_gap_export(task_run_id: str) -> None:
    gap_export_job(task_run_id=task_run_id)


@task()
def run_payroll_generate(task_run_id: str) -> None:
    payroll_generate_job(task_run_id=task_run_id)
