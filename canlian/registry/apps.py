from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "canlian.registry"
    label = "registry"
    verbose_name = "残疾人人口基础库"

    def ready(self) -> None:
        from canlian.core.workbench import register_todo_provider
        from canlian.registry.panels import registry_todos

        register_todo_provider(registry_todos)
