from __future__ import annotations

import io
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from annotations.formats.conll import tokenize, write_conll
from annotations.formats.records import ExportDocument, ExportProject, ExportSpan
from tests.formats.samples import PROJECT, TEXT_1, document_1, document_2, document_3


def doc(text: str, spans: dict[str, list[tuple[str, int, int]]], gold=None) -> ExportDocument:
    return ExportDocument(
        document_id=9,
        title="",
        text=text,
        source_url="",
        published_at=None,
        metadata={},
        annotators=tuple(spans),
        spans=tuple(
            ExportSpan(None, name, label, s, e, text[s:e], None, "", ())
            for name, items in spans.items()
            for label, s, e in items
        ),
        gold=None
        if gold is None
        else tuple(ExportSpan(None, None, lb, s, e, text[s:e], None, "", ()) for lb, s, e in gold),
        agreement=None,
    )


def parse(output: str) -> list[dict]:
    """Minimal CoNLL reader: documents with their comments and sentences of field lists."""
    documents: list[dict] = []
    sentence: list[list[str]] = []
    for line in output.split("\n"):
        if line.startswith("# doc_id = "):
            documents.append({"doc_id": int(line.split(" = ")[1]), "sentences": []})
        elif line.startswith("# columns = "):
            documents[-1]["columns"] = line.split(" = ")[1].split(" ")
        elif line == "":
            if sentence:
                documents[-1]["sentences"].append(sentence)
                sentence = []
        else:
            sentence.append(line.split("\t"))
    assert not sentence, "the output must end with a blank line"
    return documents


def conll(documents, **options) -> tuple[list[dict], object]:
    buffer = io.StringIO()
    summary = write_conll(documents, buffer, **options)
    return parse(buffer.getvalue()), summary


def tags(text: str, spans, project: ExportProject | None = None) -> list[tuple[str, str]]:
    (parsed,), _ = conll([doc(text, {"x": spans})], project=project)
    return [(fields[0], fields[1]) for sentence in parsed["sentences"] for fields in sentence]


def test_tokenizer_on_emoji_nbsp_combining_marks_and_punctuation():
    assert [t for t, _, _ in tokenize(TEXT_1)] == [
        "😀", "Le", "ministre", "a", "déclaré", ":", "«", "le", "cafe\u0301", "coûte", "5", "€",
        "🇫", "🇷", "»", ".", "C", "'", "est", "faux", "👍", "🏽", "selon", "l", "'", "INSEE", ".",
        "Deuxième", "paragraphe", ",", "sans", "émoji", ".",
    ]  # fmt: skip
    for token, start, end in tokenize(TEXT_1):
        assert TEXT_1[start:end] == token


def test_tokenizer_keeps_vowel_signs_and_soft_hyphens_inside_words():
    assert [t for t, _, _ in tokenize("हिन्दी भाषा")] == ["हिन्दी", "भाषा"]
    assert [t for t, _, _ in tokenize("infor\u00admation")] == ["infor\u00admation"]
    assert [t for t, _, _ in tokenize("a\u200b b")] == ["a\u200b", "b"]


def test_sentences_documents_and_comment_lines():
    (parsed,), summary = conll([document_1()], project=PROJECT)
    assert parsed["doc_id"] == 1
    assert parsed["columns"] == ["TOKEN", "alice", "bob", "carol"]
    firsts = [sentence[0][0] for sentence in parsed["sentences"]]
    assert firsts == ["😀", "C", "Deuxième"]
    for sentence in parsed["sentences"]:
        for fields in sentence:
            assert len(fields) == 4
    assert summary.documents == summary.documents_written == 1


def test_sample_document_tags_per_annotator():
    (parsed,), _ = conll([document_1()], project=PROJECT)
    rows = {fields[0]: fields[1:] for sentence in parsed["sentences"] for fields in sentence}
    assert rows["Le"] == ["B-claim", "I-denial", "O"]  # bob's "😀 Le" starts at the emoji
    assert rows["😀"] == ["O", "B-denial", "O"]
    assert rows["ministre"] == ["I-claim", "B-claim", "O"]
    assert rows["déclaré"] == ["O", "I-claim", "O"]
    assert rows[":"] == ["O", "I-claim", "O"]  # after the NBSP, still inside bob's span
    assert rows["cafe\u0301"] == ["I-verifiable_fact", "O", "O"]
    assert rows["🇷"] == ["I-verifiable_fact", "O", "O"]
    assert rows["»"] == ["O", "O", "O"]
    assert rows["🏽"] == ["O", "I-denial", "O"]
    assert rows["selon"] == ["O", "O", "O"]


def test_overlap_rule_earliest_start_wins_then_the_other_span_begins():
    text = "aa bb cc dd ee"
    spans = [("claim", 3, 8), ("denial", 6, 14)]
    assert tags(text, spans) == [
        ("aa", "O"), ("bb", "B-claim"), ("cc", "I-claim"), ("dd", "B-denial"), ("ee", "I-denial"),
    ]  # fmt: skip


def test_overlap_rule_same_start_longest_wins():
    text = "aa bb cc"
    assert tags(text, [("claim", 0, 2), ("denial", 0, 5)]) == [
        ("aa", "B-denial"), ("bb", "I-denial"), ("cc", "O"),
    ]  # fmt: skip


def test_overlap_rule_same_extent_follows_project_label_order():
    text = "aa bb"
    spans = [("claim", 0, 2), ("denial", 0, 2)]
    denial_first = ExportProject("p", (("denial", "Denial", "#000000"), ("claim", "C", "#000000")))
    assert tags(text, spans, denial_first)[0] == ("aa", "B-denial")
    assert tags(text, spans, PROJECT)[0] == ("aa", "B-claim")


def test_partial_word_selection_tags_the_whole_token_and_adjacent_spans_restart():
    text = "aa bb cc dd"
    assert tags(text, [("claim", 4, 7)]) == [
        ("aa", "O"), ("bb", "B-claim"), ("cc", "I-claim"), ("dd", "O"),
    ]  # fmt: skip
    assert tags(text, [("claim", 0, 2), ("claim", 3, 5)])[:2] == [
        ("aa", "B-claim"),
        ("bb", "B-claim"),
    ]


def test_span_crossing_a_sentence_boundary_restarts_with_b():
    text = "Yes. No way"
    assert tags(text, [("claim", 0, 11)]) == [
        ("Yes", "B-claim"), (".", "I-claim"), ("No", "B-claim"), ("way", "I-claim"),
    ]  # fmt: skip


def test_gold_only_columns_skip_unadjudicated_documents_and_say_so():
    parsed, summary = conll([document_1(), document_2(), document_3()], columns="gold")
    assert [d["doc_id"] for d in parsed] == [1]
    assert parsed[0]["columns"] == ["TOKEN", "gold"]
    rows = {f[0]: f[1] for s in parsed[0]["sentences"] for f in s}
    assert rows["Le"] == "B-claim" and rows["ministre"] == "I-claim" and rows["a"] == "O"
    assert summary.skipped == {"no_gold": 2}
    assert "no adjudication" in summary.message


def test_all_columns_mark_missing_gold_with_underscores():
    parsed, _ = conll([document_2()], columns="all")
    assert parsed[0]["columns"] == ["TOKEN", "alice", "gold"]
    assert {f[2] for s in parsed[0]["sentences"] for f in s} == {"_"}


def test_with_offsets_columns_slice_the_text():
    (parsed,), _ = conll([document_1()], with_offsets=True)
    for sentence in parsed["sentences"]:
        for token, start, end, *_ in sentence:
            assert TEXT_1[int(start) : int(end)] == token


def test_documents_without_annotators_still_list_their_tokens():
    (parsed,), _ = conll([document_3()])
    assert parsed["columns"] == ["TOKEN"]
    assert parsed["sentences"][0][0] == ["🐱"]


pieces = st.sampled_from(
    [
        "word",
        " ",
        "\u00a0",
        "\t",
        "\n",
        "\u2028",
        "e\u0301",
        "😀",
        "👍🏽",
        ".",
        "«",
        "\u200d",
        "\u3000",
    ]
)


@given(st.lists(pieces, max_size=25).map("".join))
def test_tokens_never_contain_whitespace_and_cover_every_visible_character(text):
    tokens = tokenize(text)
    covered = set()
    previous_end = 0
    for token, start, end in tokens:
        assert token and text[start:end] == token
        assert start >= previous_end
        assert not any(ch.isspace() for ch in token)
        covered.update(range(start, end))
        previous_end = end
    for i, ch in enumerate(text):
        joiner = unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Cf"
        if not ch.isspace() and not joiner:
            assert i in covered
