"""Browser helpers for the end-to-end tests. Offsets are computed here independently of the
frontend's own conversion code, so the tests check it rather than repeat it."""

from __future__ import annotations

from typing import Any

# Client coordinates of the left edge of the character at UTF-16 offset `start` and the right edge
# of the character ending at `end`, found by walking the text nodes of #doc-text.
_CHAR_EDGES_JS = """
([start, end]) => {
  const root = document.getElementById("doc-text");
  const locate = (target) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let seen = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (target < seen + node.length) return [node, target - seen];
      seen += node.length;
    }
    throw new Error("offset " + target + " is past the text");
  };
  const rectOf = (offset, fromEnd) => {
    const [node, at] = locate(offset);
    const code = node.data.charCodeAt(at);
    let from = at;
    let to = at + 1;
    if (code >= 0xdc00 && code <= 0xdfff && fromEnd) from = at - 1;
    if (code >= 0xd800 && code <= 0xdbff) to = at + 2;
    const range = document.createRange();
    range.setStart(node, from);
    range.setEnd(node, to);
    const rects = range.getClientRects();
    return rects[rects.length - 1];
  };
  locate(start)[0].parentElement.scrollIntoView({ block: "center" });
  const a = rectOf(start, false);
  const b = rectOf(end - 1, true);
  return { x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2 };
}
"""


def utf16(text: str, code_points: int) -> int:
    """UTF-16 offset of a code point offset (Python's own encoder, not the frontend's code)."""
    return len(text[:code_points].encode("utf-16-le")) // 2


def drag_select(page: Any, text: str, start: int, end: int, *, alt: bool = False) -> None:
    """Select ``text[start:end]`` (code points) with real mouse events: press on the left half of
    the first character, release on the right half of the last one."""
    edges = page.evaluate(_CHAR_EDGES_JS, [utf16(text, start), utf16(text, end)])
    if alt:
        page.keyboard.down("Alt")
    page.mouse.move(edges["x1"], edges["y1"])
    page.mouse.down()
    page.mouse.move((edges["x1"] + edges["x2"]) / 2, (edges["y1"] + edges["y2"]) / 2, steps=3)
    page.mouse.move(edges["x2"], edges["y2"], steps=5)
    page.mouse.up()
    if alt:
        page.keyboard.up("Alt")


def click_text(page: Any, text: str, at: int) -> None:
    """Click in the middle of the character at code point ``at``."""
    edges = page.evaluate(_CHAR_EDGES_JS, [utf16(text, at), utf16(text, at + 1)])
    page.mouse.click((edges["x1"] + edges["x2"]) / 2, edges["y1"])


def api_spans(page: Any, project_id: int, document_id: int) -> list[dict[str, Any]]:
    """The document's spans as the API returns them to the page's logged-in user."""
    response = page.request.get(f"/api/v1/projects/{project_id}/spans/?document={document_id}")
    assert response.ok, response.text()
    return response.json()["results"]


def wait_saved(page: Any) -> None:
    page.wait_for_selector("#save-state[data-state='saved']")
