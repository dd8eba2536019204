from __future__ import annotations

from django.apps import AppConfig


class CrosscheckConfig(AppConfig):
    name = "canlian.crosscheck"
    label = "crosscheck"
    verbose_name = "数据比对"

    def ready(self) -> None:
        from canlian.core.workbench import register_todo_provider
        from canlian.crosscheck.panels import crosscheck_todos

        register_todo_provider(crosscheck_todos)
