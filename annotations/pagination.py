from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.selectors.document_table import SEARCH_COUNT_LIMIT


class WorkbenchPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    # The schema's `page` is a number: DRF's `?page=last` is not offered.
    last_page_strings = ()

    def get_page_number(self, request: Request, paginator: Any) -> str | None:
        """``page`` if it is a whole number, else ``None``, which is no page (404): DRF's serves
        the first page for ``?page=`` and reads `` 2`` as 2."""
        raw = request.query_params.get(self.page_query_param, "1")
        return raw if raw.isascii() and raw.isdigit() else None

    def get_page_size(self, request: Request) -> int:
        """``page_size`` as the schema states it, a whole number from 1 (more than
        ``max_page_size`` is served as ``max_page_size``); anything else is a 400, where DRF's
        would silently serve the default size."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1  # page (a 404 below it) and page_size (a 400)
        return parameters


class DocumentTablePagination(WorkbenchPagination):
    """The documents table's pages (``selectors.document_table.DocumentTableIds``): a search's
    matches are counted up to a limit, and ``count_capped`` says when there are more."""

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        total = getattr(self.page.paginator.object_list, "total", None)
        response.data["count_capped"] = bool(total and total.capped)
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "A search matched more documents than `count` (a search counts "
            f"up to {SEARCH_COUNT_LIMIT:,}): refine it to page through them all.",
        }
        paginated["required"] = [*paginated.get("required", []), "count_capped"]
        return paginated
