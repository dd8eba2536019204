from __future__ import annotations

from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "canlian.benefits"
    label = "benefits"
    verbose_name = "政策与补贴"
