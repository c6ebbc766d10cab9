import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { OffsetMap } from "../src/shared/offsets";

// "😀" (U+1F600) and "🇺🇦" (two regional indicators) are astral: two UTF-16 units per code point.
const TEXT = "Hi 😀 said\u00a0Kyiv 🇺🇦: no.";

/** Reference: code point offset by counting Array.from (which iterates code points). */
function referenceCp(text: string, u16: number): number {
  return Array.from(text.slice(0, u16)).length;
}

describe("OffsetMap", () => {
  it("is the identity on text without astral characters, NBSP included", () => {
    const map = new OffsetMap("no\u00a0emoji here");
    assert.equal(map.lengthCp, 13);
    for (let i = 0; i <= 13; i++) {
      assert.equal(map.toCodePoint(i), i);
      assert.equal(map.toUtf16(i), i);
    }
  });

  it("counts an emoji as one code point and two UTF-16 units", () => {
    const map = new OffsetMap(TEXT);
    // Worked by hand: H=0 i=1 ' '=2 😀=3 ' '=4 s=5 ... "said"=5..9, NBSP=9, "Kyiv"=10..14,
    // ' '=14, 🇺=15, 🇦=16, ':'=17 ...
    assert.equal(map.lengthCp, [...TEXT].length);
    assert.equal(map.length16, TEXT.length);
    assert.equal(map.length16 - map.lengthCp, 3);
    assert.equal(map.toUtf16(4), 5); // the space after 😀
    assert.equal(map.toCodePoint(5), 4);
    assert.equal(map.toUtf16(17), 20); // the colon after the flag
    assert.equal(map.toCodePoint(20), 17);
    assert.equal(map.sliceCodePoints(5, 14), "said\u00a0Kyiv");
    assert.equal(map.sliceCodePoints(3, 4), "😀");
    assert.equal(map.charAt(3), "😀");
    assert.equal(map.charAt(9), "\u00a0");
  });

  it("moves an offset inside a surrogate pair out of the pair, by bias", () => {
    const map = new OffsetMap(TEXT);
    // UTF-16 offset 4 is between the halves of 😀 (units 3 and 4).
    assert.equal(map.toCodePoint(4, "backward"), 3);
    assert.equal(map.toCodePoint(4, "forward"), 4);
    // A range that cuts the emoji grows to contain it.
    assert.deepEqual(map.rangeToCodePoints(4, 4), [3, 4]);
    assert.deepEqual(map.rangeToCodePoints(0, 4), [0, 4]);
  });

  it("round-trips every offset and agrees with a code-point-counting reference", () => {
    const samples = [TEXT, "😀", "😀😀x", "x😀", "", "a\nb\u00a0c", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 text ✅ 👩‍👩‍👧 end"];
    for (const text of samples) {
      const map = new OffsetMap(text);
      for (let cp = 0; cp <= map.lengthCp; cp++) {
        assert.equal(map.toCodePoint(map.toUtf16(cp)), cp, `${JSON.stringify(text)} @${cp}`);
      }
      for (let u = 0; u <= text.length; u++) {
        const unit = text.charCodeAt(u - 1);
        const inside = unit >= 0xd800 && unit <= 0xdbff;
        assert.equal(map.toCodePoint(u, "backward"), referenceCp(text, inside ? u - 1 : u));
      }
    }
  });

  it("agrees with Python-style slicing on random strings", () => {
    const alphabet = ["a", " ", "\u00a0", "é", "😀", "🇺", "\n", "中", "𝔘"];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const chars = Array.from({ length: 1 + Math.floor(random() * 30) }, () =>
        alphabet[Math.floor(random() * alphabet.length)],
      );
      const text = chars.join("");
      const map = new OffsetMap(text);
      const s = Math.floor(random() * chars.length);
      const e = s + Math.floor(random() * (chars.length - s + 1));
      assert.equal(map.sliceCodePoints(s, e), chars.slice(s, e).join(""));
    }
  });

  it("rejects offsets outside the text", () => {
    const map = new OffsetMap("a😀");
    assert.throws(() => map.toCodePoint(4), RangeError);
    assert.throws(() => map.toCodePoint(-1), RangeError);
    assert.throws(() => map.toUtf16(3), RangeError);
    assert.throws(() => map.toUtf16(1.5), RangeError);
  });
});
