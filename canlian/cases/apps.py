from __future__ import annotations

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "canlian.cases"
    label = "cases"
    verbose_name = "走访与诉求"

    def ready(self) -> None:
        from canlian.cases.panels import cases_todos, visits_cases_panel
        from canlian.core.panels import register_person_panel
        from canlian.core.workbench import register_todo_provider

        register_person_panel(visits_cases_panel)
        register_todo_provider(cases_todos)
