from __future__ import annotations

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "canlian.certificates"
    label = "certificates"
    verbose_name = "证件办理"
