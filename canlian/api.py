"""The versioned JSON API: every app's router under /api/v1/, one OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI

from canlian.appraisals.api import router as appraisals_router
from canlian.benefits.api import router as benefits_router
from canlian.cases.api import router as cases_router
from canlian.certificates.api import router as certificates_router
from canlian.core.api import router as core_router
from canlian.core.api_auth import API_AUTH
from canlian.crosscheck.api import router as crosscheck_router
from canlian.organizations.api import router as organizations_router
from canlian.registry.api import router as registry_router

# Answers every operation can give, declared once so that clients (and schemathesis) know them.
COMMON_RESPONSES = {
    "400": {"description": "请求体不是有效的 JSON"},
    "401": {"description": "未登录或接口令牌无效"},
    "403": {"description": "您的角色无权访问此接口"},
    "422": {"description": "请求参数格式有误"},
}


class CanlianAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for code, response in COMMON_RESPONSES.items():
                    operation["responses"].setdefault(code, response)
        return schema


# docs_url=None: the interactive docs page loads its scripts from a CDN, which government
# intranets cannot reach; the schema itself is at /api/v1/openapi.json.
api = CanlianAPI(title="智慧残联综合服务平台 API", version="1", auth=API_AUTH, docs_url=None,
               urls_namespace="api")
api.add_router("/", core_router)
api.add_router("/", registry_router)
api.add_router("/", certificates_router)
api.add_router("/", benefits_router)
api.add_router("/", organizations_router)
api.add_router("/", cases_router)
api.add_router("/", appraisals_router)
api.add_router("/", crosscheck_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "没有找到该对象。"}, status=404)
