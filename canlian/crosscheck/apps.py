from __future__ import annotations

from django.apps import AppConfig


class CrosscheckConfig(AppConfig):
    name = "canlian.crosscheck"
    label = "crosscheck"
    verbose_name = "数据比对"
