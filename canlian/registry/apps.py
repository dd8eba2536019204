from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "canlian.registry"
    label = "registry"
    verbose_name = "残疾人人口基础库"
