from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "canlian.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.urls import register_converter

        from canlian.core.params import IdConverter

        register_converter(IdConverter, "id")  # bounded ids in every URL (issue 17 §10)
