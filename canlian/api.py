"""The versioned JSON API: every app's router under /api/v1/, one OpenAPI schema."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI

from canlian.core.api import router as core_router
from canlian.core.api_auth import API_AUTH
from canlian.registry.api import router as registry_router

# docs_url=None: the interactive docs page loads its scripts from a CDN, which government
# intranets cannot reach; the schema itself is at /api/v1/openapi.json.
api = NinjaAPI(title="智慧残联综合服务平台 API", version="1", auth=API_AUTH, docs_url=None,
               urls_namespace="api")
api.add_router("/", core_router)
api.add_router("/", registry_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "没有找到该对象。"}, status=404)
