from __future__ import annotations

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "canlian.certificates"
    label = "certificates"
    verbose_name = "证件办理"

    def ready(self) -> None:
        from canlian.certificates.panels import certificates_panel, certificates_todos
        from canlian.core.panels import register_person_panel
        from canlian.core.workbench import register_todo_provider

        register_person_panel(certificates_panel)
        register_todo_provider(certificates_todos)
