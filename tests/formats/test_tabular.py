from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq

from annotations.formats.csv_rows import write_csv
from annotations.formats.parquet import write_parquet
from annotations.formats.records import ExportSpan
from tests.formats.samples import PROJECT, TEXT_1, TEXT_2, document_1, documents

TEXTS = {1: TEXT_1, 2: TEXT_2}


def expected_rows() -> list[tuple]:
    """(document_id, annotator, is_gold, label, start, end, quote, status) in the documented order."""
    rows = []
    for document in documents():
        for span in document.spans:
            rows.append((document.document_id, span.annotator, False, *_key(span)))
        for span in document.gold or ():
            rows.append((document.document_id, None, True, *_key(span)))
    return rows


def _key(span: ExportSpan) -> tuple:
    return (span.label, span.start, span.end, span.quote, span.status)


def read_csv(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def test_csv_one_row_per_span_with_header_and_documented_nulls():
    buffer = io.BytesIO()
    summary = write_csv(documents(), buffer)
    rows = read_csv(buffer.getvalue())
    assert summary.spans == len(rows) == 9
    assert summary.documents == 3 and summary.documents_written == 2  # document 3 has no span
    assert list(rows[0]) == [
        "document_id", "document_title", "span_id", "annotator", "is_gold", "label", "start",
        "end", "quote", "status", "note", "evidence", "verdict_rationale",
    ]  # fmt: skip
    got = [
        (
            int(r["document_id"]),
            r["annotator"] or None,
            r["is_gold"] == "true",
            r["label"],
            int(r["start"]),
            int(r["end"]),
            r["quote"],
            r["status"] or None,
        )
        for r in rows
    ]
    assert got == expected_rows()
    for r in rows:
        assert TEXTS[int(r["document_id"])][int(r["start"]) : int(r["end"])] == r["quote"]
        assert r["is_gold"] in ("true", "false")
    gold_rows = [r for r in rows if r["is_gold"] == "true"]
    assert all(r["annotator"] == "" for r in gold_rows)
    assert json.loads(gold_rows[0]["evidence"]) == [
        {"url": "https://insee.example/prix", "note": "Prix moyen 2,10 €", "stance": "refutes"}
    ]
    assert gold_rows[0]["verdict_rationale"] == "L'INSEE donne 2,10 €."
    assert rows[0]["document_title"] == "Le café 😀"


def test_csv_keeps_line_breaks_and_quotes_inside_cells():
    import dataclasses

    text = 'He said "no",\nthen left.'
    span = ExportSpan(5, "alice", "claim", 0, len(text), text, None, "a\r\nb", ())
    doc = dataclasses.replace(documents()[2], text=text, annotators=("alice",), spans=(span,))
    buffer = io.StringIO(newline="")
    write_csv([doc], buffer)
    (row,) = read_csv(buffer.getvalue().encode("utf-8"))
    assert row["quote"] == text and row["note"] == "a\r\nb"


def test_csv_neutralises_formula_cells_in_every_text_column_unless_asked_not_to():
    """The report's cells (`=HYPERLINK(...`, `=cmd|...`, `+`, `-`, `@`) in every text column:
    by default each gets a leading `'`, so a spreadsheet shows it as text; `excel_safe=False`
    writes the data as it is, for programs."""
    import dataclasses

    text = '=HYPERLINK("http://evil.example","x") and =cmd|' + "'/c calc'!A0 fell -5% @once"
    link = text.index("=HYPERLINK")
    cmd = text.index("=cmd")
    minus = text.index("-5%")
    at = text.index("@once")
    spans = (
        ExportSpan(1, "+alice", "claim", link, cmd - 5, text[link : cmd - 5], None, "=1+1", ()),
        ExportSpan(2, "@bob", "claim", cmd, minus - 6, text[cmd : minus - 6], None, "\tx", ()),
        ExportSpan(3, "-carl", "claim", minus, minus + 3, "-5%", None, "\rnote", ()),
        ExportSpan(4, None, "claim", at, len(text), "@once", "false", "", (), "=WEBSERVICE(1)"),
    )
    doc = dataclasses.replace(
        documents()[2], title="=IMPORTXML(A1)", text=text, annotators=("+alice",), spans=spans
    )
    default, plain = io.StringIO(), io.StringIO()
    write_csv([doc], default)
    write_csv([doc], plain, excel_safe=False)

    columns = ("document_title", "annotator", "quote", "note", "verdict_rationale")
    as_is = [[r[c] for c in columns] for r in read_csv(plain.getvalue().encode())]
    safe = [[r[c] for c in columns] for r in read_csv(default.getvalue().encode())]
    assert as_is == [
        ["=IMPORTXML(A1)", "+alice", text[link : cmd - 5], "=1+1", ""],
        ["=IMPORTXML(A1)", "@bob", text[cmd : minus - 6], "\tx", ""],
        ["=IMPORTXML(A1)", "-carl", "-5%", "\rnote", ""],
        ["=IMPORTXML(A1)", "", "@once", "", "=WEBSERVICE(1)"],
    ]
    assert safe == [["'" + cell if cell else cell for cell in row] for row in as_is]
    formula_start = ("=", "+", "-", "@", "\t", "\r")
    cells = [cell for row in read_csv(default.getvalue().encode()) for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(formula_start)]


def test_parquet_typed_columns_read_back_with_pyarrow():
    buffer = io.BytesIO()
    summary = write_parquet(documents(), buffer, project=PROJECT)
    buffer.seek(0)
    table = pq.read_table(buffer)
    assert summary.spans == table.num_rows == 9
    schema = table.schema
    assert schema.field("document_id").type == pa.int64()
    assert schema.field("start").type == pa.int32()
    assert schema.field("end").type == pa.int32()
    assert schema.field("is_gold").type == pa.bool_()
    assert schema.field("annotator").nullable
    evidence_type = schema.field("evidence").type
    assert pa.types.is_list(evidence_type)
    assert [(f.name, f.type) for f in evidence_type.value_type] == [
        ("url", pa.string()),
        ("note", pa.string()),
        ("stance", pa.string()),
    ]
    rows = table.to_pylist()
    got = [
        (
            r["document_id"], r["annotator"], r["is_gold"], r["label"], r["start"], r["end"],
            r["quote"], r["status"],
        )
        for r in rows
    ]  # fmt: skip
    assert got == expected_rows()
    for r in rows:
        assert TEXTS[r["document_id"]][r["start"] : r["end"]] == r["quote"]
    gold_fake = next(r for r in rows if r["span_id"] == 31)
    assert gold_fake["annotator"] is None
    assert gold_fake["evidence"] == [
        {"url": "https://insee.example/prix", "note": "Prix moyen 2,10 €", "stance": "refutes"}
    ]
    assert next(r for r in rows if r["span_id"] == 22)["status"] is None
    metadata = pq.read_schema(io.BytesIO(buffer.getvalue())).metadata
    project = json.loads(metadata[b"factcheck_workbench.project"])
    assert project["name"] == "Elections 2026"
    assert project["labels"][0] == ["claim", "Claim", "#1f77b4"]
    assert metadata[b"factcheck_workbench.offset_unit"] == b"code_point"


def test_parquet_row_groups_are_bounded():
    many = [document_1()] * 7  # 8 spans each: 56 rows
    buffer = io.BytesIO()
    write_parquet(many, buffer, row_group_size=10)
    parquet_file = pq.ParquetFile(io.BytesIO(buffer.getvalue()))
    sizes = [
        parquet_file.metadata.row_group(i).num_rows for i in range(parquet_file.num_row_groups)
    ]
    assert sum(sizes) == 56
    assert max(sizes) <= 10
    assert parquet_file.num_row_groups == 6


def test_parquet_of_documents_without_spans_is_a_valid_empty_table():
    buffer = io.BytesIO()
    summary = write_parquet([documents()[2]], buffer)
    buffer.seek(0)
    table = pq.read_table(buffer)
    assert table.num_rows == 0 and summary.documents == 1 and summary.spans == 0
    assert "evidence" in table.column_names


def test_parquet_does_not_close_the_callers_file():
    buffer = io.BytesIO()
    write_parquet(documents(), buffer)
    assert not buffer.closed
