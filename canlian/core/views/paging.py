"""Pagination shared by list pages: a fixed page size and links that keep the filters."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, items: QuerySet[Any], size: int = 50) -> dict[str, Any]:
    """Context for `core/includes/pagination.html`: the page and the filter query string."""
    query = request.GET.copy()
    query.pop("page", None)
    page: Page = Paginator(items, size).get_page(request.GET.get("page"))
    return {"page": page, "query": query.urlencode()}
