/**
 * Moving the workspace's selection with the keyboard, in code points: arrows move a one-word
 * selection, Shift+arrows grow or shrink it by a word, and Alt does the same by one character.
 * Pure: no DOM, so the rules can be read (and tested) on their own.
 */

import type { OffsetMap } from "../shared/offsets";
import { wordAfter, wordBefore } from "../shared/words";

export interface CpRange {
  start: number;
  end: number;
}

/**
 * The selection after an arrow key, or null to leave it as it is. Without a selection the move
 * starts from the active span (`anchor`), else from the text's start (→) or end (←).
 */
export function movedSelection(
  map: OffsetMap,
  current: CpRange | null,
  anchor: CpRange | null,
  key: "ArrowRight" | "ArrowLeft",
  extend: boolean,
  byChar: boolean,
): CpRange | null {
  if (!extend || !current) {
    let word: [number, number] | null;
    if (key === "ArrowRight") {
      const from = current?.end ?? anchor?.end ?? 0;
      word = byChar
        ? from < map.lengthCp
          ? [from, from + 1]
          : null
        : wordAfter(map, current || anchor ? from : 0);
    } else {
      const to = current?.start ?? anchor?.start ?? map.lengthCp;
      word = byChar ? (to > 0 ? [to - 1, to] : null) : wordBefore(map, to);
    }
    return word ? { start: word[0], end: word[1] } : null;
  }
  let { start, end } = current;
  if (key === "ArrowRight") {
    if (byChar) end = Math.min(map.lengthCp, end + 1);
    else end = wordAfter(map, end)?.[1] ?? end;
  } else if (byChar) {
    end = Math.max(start + 1, end - 1);
  } else {
    const last = wordBefore(map, end);
    const previous = last ? wordBefore(map, last[0]) : null;
    if (previous && previous[1] > start) end = previous[1];
  }
  return { start, end };
}
