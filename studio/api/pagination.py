from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Stable pages over changing data: newest first, by primary key (unique and increasing)."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200
