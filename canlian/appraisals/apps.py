from __future__ import annotations

from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "canlian.appraisals"
    label = "appraisals"
    verbose_name = "专职委员考核"

    def ready(self) -> None:
        from canlian.appraisals.selectors import appraisal_todos
        from canlian.core.workbench import register_todo_provider

        register_todo_provider(appraisal_todos)
