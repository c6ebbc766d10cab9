"""``{% frontend_assets %}``: the <link> and <script> tags of the bundle built into frontend/dist.

The build (``cd frontend && npm run build``) writes content-hashed files and a manifest naming
them; this tag reads the manifest (again only when it changes) so templates never hard-code a hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

MANIFEST = Path(settings.BASE_DIR) / "frontend" / "dist" / "workbench" / "manifest.json"
BUILD_HINT = "The frontend is not built: run `cd frontend && npm ci && npm run build`."


@dataclass(frozen=True, slots=True)
class Assets:
    js: str
    css: str


_cache: dict[str, object] = {"mtime": None, "assets": None}


def _url(name: str) -> str:
    try:
        return static(name)
    except ValueError:
        # Hashed storage without `collectstatic` (e.g. tests run with DJANGO_DEBUG=false): the
        # finders still serve the file under its own name.
        return f"{settings.STATIC_URL.rstrip('/')}/{name}"


def assets() -> Assets | None:
    """URLs of the built bundle, or None when the frontend has not been built."""
    try:
        mtime = MANIFEST.stat().st_mtime
    except FileNotFoundError:
        return None
    if _cache["mtime"] != mtime:
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
        _cache["assets"] = Assets(js=_url(manifest["app.js"]), css=_url(manifest["app.css"]))
        _cache["mtime"] = mtime
    return _cache["assets"]  # type: ignore[return-value]


@register.simple_tag
def frontend_assets() -> str:
    found = assets()
    if found is None:
        return format_html('<meta name="workbench-build" content="{}">', BUILD_HINT)
    return format_html(
        '<link rel="stylesheet" href="{}">\n<script type="module" src="{}"></script>',
        found.css,
        found.js,
    )


@register.simple_tag
def frontend_missing() -> str:
    """The build hint when the bundle is missing, else an empty string."""
    return "" if assets() is not None else BUILD_HINT
