import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { OffsetMap } from "../src/shared/offsets";
import { snapToWords, wordAfter, wordBefore } from "../src/shared/words";

function snap(text: string, selected: string, from: number, to: number): string | null {
  const map = new OffsetMap(text);
  const range = snapToWords(map, from, to);
  assert.equal(map.sliceCodePoints(from, to), selected, "test set-up: the selection");
  return range ? map.sliceCodePoints(range[0], range[1]) : null;
}

describe("snapToWords", () => {
  const text = "Moscow’s military does not target civilian infrastructure.";

  it("widens a selection that starts and ends inside words", () => {
    assert.equal(snap(text, "cow’s milit", 3, 14), "Moscow’s military");
  });

  it("keeps a selection that is already on word boundaries", () => {
    assert.equal(snap(text, "does not", 18, 26), "does not");
  });

  it("trims white space, including no-break spaces", () => {
    const t = "said\u00a0 Kyiv \u00a0officials";
    assert.equal(snap(t, "\u00a0 Kyiv \u00a0", 4, 12), "Kyiv");
    assert.equal(snap(t, "\u00a0 ", 4, 6), null);
  });

  it("treats emoji as their own words, counted in code points", () => {
    const t = "fire😀fighters 🇺🇦 team";
    // code points: f0 i1 r2 e3 😀4 f5 ... fighters 5..13, space 13, 🇺14 🇦15, space 16, team 17..21
    assert.equal(snap(t, "re😀fi", 2, 7), "fire😀fighters");
    assert.equal(snap(t, "🇦 te", 15, 19), "🇦 team");
  });

  it("keeps trailing punctuation the user selected", () => {
    assert.equal(snap(text, "infrastructure.", 43, 58), "infrastructure.");
  });
});

describe("keyboard word steps", () => {
  const map = new OffsetMap("One, two😀 three");
  it("finds the next and previous word", () => {
    assert.deepEqual(wordAfter(map, 0), [0, 3]);
    assert.deepEqual(wordAfter(map, 3), [3, 4]); // the comma is a symbol of its own
    assert.deepEqual(wordAfter(map, 4), [5, 8]);
    assert.deepEqual(wordAfter(map, 8), [8, 9]); // the emoji, one code point
    assert.deepEqual(wordBefore(map, 16), [10, 15]);
    assert.deepEqual(wordBefore(map, 10), [8, 9]);
    assert.equal(wordAfter(map, 15), null);
    assert.equal(wordBefore(map, 0), null);
  });
});
