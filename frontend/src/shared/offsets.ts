/**
 * The one place where the browser's offsets meet the server's.
 *
 * The DOM, `String.prototype.length`, `Range` and `Selection` count UTF-16 code units; the server
 * stores spans as half-open `[start, end)` ranges of Unicode code points (Python `str` indices).
 * A character outside the Basic Multilingual Plane (most emoji) is one code point but two UTF-16
 * units, so every span after it would shift by one if the units were mixed up. Every conversion in
 * the frontend goes through `OffsetMap`; no other module does arithmetic on surrogate pairs.
 */

/** Which way to move a UTF-16 offset that falls between the two halves of a surrogate pair. */
export type Bias = "backward" | "forward";

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Number of entries of the ascending array `values` that are smaller than `x`. */
function countBelow(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Converts offsets in one text between UTF-16 code units and code points in O(log k), where k is
 * the number of astral characters in the text (O(1) when there are none).
 */
export class OffsetMap {
  readonly text: string;
  /** Length in UTF-16 code units (`text.length`). */
  readonly length16: number;
  /** Length in code points (Python's `len(text)`). */
  readonly lengthCp: number;
  /** UTF-16 index of the high surrogate of every astral character, ascending. */
  private readonly astral16: number[] = [];
  /** Code point index of every astral character, ascending. */
  private readonly astralCp: number[] = [];

  constructor(text: string) {
    this.text = text;
    this.length16 = text.length;
    for (let i = 0; i < text.length - 1; i++) {
      if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1))) {
        this.astralCp.push(i - this.astral16.length);
        this.astral16.push(i);
        i++;
      }
    }
    this.lengthCp = this.length16 - this.astral16.length;
  }

  /**
   * The code point offset of UTF-16 offset `u16`. An offset between the two halves of a surrogate
   * pair is moved before the character (`backward`, for a range's start) or after it (`forward`,
   * for a range's end), so a range never cuts an emoji in half.
   */
  toCodePoint(u16: number, bias: Bias = "backward"): number {
    if (!Number.isInteger(u16) || u16 < 0 || u16 > this.length16) {
      throw new RangeError(`UTF-16 offset ${u16} is outside the text (0..${this.length16})`);
    }
    const before = countBelow(this.astral16, u16);
    const cp = u16 - before;
    const insidePair = before > 0 && this.astral16[before - 1] === u16 - 1;
    return insidePair && bias === "forward" ? cp + 1 : cp;
  }

  /** The UTF-16 offset of code point offset `cp`. */
  toUtf16(cp: number): number {
    if (!Number.isInteger(cp) || cp < 0 || cp > this.lengthCp) {
      throw new RangeError(`code point offset ${cp} is outside the text (0..${this.lengthCp})`);
    }
    return cp + countBelow(this.astralCp, cp);
  }

  /** A UTF-16 range as a code point range; a range cutting an emoji grows to include it. */
  rangeToCodePoints(start16: number, end16: number): [number, number] {
    return [this.toCodePoint(start16, "backward"), this.toCodePoint(end16, "forward")];
  }

  /** A code point range as a UTF-16 range. */
  rangeToUtf16(start: number, end: number): [number, number] {
    return [this.toUtf16(start), this.toUtf16(end)];
  }

  /** The text between two code point offsets, as Python's `text[start:end]`. */
  sliceCodePoints(start: number, end: number): string {
    return this.text.slice(this.toUtf16(start), this.toUtf16(end));
  }

  /** The code point at code point offset `cp`, as a one- or two-unit string. */
  charAt(cp: number): string {
    const u16 = this.toUtf16(cp);
    const unit = this.text.charCodeAt(u16);
    const width = isHighSurrogate(unit) && isLowSurrogate(this.text.charCodeAt(u16 + 1)) ? 2 : 1;
    return this.text.slice(u16, u16 + width);
  }
}
