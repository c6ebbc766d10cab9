/**
 * Word boundaries in code point offsets: snapping a selection to whole words, and moving a
 * keyboard selection word by word. Pure functions over an `OffsetMap`, no DOM.
 */

import type { OffsetMap } from "./offsets";

const WORD = /^[\p{L}\p{N}\p{M}\p{Pc}]$/u;
// Joiners count as part of a word only between two word characters: "Moscow’s", "high-precision".
const JOINER = /^['’\-‐‑]$/u;
const SPACE = /^\s$/u; // includes the no-break space U+00A0

function isWordChar(map: OffsetMap, cp: number): boolean {
  if (cp < 0 || cp >= map.lengthCp) return false;
  const ch = map.charAt(cp);
  if (WORD.test(ch)) return true;
  return (
    JOINER.test(ch) &&
    cp > 0 &&
    cp < map.lengthCp - 1 &&
    WORD.test(map.charAt(cp - 1)) &&
    WORD.test(map.charAt(cp + 1))
  );
}

function isSpace(map: OffsetMap, cp: number): boolean {
  return SPACE.test(map.charAt(cp));
}

/**
 * `[start, end)` (code points) trimmed of surrounding white space and widened so that it neither
 * starts nor ends inside a word. Returns null when nothing but white space is selected.
 */
export function snapToWords(map: OffsetMap, start: number, end: number): [number, number] | null {
  let s = Math.max(0, Math.min(start, end));
  let e = Math.min(map.lengthCp, Math.max(start, end));
  while (s < e && isSpace(map, s)) s++;
  while (e > s && isSpace(map, e - 1)) e--;
  if (s >= e) return null;
  while (s > 0 && isWordChar(map, s) && isWordChar(map, s - 1)) s--;
  while (e < map.lengthCp && isWordChar(map, e - 1) && isWordChar(map, e)) e++;
  return [s, e];
}

/** The word (or single non-space symbol) that starts at or after `from`, or null at the end. */
export function wordAfter(map: OffsetMap, from: number): [number, number] | null {
  let s = Math.max(0, from);
  while (s < map.lengthCp && isSpace(map, s)) s++;
  if (s >= map.lengthCp) return null;
  let e = s + 1;
  if (isWordChar(map, s)) {
    while (e < map.lengthCp && isWordChar(map, e)) e++;
  }
  return [s, e];
}

/** The word (or single non-space symbol) that ends at or before `to`, or null at the start. */
export function wordBefore(map: OffsetMap, to: number): [number, number] | null {
  let e = Math.min(map.lengthCp, to);
  while (e > 0 && isSpace(map, e - 1)) e--;
  if (e <= 0) return null;
  let s = e - 1;
  if (isWordChar(map, s)) {
    while (s > 0 && isWordChar(map, s - 1)) s--;
  }
  return [s, e];
}
