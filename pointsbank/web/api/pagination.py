"""Shared pagination for /api/v1 lists: the page arguments and the page answer (each page schema keeps its fields)."""

from __future__ import annotations

from pointsbank.paging import PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX, PageArgsSchema, page_of, page_of_query

__all__ = ["PAGE_MAX", "PER_PAGE_DEFAULT", "PER_PAGE_MAX", "PageArgsSchema", "page_of", "page_of_query"]
