from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "canlian.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.urls import register_converter

        from canlian.core.params import IdConverter
        from canlian.core.selectors import account_request_todos
        from canlian.core.workbench import register_todo_provider

        register_converter(IdConverter, "id")  # bounded ids in every URL (issue 17 §10)
        register_todo_provider(account_request_todos)
