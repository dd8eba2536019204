from __future__ import annotations

from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "canlian.benefits"
    label = "benefits"
    verbose_name = "政策与补贴"

    def ready(self) -> None:
        from canlian.benefits.panels import benefits_panel, benefits_todos, payroll_todos
        from canlian.core.panels import register_person_panel
        from canlian.core.workbench import register_todo_provider

        register_person_panel(benefits_panel)
        register_todo_provider(benefits_todos)
        register_todo_provider(payroll_todos)
