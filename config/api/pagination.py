from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: stable while new rows arrive and as cheap at page 1,000 as at page 1."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-pk"
