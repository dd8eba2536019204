"""manage.py case_deadlines — the daily reminder and 督办 check of open cases.

Run it once a day (cron or a systemd timer); `--enqueue` hands it to the task worker instead of
running it in this process. Running it twice on a day changes nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from canlian.cases.reminders import cases_deadline_run
from canlian.cases.tasks import run_case_deadlines


class Command(BaseCommand):
    help = "检查诉求办理期限：临期提醒，逾期督办（每天运行一次）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            run_case_deadlines.enqueue()
            self.stdout.write("已提交后台任务：诉求期限检查")
            return
        run = cases_deadline_run()
        self.stdout.write(f"诉求期限检查：督办 {run.escalated} 件，提醒 {run.reminded} 件")
