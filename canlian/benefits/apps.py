from __future__ import annotations

from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "canlian.benefits"
    label = "benefits"
    verbose_name = "政策与补贴"

    def ready(self) -> None:
        from canlian.benefits.panels import benefits_panel
        from canlian.core.panels import register_person_panel

        register_person_panel(benefits_panel)
