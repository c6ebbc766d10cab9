/**
 * Pure layout of highlighted text: blocks (paragraphs), segments between span boundaries, and
 * lanes so that overlapping and nested spans each keep their own visible band. All offsets here
 * are UTF-16 units, the DOM's unit; conversion from the server's code points happens in offsets.ts.
 */

export interface LayoutSpan {
  key: string;
  start16: number;
  end16: number;
}

export interface Segment {
  start16: number;
  end16: number;
  /** Keys of the spans covering the whole segment, in lane order. */
  keys: string[];
}

/**
 * `[start, end)` blocks covering the text: paragraphs with their trailing newline. Each block is
 * its own CSS block box, so a change inside one paragraph re-lays out only that paragraph.
 */
export function blocks(text: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline + 1;
    out.push([start, end]);
    start = end;
  }
  return out;
}

/** Index of the block containing UTF-16 offset `u16` (the last block for the text's end). */
export function blockIndexAt(bounds: readonly [number, number][], u16: number): number {
  let lo = 0;
  let hi = bounds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (bounds[mid][0] <= u16) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function byStartThenLongest(a: LayoutSpan, b: LayoutSpan): number {
  return (
    a.start16 - b.start16 ||
    b.end16 - b.start16 - (a.end16 - a.start16) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/**
 * Lane (0, 1, 2, ...) of every span: spans that overlap never share a lane, and a span keeps its
 * lane along its whole length, so nested and overlapping spans stay distinguishable.
 */
export function assignLanes(spans: readonly LayoutSpan[]): Map<string, number> {
  const lanes = new Map<string, number>();
  const laneEnds: number[] = [];
  for (const span of [...spans].sort(byStartThenLongest)) {
    let lane = laneEnds.findIndex((end) => end <= span.start16);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(span.end16);
    } else {
      laneEnds[lane] = span.end16;
    }
    lanes.set(span.key, lane);
  }
  return lanes;
}

/**
 * The segments of `[from, to)`: maximal runs covered by the same set of spans. Runs covered by no
 * span are included with empty `keys`, so the segments tile the range exactly.
 */
export function segments(
  from: number,
  to: number,
  spans: readonly LayoutSpan[],
  lanes: ReadonlyMap<string, number>,
): Segment[] {
  const events = new Map<number, { starts: string[]; ends: string[] }>();
  const at = (pos: number) => {
    let event = events.get(pos);
    if (!event) {
      event = { starts: [], ends: [] };
      events.set(pos, event);
    }
    return event;
  };
  at(from);
  at(to);
  const active = new Set<string>();
  for (const span of spans) {
    if (span.end16 <= from || span.start16 >= to || span.end16 <= span.start16) continue;
    if (span.start16 <= from) active.add(span.key);
    else at(span.start16).starts.push(span.key);
    if (span.end16 < to) at(span.end16).ends.push(span.key);
  }
  const points = [...events.keys()].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const event = events.get(points[i])!;
    for (const key of event.ends) active.delete(key);
    for (const key of event.starts) active.add(key);
    const keys = [...active].sort((a, b) => (lanes.get(a) ?? 0) - (lanes.get(b) ?? 0));
    out.push({ start16: points[i], end16: points[i + 1], keys });
  }
  return out;
}
