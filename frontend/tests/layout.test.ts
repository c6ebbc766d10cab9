import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { assignLanes, blockIndexAt, blocks, segments } from "../src/shared/layout";

describe("blocks", () => {
  it("cuts the text into paragraphs that keep their newline and tile it", () => {
    assert.deepEqual(blocks("ab\ncd\n\nef"), [
      [0, 3],
      [3, 6],
      [6, 7],
      [7, 9],
    ]);
    assert.deepEqual(blocks("ab\n"), [[0, 3]]);
  });

  it("keeps a long paragraph whole, emoji included", () => {
    const text = "word 😀 ".repeat(2000);
    assert.deepEqual(blocks(text), [[0, text.length]]);
  });

  it("finds the block of an offset", () => {
    const bounds = blocks("ab\ncd\n\nef");
    assert.equal(blockIndexAt(bounds, 0), 0);
    assert.equal(blockIndexAt(bounds, 3), 1);
    assert.equal(blockIndexAt(bounds, 6), 2);
    assert.equal(blockIndexAt(bounds, 9), 3);
  });
});

describe("lanes and segments", () => {
  const spans = [
    { key: "outer", start16: 0, end16: 10 },
    { key: "inner", start16: 2, end16: 5 },
    { key: "cross", start16: 4, end16: 12 },
    { key: "later", start16: 11, end16: 14 },
  ];

  it("never puts overlapping spans in the same lane", () => {
    const lanes = assignLanes(spans);
    assert.equal(lanes.get("outer"), 0);
    assert.equal(lanes.get("inner"), 1);
    assert.equal(lanes.get("cross"), 2);
    assert.equal(lanes.get("later"), 0); // outer has ended by 11
  });

  it("tiles a range with the sets of spans covering each piece", () => {
    const lanes = assignLanes(spans);
    const segs = segments(0, 15, spans, lanes).map((s) => [s.start16, s.end16, s.keys.join("+")]);
    assert.deepEqual(segs, [
      [0, 2, "outer"],
      [2, 4, "outer+inner"],
      [4, 5, "outer+inner+cross"],
      [5, 10, "outer+cross"],
      [10, 11, "cross"],
      [11, 12, "later+cross"],
      [12, 14, "later"],
      [14, 15, ""],
    ]);
  });

  it("clips spans to the range asked for", () => {
    const lanes = assignLanes(spans);
    const segs = segments(3, 6, spans, lanes).map((s) => [s.start16, s.end16, s.keys.length]);
    assert.deepEqual(segs, [
      [3, 4, 2],
      [4, 5, 3],
      [5, 6, 2],
    ]);
  });
});
