from __future__ import annotations

from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "canlian.organizations"
    label = "organizations"
    verbose_name = "组织体系"
