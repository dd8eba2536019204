from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "canlian.portal"
    label = "portal"
    verbose_name = "服务门户"
