"""``POST /api/v1/markdown/``: how guidelines (or any Markdown) will look, rendered and sanitised
by the same function as the pages (``annotations.markdown.render_markdown``). The project form's
live preview calls it as the manager types; any signed-in user may (it reads and stores nothing).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.markdown import render_markdown
from annotations.serializers.markdown import MarkdownHtmlSerializer, MarkdownInputSerializer


class MarkdownPreviewView(APIView):
    """Render Markdown to sanitised HTML (the live preview of guidelines)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="markdown_render",
        request=MarkdownInputSerializer,
        responses={200: MarkdownHtmlSerializer},
    )
    def post(self, request: Request) -> Response:
        data = MarkdownInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        html = render_markdown(data.validated_data["text"])
        return Response(MarkdownHtmlSerializer({"html": html}).data)
