/**
 * The document text with its highlights. Text is only ever put in the page as DOM text nodes
 * (never parsed as HTML). The text is cut into blocks (paragraphs); a change to one span re-renders
 * only the blocks it touches, which keeps a new highlight visible within a frame on long documents.
 *
 * The DOM's text content is exactly the document text, so a DOM position's UTF-16 offset is the
 * length of the text before it.
 */

import { assignLanes, blockIndexAt, blocks, type LayoutSpan, segments } from "./layout";
import type { OffsetMap } from "./offsets";

/** Whether a highlight's span is stored (`saved`), on its way, or stuck on a failed save. */
export type SaveState = "saved" | "saving" | "failed";

export interface SpanLook {
  key: string;
  start16: number;
  end16: number;
  color: string;
  /** The user's own span (solid band and tint) or someone else's (striped band, no tint). */
  own: boolean;
  state: SaveState;
  /**
   * The review view's per-annotator colour: a second band under the label's band, so whose span
   * it is shows without touching the text's own colour (contrast stays the page's).
   */
  mark?: string;
}

const BAND = 3; // px per lane
const MARK = 3; // px of the annotator band under it, when spans carry one
const GAP = 1;

export class TextView {
  readonly root: HTMLElement;
  readonly map: OffsetMap;
  private readonly bounds: [number, number][];
  private blockEls: HTMLElement[] = [];
  private spans = new Map<string, SpanLook>();
  private lanes = new Map<string, number>();
  private active: string | null = null;

  constructor(root: HTMLElement, map: OffsetMap) {
    this.root = root;
    this.map = map;
    this.bounds = blocks(map.text);
  }

  /** Replace every highlight and draw the whole text. */
  renderAll(spans: readonly SpanLook[]): void {
    this.spans = new Map(spans.map((s) => [s.key, s]));
    this.lanes = assignLanes([...this.spans.values()]);
    const byBlock = this.spansByBlock();
    const fragment = document.createDocumentFragment();
    this.blockEls = this.bounds.map(([from, to], i) => {
      const el = document.createElement("span");
      el.className = "blk";
      el.dataset.b = String(i);
      // Height guess for paragraphs off screen (content-visibility), ~75 characters a line.
      el.style.containIntrinsicSize = `auto ${Math.max(1, Math.ceil((to - from) / 75)) * 2.1}em`;
      this.fillBlock(el, from, to, byBlock[i]);
      fragment.append(el);
      return el;
    });
    this.root.replaceChildren(fragment);
  }

  /**
   * Add, change or remove the given spans (a key missing from `next` is removed) and redraw only
   * the blocks whose picture changed.
   */
  update(changed: readonly string[], next: ReadonlyMap<string, SpanLook>): void {
    const dirty = new Set<number>();
    const touch = (look: SpanLook | undefined) => {
      if (!look) return;
      const first = blockIndexAt(this.bounds, look.start16);
      const last = blockIndexAt(this.bounds, Math.max(look.start16, look.end16 - 1));
      for (let b = first; b <= last; b++) dirty.add(b);
    };
    for (const key of changed) {
      touch(this.spans.get(key));
      const look = next.get(key);
      if (look) this.spans.set(key, look);
      else this.spans.delete(key);
      touch(look);
    }
    const lanes = assignLanes([...this.spans.values()]);
    for (const [key, lane] of lanes) {
      if (this.lanes.get(key) !== lane) touch(this.spans.get(key));
    }
    this.lanes = lanes;
    if (dirty.size === 0) return;
    const byBlock = this.spansByBlock(dirty);
    for (const b of dirty) {
      const [from, to] = this.bounds[b];
      this.fillBlock(this.blockEls[b], from, to, byBlock[b] ?? []);
    }
  }

  /** Change the save state of one span without redrawing (only its segments' classes change). */
  setState(key: string, state: SaveState): void {
    const look = this.spans.get(key);
    if (!look || look.state === state) return;
    look.state = state;
    for (const el of this.segmentsOf(key)) this.applyStateClasses(el);
  }

  setActive(key: string | null): void {
    if (this.active === key) return;
    if (this.active) for (const el of this.segmentsOf(this.active)) el.classList.remove("active");
    this.active = key;
    if (key) for (const el of this.segmentsOf(key)) el.classList.add("active");
  }

  segmentsOf(key: string): HTMLElement[] {
    return Array.from(this.root.querySelectorAll<HTMLElement>(`.seg[data-k~="${key}"]`));
  }

  /** Keys of the spans under a DOM node (a click target), innermost first. */
  keysAt(node: Node | null): string[] {
    const el = node instanceof Element ? node : node?.parentElement;
    const seg = el?.closest<HTMLElement>(".seg");
    if (!seg || !this.root.contains(seg)) return [];
    const keys = (seg.dataset.k ?? "").split(" ").filter(Boolean);
    const length = (k: string) => {
      const s = this.spans.get(k);
      return s ? s.end16 - s.start16 : 0;
    };
    return keys.sort((a, b) => length(a) - length(b));
  }

  private spansByBlock(only?: Set<number>): LayoutSpan[][] {
    const out: LayoutSpan[][] = this.bounds.map(() => []);
    for (const look of this.spans.values()) {
      const first = blockIndexAt(this.bounds, look.start16);
      const last = blockIndexAt(this.bounds, Math.max(look.start16, look.end16 - 1));
      for (let b = first; b <= last; b++) {
        if (!only || only.has(b)) out[b].push(look);
      }
    }
    return out;
  }

  private fillBlock(el: HTMLElement, from: number, to: number, spans: LayoutSpan[]): void {
    const text = this.map.text;
    if (spans.length === 0) {
      el.replaceChildren(document.createTextNode(text.slice(from, to)));
      return;
    }
    const nodes: Node[] = [];
    for (const seg of segments(from, to, spans, this.lanes)) {
      const piece = document.createTextNode(text.slice(seg.start16, seg.end16));
      if (seg.keys.length === 0) {
        nodes.push(piece);
        continue;
      }
      const span = document.createElement("span");
      span.className = "seg";
      span.dataset.k = seg.keys.join(" ");
      this.paint(span, seg.keys);
      span.append(piece);
      nodes.push(span);
    }
    el.replaceChildren(...nodes);
  }

  private paint(el: HTMLElement, keys: string[]): void {
    const images: string[] = [];
    const sizes: string[] = [];
    const positions: string[] = [];
    let maxLane = 0;
    let tint: SpanLook | null = null;
    const marked = keys.some((key) => this.spans.get(key)?.mark);
    const step = BAND + (marked ? MARK : 0) + GAP;
    for (const key of keys) {
      const look = this.spans.get(key)!;
      const lane = this.lanes.get(key) ?? 0;
      maxLane = Math.max(maxLane, lane);
      const c = look.color;
      const bottom = lane * step;
      if (look.mark) {
        images.push(`linear-gradient(${look.mark},${look.mark})`);
        sizes.push(`100% ${MARK}px`);
        positions.push(`0 calc(100% - ${bottom}px)`);
      }
      images.push(
        look.own || look.mark
          ? `linear-gradient(${c},${c})`
          : `repeating-linear-gradient(90deg,${c} 0 5px,transparent 5px 8px)`,
      );
      sizes.push(`100% ${BAND}px`);
      positions.push(`0 calc(100% - ${bottom + (look.mark ? MARK : 0)}px)`);
      if (look.own && (!tint || look.end16 - look.start16 < tint.end16 - tint.start16)) tint = look;
    }
    if (tint) {
      images.push(`linear-gradient(${tint.color}2e,${tint.color}2e)`);
      sizes.push("100% 100%");
      positions.push("0 0");
    }
    el.style.backgroundImage = images.join(",");
    el.style.backgroundSize = sizes.join(",");
    el.style.backgroundPosition = positions.join(",");
    el.style.paddingBottom = `${(maxLane + 1) * step}px`;
    if (this.active && keys.includes(this.active)) el.classList.add("active");
    this.applyStateClasses(el);
  }

  private applyStateClasses(el: HTMLElement): void {
    const keys = (el.dataset.k ?? "").split(" ");
    let failed = false;
    let saving = false;
    for (const key of keys) {
      const state = this.spans.get(key)?.state;
      if (state === "failed") failed = true;
      else if (state === "saving") saving = true;
    }
    el.classList.toggle("failed", failed);
    el.classList.toggle("saving", saving && !failed);
  }

  // --- DOM positions <-> UTF-16 offsets ---------------------------------------------------------

  /** UTF-16 offset of a DOM boundary point inside the text (clamped to the text). */
  offsetOf(node: Node, offset: number): number {
    const blockEl = (node instanceof Element ? node : node.parentElement)?.closest<HTMLElement>(
      ".blk",
    );
    const range = document.createRange();
    if (blockEl && this.root.contains(blockEl)) {
      range.setStart(blockEl, 0);
      range.setEnd(node, offset);
      return this.bounds[Number(blockEl.dataset.b)][0] + range.toString().length;
    }
    range.setStart(this.root, 0);
    range.setEnd(node, offset);
    return Math.min(range.toString().length, this.map.length16);
  }

  /** The UTF-16 range of the current selection within the text, or null if it is elsewhere. */
  selectionRange16(selection: Selection | null): [number, number] | null {
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(this.root)) return null;
    const whole = document.createRange();
    whole.selectNodeContents(this.root);
    const start =
      range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0
        ? 0
        : this.offsetOf(range.startContainer, range.startOffset);
    const end =
      range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0
        ? this.map.length16
        : this.offsetOf(range.endContainer, range.endOffset);
    return start < end ? [start, end] : null;
  }

  /** The DOM boundary point at a UTF-16 offset. */
  domPoint(u16: number): [Node, number] {
    const b = blockIndexAt(this.bounds, u16);
    const blockEl = this.blockEls[b];
    let remaining = u16 - this.bounds[b][0];
    const walker = document.createTreeWalker(blockEl, NodeFilter.SHOW_TEXT);
    let last: Text | null = null;
    for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
      if (remaining < node.length) return [node, remaining];
      remaining -= node.length;
      last = node;
    }
    return last ? [last, last.length] : [blockEl, 0];
  }

  /** Show `[start16, end16)` as the browser's selection and bring it into view. */
  select(start16: number, end16: number): void {
    const selection = window.getSelection();
    if (!selection) return;
    const [startNode, startOffset] = this.domPoint(start16);
    const [endNode, endOffset] = this.domPoint(end16);
    selection.setBaseAndExtent(startNode, startOffset, endNode, endOffset);
    const el = endNode instanceof Element ? endNode : endNode.parentElement;
    el?.scrollIntoView({ block: "nearest" });
  }
}
