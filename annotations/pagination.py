from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


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
