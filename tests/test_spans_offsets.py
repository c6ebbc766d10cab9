"""Offsets are Unicode code points: the pure conversions of ``annotations/spans.py``, and the API
storing spans around emoji, combining characters and non-breaking spaces so that
``document.text[start:end] == quote`` always holds."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations import spans
from annotations.models import Document, Span
from annotations.services.document_imports import import_path
from annotations.spans import check_offsets, codepoint_to_utf16_offset, utf16_to_codepoint_offset
from tests.factories import DocumentFactory, assign

GRINNING = "\U0001f600"  # 😀, outside the Basic Multilingual Plane: two UTF-16 units
FLAG_UA = "\U0001f1fa\U0001f1e6"  # 🇺🇦: two astral code points, one visible glyph


def _utf16_len(text: str) -> int:
    """Independent oracle: the number of UTF-16 code units, as a browser's ``length``."""
    return len(text.encode("utf-16-le")) // 2


# --- pure conversions ----------------------------------------------------------------------------


def test_surrogate_pair_counts_as_two_utf16_units_and_one_code_point():
    text = f"a{GRINNING}b"
    assert [codepoint_to_utf16_offset(text, i) for i in range(4)] == [0, 1, 3, 4]
    assert [utf16_to_codepoint_offset(text, u) for u in (0, 1, 3, 4)] == [0, 1, 2, 3]


@pytest.mark.parametrize("text", [f"a{GRINNING}b", f"a{GRINNING}", f"{GRINNING}"])
def test_utf16_offset_inside_a_surrogate_pair_is_refused(text):
    inside = text.index(GRINNING) + 1  # UTF-16 unit between the high and the low surrogate
    with pytest.raises(ValueError, match="surrogate pair"):
        utf16_to_codepoint_offset(text, inside)


def test_out_of_range_offsets_are_refused():
    text = f"{GRINNING}x"
    with pytest.raises(ValueError, match="past the end"):
        utf16_to_codepoint_offset(text, 4)
    with pytest.raises(ValueError, match=">= 0"):
        utf16_to_codepoint_offset(text, -1)
    with pytest.raises(ValueError, match="outside the text"):
        codepoint_to_utf16_offset(text, 3)
    with pytest.raises(ValueError, match="outside the text"):
        codepoint_to_utf16_offset(text, -1)


def test_bmp_text_has_identical_offsets():
    text = "Caf\u00e9 na\u00efve \u00a0 \u4e2d\u6587 e\u0301"  # accents, NBSP, CJK, combining
    for i in range(len(text) + 1):
        assert codepoint_to_utf16_offset(text, i) == i
        assert utf16_to_codepoint_offset(text, i) == i


def test_empty_text_has_only_offset_zero():
    assert codepoint_to_utf16_offset("", 0) == 0
    assert utf16_to_codepoint_offset("", 0) == 0
    with pytest.raises(ValueError):
        utf16_to_codepoint_offset("", 1)


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40), st.data())
def test_conversions_round_trip_and_match_utf16_encoding(text, data):
    offset = data.draw(st.integers(min_value=0, max_value=len(text)))
    units = codepoint_to_utf16_offset(text, offset)
    assert units == _utf16_len(text[:offset])
    assert utf16_to_codepoint_offset(text, units) == offset


def test_check_offsets_accepts_a_valid_span_and_its_quote():
    text = f"{GRINNING} said no"
    assert check_offsets(text, 2, 6, "said") == []
    assert check_offsets(text, 0, len(text)) == []


@pytest.mark.parametrize(
    ("start", "end", "quote", "fields"),
    [
        (-1, 3, None, {"start"}),
        (3, 3, None, {"end"}),
        (4, 2, None, {"end"}),
        (0, 99, None, {"end"}),
        (50, 60, None, {"start", "end"}),
        (0, 4, "wrong", {"quote"}),
        (1, 5, "The ", {"quote"}),  # the right text, one code point off
    ],
)
def test_check_offsets_names_each_problem(start, end, quote, fields):
    errors = check_offsets("The ministry said", start, end, quote)
    assert {e.field for e in errors} == fields
    assert all(e.message for e in errors)


def test_check_offsets_explains_the_unit_when_the_quote_misses():
    text = f"{GRINNING}{GRINNING} ministry denies"
    # A browser counts each emoji twice: "ministry" starts at UTF-16 unit 5 but code point 3.
    (error,) = check_offsets(text, 5, 13, "ministry")
    assert error.field == "quote"
    assert "code points" in error.message


def test_pure_module_imports_no_framework():
    tree = ast.parse(Path(spans.__file__).read_text())
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported.isdisjoint({"django", "rest_framework", "celery", "annotations"})


# --- through the API -----------------------------------------------------------------------------


@pytest.fixture
def annotator_client(client_for, annotator):
    return client_for(annotator)


def _document(project, annotator, text: str) -> Document:
    document = DocumentFactory(project=project, text=text)
    assign(document, annotator)
    return document


def _post_span(client, document, **fields):
    body = {"document": document.pk, "label": "claim", **fields}
    return client.post(f"/api/v1/projects/{document.project_id}/spans/", body, format="json")


def _assert_stored(span_id: int, quote: str) -> Span:
    span = Span.objects.select_related("document").get(pk=span_id)
    assert span.quote == quote
    assert span.document.text[span.start : span.end] == quote
    return span


def test_emoji_before_the_span_do_not_shift_it(project, annotator, annotator_client):
    text = f"{GRINNING}{GRINNING} Officials {FLAG_UA} said the ministry lied."
    document = _document(project, annotator, text)
    start = text.index("ministry")
    # 2 emoji + " Officials " (11) + flag (2 code points) + " said the " (10): 25 code points,
    # where a browser would count 29 UTF-16 units.
    assert start == 25
    response = _post_span(annotator_client, document, start=start, end=start + 8, quote="ministry")
    assert response.status_code == 201, response.json()
    assert (response.json()["start"], response.json()["end"]) == (25, 33)
    _assert_stored(response.json()["id"], "ministry")


def test_emoji_inside_the_span_are_part_of_the_quote(project, annotator, annotator_client):
    text = f"Kyiv {FLAG_UA} says {GRINNING} no."
    document = _document(project, annotator, text)
    quote = f"{FLAG_UA} says {GRINNING}"
    start = text.index(quote)
    response = _post_span(
        annotator_client, document, start=start, end=start + len(quote), quote=quote
    )
    assert response.status_code == 201, response.json()
    # flag (2) + " says " (6) + emoji (1): 9 code points, 12 UTF-16 units.
    assert (response.json()["start"], response.json()["end"]) == (5, 14)
    _assert_stored(response.json()["id"], quote)


def test_quote_is_derived_when_not_sent(project, annotator, annotator_client):
    text = f"{GRINNING} The ministry denied it."
    document = _document(project, annotator, text)
    response = _post_span(annotator_client, document, start=6, end=14)
    assert response.status_code == 201
    assert response.json()["quote"] == "ministry"
    _assert_stored(response.json()["id"], "ministry")


def test_quote_from_utf16_offsets_is_rejected(project, annotator, annotator_client, db_snapshot):
    text = f"{GRINNING}{GRINNING} The ministry denied it."
    document = _document(project, annotator, text)
    # What a browser would send: offsets counted in UTF-16 units.
    utf16_start = _utf16_len(text[: text.index("ministry")])
    before = db_snapshot()
    response = _post_span(
        annotator_client, document, start=utf16_start, end=utf16_start + 8, quote="ministry"
    )
    assert response.status_code == 400
    assert "quote" in response.json()
    assert "code points" in response.json()["quote"][0]
    assert db_snapshot() == before


def test_escaped_surrogate_pairs_in_json_decode_to_one_code_point(
    project, annotator, annotator_client
):
    text = f"Said {GRINNING} twice"
    document = _document(project, annotator, text)
    # JSON.stringify may escape astral characters as a surrogate pair: "\ud83d\ude00".
    body = json.dumps(
        {"document": document.pk, "label": "claim", "start": 5, "end": 6, "quote": GRINNING},
        ensure_ascii=True,
    )
    assert "\\ud83d\\ude00" in body
    response = annotator_client.post(
        f"/api/v1/projects/{project.pk}/spans/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    _assert_stored(response.json()["id"], GRINNING)


def test_lone_surrogate_quote_is_a_400(project, annotator, annotator_client, db_snapshot):
    document = _document(project, annotator, f"Said {GRINNING} twice")
    body = '{"document": %d, "label": "claim", "start": 5, "end": 6, "quote": "\\ud83d"}'
    before = db_snapshot()
    response = annotator_client.post(
        f"/api/v1/projects/{project.pk}/spans/",
        body % document.pk,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "quote" in response.json()
    assert db_snapshot() == before


def test_combining_characters_count_as_their_own_code_points(project, annotator, annotator_client):
    text = "Cafe\u0301 owners deny it."  # "Café" with a combining acute accent: 5 code points
    document = _document(project, annotator, text)
    response = _post_span(annotator_client, document, start=0, end=5, quote="Cafe\u0301")
    assert response.status_code == 201
    span = _assert_stored(response.json()["id"], "Cafe\u0301")
    assert (span.start, span.end) == (0, 5)
    # The precomposed form is a different string: no silent normalisation.
    response = _post_span(
        annotator_client, document, label="denial", start=0, end=4, quote="Caf\u00e9"
    )
    assert response.status_code == 400
    assert "quote" in response.json()
    # A span may end between a base letter and its accent: offsets are code points, not graphemes.
    response = _post_span(annotator_client, document, label="denial", start=0, end=4)
    assert response.status_code == 201
    assert response.json()["quote"] == "Cafe"


def test_non_breaking_space_from_the_corpus_is_kept(
    project, annotator, annotator_client, corpus_dir, db_snapshot
):
    (result,) = import_path(project=project, path=corpus_dir / "05_vaccine_shortage_denial.txt")
    assert result.ok
    document = Document.objects.get(project=project, title__startswith="Health department denies")
    assign(document, annotator)
    phrase = "Photograph\u00a0Marianna Levchenko"
    start = document.text.index(phrase)
    assert document.text.count("\u00a0") >= 3  # stored as imported, not normalised to spaces

    response = _post_span(
        annotator_client, document, start=start, end=start + len(phrase), quote=phrase
    )
    assert response.status_code == 201, response.json()
    assert response.json()["quote"] == phrase
    span = _assert_stored(response.json()["id"], phrase)
    assert "\u00a0" in span.quote

    # The same phrase typed with an ordinary space does not match the stored text.
    before = db_snapshot()
    response = _post_span(
        annotator_client,
        document,
        label="denial",
        start=start,
        end=start + len(phrase),
        quote="Photograph Marianna Levchenko",
    )
    assert response.status_code == 400
    assert "quote" in response.json()
    assert db_snapshot() == before


def test_moving_a_span_past_emoji_recomputes_its_quote(project, annotator, annotator_client):
    text = f"{GRINNING} first claim, {GRINNING} second claim"
    document = _document(project, annotator, text)
    created = _post_span(annotator_client, document, start=2, end=13).json()
    assert created["quote"] == "first claim"
    start = text.index("second claim")
    response = annotator_client.patch(
        f"/api/v1/projects/{project.pk}/spans/{created['id']}/",
        {"start": start, "end": start + 12, "version": created["version"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    _assert_stored(created["id"], "second claim")
