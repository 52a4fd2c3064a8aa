from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

from studio.api.parsers import INT64_MAX


class DefaultCursorPagination(CursorPagination):
    """Stable pages over changing data: newest first, by primary key (unique and increasing).

    A cursor is only ever one we handed out; anything else is a 400 naming ``cursor`` (never a
    404 for a page that cannot exist, nor a 500 from a position the key column cannot hold)."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_cursor_message = (
        "This cursor is not one this list handed out; start from the first page."
    )

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise self._invalid() from exc
        if cursor is not None and cursor.position is not None:
            try:
                position = int(cursor.position)
            except ValueError as exc:
                raise self._invalid() from exc
            if not 0 <= position <= INT64_MAX:
                raise self._invalid()
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def _invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
