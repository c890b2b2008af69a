"""Pagination shared by every list page: `?page=N`, about fifty rows a page, the total shown.

A page slices a query set (one COUNT and one LIMIT/OFFSET query) or a list already built with a bounded number
of queries; out-of-range or malformed page numbers fall back to the nearest page instead of an error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50

T = TypeVar("T")


def paginate(
    request: HttpRequest, items: Sequence[T] | QuerySet[Any], per_page: int = PAGE_SIZE
) -> Page[Any]:
    """The page named by `?page=` (first page when missing or not a number, last page when too high)."""
    paginator: Paginator[Any] = Paginator(items, per_page)
    return paginator.get_page(request.GET.get("page"))


def page_link(request: HttpRequest, number: int) -> str:
    """The current URL's query string with `page` set to `number` (other filters kept)."""
    query = request.GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


def pager_context(request: HttpRequest, page: Page[Any]) -> dict[str, Any]:
    """What `pages/_pager.html` shows: counts, and the previous/next links when there are such pages."""
    return {
        "page": page,
        "page_total": page.paginator.count,
        "page_previous": page_link(request, page.previous_page_number()) if page.has_previous() else "",
        "page_next": page_link(request, page.next_page_number()) if page.has_next() else "",
    }
