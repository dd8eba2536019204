from __future__ import annotations

from django.urls import include, path

from canlian.api import api

# No django.contrib.admin: it would bypass jurisdiction scoping and the audit log.
urlpatterns = [
    path("api/v1/", api.urls),
    path("registry/", include("canlian.registry.urls")),
    path("certificates/", include("canlian.certificates.urls")),
    path("portal/", include("canlian.portal.urls")),
    path("benefits/", include("canlian.benefits.urls")),
    path("organizations/", include("canlian.organizations.urls")),
    path("cases/", include("canlian.cases.urls")),
    path("crosscheck/", include("canlian.crosscheck.urls")),
    path("appraisals/", include("canlian.appraisals.urls")),
    path("", include("canlian.core.urls")),
]
