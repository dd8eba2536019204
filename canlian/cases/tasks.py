"""Background tasks of visits and cases: thin wrappers around the services."""

from __future__ import annotations

from django_tasks import task

from canlian.cases.reminders import cases_deadline_run


@task()
def run_case_deadlines() -> dict[str, int]:
    """The daily deadline check (reminders and 督办); enqueued by `manage.py case_deadlines`."""
    run = cases_deadline_run()
    return {"escalated": run.escalated, "reminded": run.reminded}
