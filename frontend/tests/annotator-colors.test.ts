import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ANNOTATOR_PALETTE, annotatorColors } from "../src/workspace/annotator-colors";

describe("annotatorColors", () => {
  it("gives each annotator one colour, in username order, whatever the span order", () => {
    const colors = annotatorColors([
      [7, "zoe"],
      [3, "ann"],
      [7, "zoe"],
      [5, "bob"],
      [3, "ann"],
    ]);
    assert.equal(colors.size, 3);
    assert.equal(colors.get(3), ANNOTATOR_PALETTE[0]);
    assert.equal(colors.get(5), ANNOTATOR_PALETTE[1]);
    assert.equal(colors.get(7), ANNOTATOR_PALETTE[2]);
  });

  it("keeps colours distinct up to the palette's size, then cycles", () => {
    const many = Array.from({ length: ANNOTATOR_PALETTE.length + 1 }, (_, i) => [
      i,
      `user${String(i).padStart(2, "0")}`,
    ]) as [number, string][];
    const colors = annotatorColors(many);
    assert.equal(new Set([...colors.values()]).size, ANNOTATOR_PALETTE.length);
    assert.equal(colors.get(ANNOTATOR_PALETTE.length), ANNOTATOR_PALETTE[0]);
  });
});
