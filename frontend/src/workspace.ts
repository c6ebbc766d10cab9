/**
 * The annotator's workspace: one document, its spans, keyboard and mouse selection, the side
 * panel, saving, undo, and the assignment's submit / skip / next. In review mode the same page
 * shows every annotator's spans read-only, toggled per annotator.
 */

import { Api, ApiError } from "./api";
import { byId, h, isTyping, safeColor } from "./dom";
import { OffsetMap } from "./offsets";
import { SpanPanel } from "./panel";
import {
  applyServer,
  type Editable,
  type LocalSpan,
  newCid,
  type QueuedChange,
  SaveQueue,
  type SaveState,
  spanFromServer,
} from "./store";
import { type SpanLook, TextView } from "./textview";
import type { Assignment, Bootstrap, Label, ServerSpan, Status } from "./types";
import { snapToWords, wordAfter, wordBefore } from "./words";

type UndoEntry =
  | { kind: "create"; span: LocalSpan }
  | { kind: "delete"; span: LocalSpan }
  | { kind: "update"; span: LocalSpan; before: Partial<Editable> };

interface CpRange {
  start: number;
  end: number;
}

function copyEditable(span: LocalSpan, keys: (keyof Editable)[]): Partial<Editable> {
  const out: Partial<Editable> = {};
  for (const key of keys) {
    if (key === "evidence") out.evidence = span.evidence.map((e) => ({ ...e }));
    else if (key === "note") out.note = span.note;
    else if (key === "label") out.label = span.label;
    else out.status = span.status;
  }
  return out;
}

export class Workspace {
  private readonly data: Bootstrap;
  private readonly api: Api;
  private readonly map: OffsetMap;
  private readonly view: TextView;
  private readonly queue: SaveQueue;
  private readonly panel: SpanPanel;
  readonly labels: Map<number, Label>;
  readonly statuses: Map<number, Status>;
  private readonly spans = new Map<string, LocalSpan>();
  private readonly hidden = new Set<number>();
  private readonly undoStack: UndoEntry[] = [];
  private assignment: Assignment | null;
  private selection: CpRange | null = null;
  private active: string | null = null;
  private activeCandidates: string[] = [];
  private visibleSince = performance.now();
  private visibleMs = 0;
  private countEls = new Map<number, HTMLElement>();
  private annotatorEls = new Map<number, HTMLElement>();

  constructor(data: Bootstrap) {
    this.data = data;
    this.api = new Api(data.apiRoot, data.csrfToken);
    this.map = new OffsetMap(data.document.text);
    this.labels = new Map(data.labels.map((l) => [l.id, { ...l, color: safeColor(l.color) }]));
    this.statuses = new Map(data.statuses.map((s) => [s.id, s]));
    this.assignment = data.assignment;
    this.view = new TextView(byId("doc-text"), this.map);
    this.queue = new SaveQueue(this.api, data.project.id, data.document.id);
    this.panel = new SpanPanel(byId("panel"), {
      labels: this.labels,
      statuses: this.statuses,
      edit: (span, changes, what) => this.editSpan(span, changes, what),
      remove: (span) => this.deleteSpan(span),
      activate: (cid) => this.activate(cid, this.activeCandidates),
      stateOf: (span) => this.queue.stateOf(span),
      spanByCid: (cid) => this.spans.get(cid),
    });
    for (const server of data.document.spans) {
      const span = spanFromServer(server, this.map, data.user.id);
      this.spans.set(span.cid, span);
    }
  }

  // --- set-up ------------------------------------------------------------------------------------

  start(): void {
    document.body.classList.toggle("review-mode", this.data.mode === "review");
    this.view.renderAll(this.visibleLooks());
    this.renderSidebar();
    this.panel.show(null, this.canEdit());
    this.renderAssignment();
    this.renderSaveState();
    this.bindEvents();
    this.queue.onChange((span) => this.onSaveChange(span));
    performance.mark("workspace-interactive");
    document.body.dataset.ready = "1";
    if (this.data.mode === "annotate" && this.assignment?.state === "assigned") {
      // Opened by a direct link rather than "next": mark the work as started.
      void this.assignmentAction("start");
    }
  }

  private bindEvents(): void {
    const root = this.view.root;
    document.addEventListener("mouseup", (event) => this.onMouseUp(event));
    root.addEventListener("click", (event) => this.onClick(event));
    document.addEventListener("keydown", (event) => this.onKeyDown(event));
    // Clicking a label must not clear the text selection it applies to.
    byId("sidebar").addEventListener("mousedown", (event) => {
      if ((event.target as Element).closest(".label-btn")) event.preventDefault();
    });
    byId("btn-guidelines").addEventListener("click", () => this.toggleGuidelines());
    byId("btn-help").addEventListener("click", () => byId<HTMLDialogElement>("help").showModal());
    byId("btn-submit").addEventListener("click", () => void this.submit());
    byId("btn-skip").addEventListener("click", () => this.openSkip());
    byId("btn-next").addEventListener("click", () => void this.next());
    byId("btn-reopen").addEventListener("click", () => void this.reopen());
    byId("btn-retry-all").addEventListener("click", () => this.queue.retryAll());
    byId<HTMLFormElement>("skip-form").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.skip();
    });
    byId("skip-cancel").addEventListener("click", () =>
      byId<HTMLDialogElement>("skip-dialog").close(),
    );
    document.addEventListener("visibilitychange", () => this.trackVisibility());
    window.addEventListener("beforeunload", (event) => {
      this.panel.flushNote();
      if (this.queue.pendingCount() > 0) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // --- what is shown -------------------------------------------------------------------------------

  private canEdit(): boolean {
    if (this.data.mode !== "annotate" || !this.assignment) return false;
    return this.assignment.state === "assigned" || this.assignment.state === "in_progress";
  }

  private isVisible(span: LocalSpan): boolean {
    return !span.deleted && !this.hidden.has(span.annotator);
  }

  private look(span: LocalSpan): SpanLook {
    return {
      key: span.cid,
      start16: span.start16,
      end16: span.end16,
      color: this.labels.get(span.label)?.color ?? "#888888",
      own: span.own && this.data.mode === "annotate",
      state: this.queue.stateOf(span),
    };
  }

  private visibleLooks(): SpanLook[] {
    const out: SpanLook[] = [];
    for (const span of this.spans.values()) if (this.isVisible(span)) out.push(this.look(span));
    return out;
  }

  /** Redraw the given spans (added, changed, hidden or deleted). */
  private redraw(spans: LocalSpan[]): void {
    const next = new Map<string, SpanLook>();
    for (const span of spans) if (this.isVisible(span)) next.set(span.cid, this.look(span));
    this.view.update(
      spans.map((s) => s.cid),
      next,
    );
    if (this.active) this.view.setActive(this.active);
    this.renderCounts();
  }

  private countedSpans(): LocalSpan[] {
    const out: LocalSpan[] = [];
    for (const span of this.spans.values()) {
      if (span.deleted) continue;
      if (this.data.mode === "annotate" ? span.own : !this.hidden.has(span.annotator)) {
        out.push(span);
      }
    }
    return out;
  }

  private renderSidebar(): void {
    const sidebar = byId("sidebar");
    const editable = this.canEdit();
    const labelButtons = [...this.labels.values()]
      .filter((label) => !label.retired || [...this.spans.values()].some((s) => s.label === label.id))
      .map((label) => {
        const count = h("span", { class: "count", "data-label-count": label.key }, "0");
        this.countEls.set(label.id, count);
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "label-btn",
              "data-label": label.key,
              disabled: !editable || label.retired,
              title: label.retired ? "Retired label" : `Tag the selection as ${label.name}`,
              onclick: () => this.createSpan(label),
            },
            h("span", { class: "swatch", style: `background:${label.color}` }),
            h("span", { class: "name" }, label.name),
            label.shortcut ? h("kbd", {}, label.shortcut) : null,
            count,
          ),
        );
      });
    const sections: Node[] = [
      h("h2", {}, this.data.mode === "review" ? "Labels (visible spans)" : "Labels (your spans)"),
      h("ul", { class: "labels" }, ...labelButtons),
      h("p", { class: "selection-hint", id: "selection-hint", "aria-live": "polite" }),
    ];
    const annotators = new Map<number, string>();
    for (const span of this.spans.values()) {
      if (this.data.mode === "review" || !span.own) annotators.set(span.annotator, span.annotatorName);
    }
    if (annotators.size > 0) {
      const items = [...annotators.entries()]
        .sort((a, b) => a[1].localeCompare(b[1]))
        .map(([id, name]) => {
          const count = h("span", { class: "count" }, "0");
          this.annotatorEls.set(id, count);
          const box = h("input", {
            type: "checkbox",
            checked: !this.hidden.has(id),
            "data-annotator": name,
            onchange: () => this.toggleAnnotator(id, box.checked),
          });
          return h("li", {}, h("label", { class: "annotator" }, box, ` ${name} `, count));
        });
      sections.push(
        h("h2", {}, this.data.mode === "review" ? "Annotators" : "Other annotators (read only)"),
        h("ul", { class: "annotators", id: "annotator-toggles" }, ...items),
      );
    }
    sidebar.replaceChildren(...sections);
    this.renderCounts();
    this.renderSelectionHint();
  }

  private renderCounts(): void {
    const counts = new Map<number, number>();
    for (const span of this.countedSpans()) counts.set(span.label, (counts.get(span.label) ?? 0) + 1);
    for (const [id, el] of this.countEls) el.textContent = String(counts.get(id) ?? 0);
    const perAnnotator = new Map<number, number>();
    for (const span of this.spans.values()) {
      if (!span.deleted) perAnnotator.set(span.annotator, (perAnnotator.get(span.annotator) ?? 0) + 1);
    }
    for (const [id, el] of this.annotatorEls) el.textContent = `(${perAnnotator.get(id) ?? 0})`;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    byId("span-total").textContent = `${total} span${total === 1 ? "" : "s"}`;
  }

  private renderSelectionHint(message?: string): void {
    const hint = byId("selection-hint");
    if (message) {
      hint.textContent = message;
      hint.dataset.kind = "notice";
      return;
    }
    delete hint.dataset.kind;
    if (!this.selection) {
      hint.textContent = this.canEdit()
        ? "Select text (mouse, or Shift+→ from the text), then press a label key."
        : "";
      return;
    }
    const quote = this.map.sliceCodePoints(this.selection.start, this.selection.end);
    const shown = quote.length > 80 ? `${quote.slice(0, 77)}…` : quote;
    hint.textContent = `Selected “${shown}” (${this.selection.start}–${this.selection.end})`;
  }

  private toggleAnnotator(id: number, visible: boolean): void {
    if (visible) this.hidden.delete(id);
    else this.hidden.add(id);
    const affected = [...this.spans.values()].filter((s) => s.annotator === id);
    if (!visible && this.active && affected.some((s) => s.cid === this.active)) this.activate(null);
    this.redraw(affected);
  }

  // --- saving state ------------------------------------------------------------------------------

  private onSaveChange(span: LocalSpan | null): void {
    if (span) {
      this.view.setState(span.cid, this.queue.stateOf(span));
      if (this.panel.current === span) this.panel.updateState();
    }
    this.renderSaveState();
  }

  private renderSaveState(): void {
    const state: SaveState = this.queue.overall();
    const el = byId("save-state");
    el.dataset.state = state;
    const failures = this.queue.failures();
    const text = byId("save-text");
    if (state === "saved") text.textContent = "✓ All changes saved";
    else if (state === "saving") text.textContent = `Saving… (${this.queue.pendingCount()})`;
    else text.textContent = `⚠ ${failures.length} change${failures.length === 1 ? "" : "s"} not saved`;
    byId("btn-retry-all").hidden = state !== "failed";
    const list = byId("failures");
    list.hidden = failures.length === 0;
    list.replaceChildren(...failures.map((item) => this.failureItem(item)));
  }

  private failureItem(item: QueuedChange): HTMLElement {
    const error = item.error;
    const conflict = error?.isVersionConflict ?? false;
    const quote = item.span.quote.length > 40 ? `${item.span.quote.slice(0, 37)}…` : item.span.quote;
    const message = conflict
      ? "This span was changed elsewhere since you opened it."
      : (error?.message ?? "Unknown error");
    const buttons: HTMLElement[] = [];
    if (conflict) {
      buttons.push(
        h(
          "button",
          { type: "button", class: "keep-mine", onclick: () => void this.keepMine(item.span) },
          "Keep my change",
        ),
        h(
          "button",
          { type: "button", class: "take-theirs", onclick: () => void this.discard(item.span) },
          "Reload theirs",
        ),
      );
    } else {
      buttons.push(
        h("button", { type: "button", class: "retry", onclick: () => this.queue.retry(item.span) }, "Retry"),
        h(
          "button",
          { type: "button", class: "discard", onclick: () => void this.discard(item.span) },
          "Discard",
        ),
      );
    }
    return h(
      "div",
      {
        class: conflict ? "failure conflict" : "failure",
        role: "alert",
        "data-kind": error?.kind ?? "server",
        "data-status": error?.status ?? 0,
      },
      h("strong", {}, `${item.what} on “${quote}” not saved: `),
      message,
      " ",
      ...buttons,
    );
  }

  private async keepMine(span: LocalSpan): Promise<void> {
    try {
      await this.queue.keepMine(span);
    } catch (error) {
      this.notice(error instanceof ApiError ? error.message : String(error));
      await this.discard(span);
    }
  }

  /** Drop the span's unsaved changes and show what the server has. */
  private async discard(span: LocalSpan): Promise<void> {
    const failed = this.queue.failures().find((f) => f.span === span);
    if (!failed) return;
    if (span.id === null) {
      this.queue.drop(span);
      span.deleted = true;
      this.spans.delete(span.cid);
      if (this.active === span.cid) this.activate(null);
      this.redraw([span]);
      return;
    }
    let server: ServerSpan | null;
    try {
      server = await this.queue.fetchServer(span);
    } catch (error) {
      this.notice(`Could not reload the span: ${error instanceof ApiError ? error.message : error}`);
      return;
    }
    this.queue.drop(span);
    if (server === null) {
      span.deleted = true;
      this.spans.delete(span.cid);
      if (this.active === span.cid) this.activate(null);
    } else {
      applyServer(span, server);
      span.deleted = false;
      if (this.active === span.cid) this.panel.show(span, this.canEdit(), this.activeCandidates);
    }
    this.redraw([span]);
  }

  // --- creating, editing, deleting, undo ---------------------------------------------------------

  createSpan(label: Label, eventTime: number = performance.now()): void {
    if (!this.canEdit()) {
      this.notice(this.readOnlyReason());
      return;
    }
    if (label.retired) return;
    const selection = this.selection;
    if (!selection) {
      this.notice("Select some text first, then press the label's key.");
      return;
    }
    const duplicate = [...this.spans.values()].find(
      (s) =>
        s.own &&
        !s.deleted &&
        s.label === label.id &&
        s.start === selection.start &&
        s.end === selection.end,
    );
    if (duplicate) {
      this.notice(`You already tagged this as ${label.name}.`);
      this.activate(duplicate.cid);
      return;
    }
    const initial = [...this.statuses.values()].find((s) => s.is_initial);
    const [start16, end16] = this.map.rangeToUtf16(selection.start, selection.end);
    const span: LocalSpan = {
      cid: newCid(),
      id: null,
      annotator: this.data.user.id,
      annotatorName: this.data.user.username,
      own: true,
      label: label.id,
      status: initial?.id ?? [...this.statuses.values()][0]?.id ?? 0,
      note: "",
      evidence: [],
      start: selection.start,
      end: selection.end,
      start16,
      end16,
      quote: this.map.sliceCodePoints(selection.start, selection.end),
      version: 0,
      deleted: false,
    };
    this.spans.set(span.cid, span);
    this.queue.enqueue(span, { kind: "create" }, "New span");
    this.undoStack.push({ kind: "create", span });
    this.clearSelection();
    this.redraw([span]);
    this.activate(span.cid, [span.cid], false);
    // Time until the new highlight is on screen: the next frame after the DOM change.
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.measure("span-visible", { start: eventTime, end: performance.now() });
      }, 0),
    );
  }

  private editSpan(span: LocalSpan, changes: Partial<Editable>, what: string, undoable = true): void {
    if (!span.own || !this.canEdit()) return;
    const keys = Object.keys(changes) as (keyof Editable)[];
    const before = copyEditable(span, keys);
    Object.assign(span, changes);
    if (changes.evidence) span.evidence = changes.evidence.map((e) => ({ ...e }));
    if (undoable) this.undoStack.push({ kind: "update", span, before });
    this.queue.enqueue(span, { kind: "update", changes }, what);
    if (changes.label !== undefined) {
      this.redraw([span]);
      if (this.panel.current === span) this.panel.show(span, true, this.activeCandidates);
    }
  }

  deleteSpan(span: LocalSpan, undoable = true): void {
    if (!span.own || !this.canEdit() || span.deleted) return;
    span.deleted = true;
    if (this.active === span.cid) this.activate(null);
    if (undoable) this.undoStack.push({ kind: "delete", span });
    this.queue.enqueue(span, { kind: "delete" }, "Delete");
    this.redraw([span]);
  }

  undo(): void {
    if (!this.canEdit()) return;
    for (;;) {
      const entry = this.undoStack.pop();
      if (!entry) {
        this.notice("Nothing to undo.");
        return;
      }
      const span = entry.span;
      if (!this.spans.has(span.cid)) continue; // discarded meanwhile
      if (entry.kind === "create") {
        if (span.deleted) continue;
        this.deleteSpan(span, false);
        this.notice("Undone: new span removed.");
        return;
      }
      if (entry.kind === "delete") {
        if (!span.deleted) continue;
        span.deleted = false;
        this.queue.enqueue(span, { kind: "create" }, "Restore");
        this.redraw([span]);
        this.activate(span.cid, [span.cid], false);
        this.notice("Undone: span restored.");
        return;
      }
      if (span.deleted) continue;
      this.editSpan(span, entry.before, "Undo", false);
      if (this.panel.current === span) this.panel.show(span, true, this.activeCandidates);
      this.notice("Undone: edit reverted.");
      return;
    }
  }

  // --- activation and the panel -----------------------------------------------------------------

  activate(cid: string | null, candidates: string[] = cid ? [cid] : [], focusPanel = false): void {
    this.active = cid;
    this.activeCandidates = candidates;
    this.view.setActive(cid);
    const span = cid ? (this.spans.get(cid) ?? null) : null;
    this.panel.show(span, span ? span.own && this.canEdit() : this.canEdit(), candidates);
    if (focusPanel) this.panel.focusStatus();
  }

  private stepSpan(direction: 1 | -1): void {
    const visible = [...this.spans.values()]
      .filter((s) => this.isVisible(s))
      .sort((a, b) => a.start - b.start || b.end - a.end || a.cid.localeCompare(b.cid));
    if (visible.length === 0) return;
    const index = visible.findIndex((s) => s.cid === this.active);
    const next =
      index === -1
        ? direction === 1
          ? 0
          : visible.length - 1
        : (index + direction + visible.length) % visible.length;
    const span = visible[next];
    this.activate(span.cid);
    this.view.segmentsOf(span.cid)[0]?.scrollIntoView({ block: "nearest" });
  }

  // --- selection -----------------------------------------------------------------------------------

  private onMouseUp(event: MouseEvent): void {
    if (event.button !== 0) return;
    const target = event.target as Node;
    if (!(target instanceof Node) || byId("panel").contains(target) || byId("sidebar").contains(target)) return;
    const range16 = this.view.selectionRange16(window.getSelection());
    if (!range16) {
      if (this.view.root.contains(target)) this.selection = null;
      this.renderSelectionHint();
      return;
    }
    let [start, end] = this.map.rangeToCodePoints(range16[0], range16[1]);
    if (!event.altKey) {
      const snapped = snapToWords(this.map, start, end);
      if (!snapped) {
        this.clearSelection();
        return;
      }
      [start, end] = snapped;
    }
    this.setSelection({ start, end });
  }

  private onClick(event: MouseEvent): void {
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return; // a drag, handled on mouseup
    const keys = this.view.keysAt(event.target as Node);
    if (keys.length === 0) {
      if (this.active) this.activate(null);
      return;
    }
    // Clicking again on the same place cycles through the spans stacked there.
    const sameSpot =
      keys.length === this.activeCandidates.length && keys.every((k) => this.activeCandidates.includes(k));
    const index = sameSpot && this.active ? (keys.indexOf(this.active) + 1) % keys.length : 0;
    this.activate(keys[index], keys);
  }

  private setSelection(range: CpRange, show = true): void {
    this.selection = range;
    if (show) {
      const [s16, e16] = this.map.rangeToUtf16(range.start, range.end);
      this.view.select(s16, e16);
    }
    this.renderSelectionHint();
  }

  private clearSelection(): void {
    this.selection = null;
    window.getSelection()?.removeAllRanges();
    this.renderSelectionHint();
  }

  /** Arrow keys: move a one-word selection; Shift+arrows grow or shrink it; Alt: by character. */
  private moveSelection(key: "ArrowRight" | "ArrowLeft", extend: boolean, byChar: boolean): void {
    const map = this.map;
    const current = this.selection;
    if (!extend || !current) {
      let word: [number, number] | null;
      if (key === "ArrowRight") {
        const from = current?.end ?? (this.active ? this.spans.get(this.active)?.end : 0) ?? 0;
        word = byChar
          ? from < map.lengthCp
            ? [from, from + 1]
            : null
          : wordAfter(map, current || this.active ? from : 0);
      } else {
        const to = current?.start ?? (this.active ? this.spans.get(this.active)?.start : map.lengthCp) ?? map.lengthCp;
        word = byChar ? (to > 0 ? [to - 1, to] : null) : wordBefore(map, to);
      }
      if (word) this.setSelection({ start: word[0], end: word[1] });
      return;
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
    this.setSelection({ start, end });
  }

  // --- keyboard ----------------------------------------------------------------------------------

  private onKeyDown(event: KeyboardEvent): void {
    if (event.defaultPrevented || event.isComposing) return;
    if (document.querySelector("dialog[open]")) return;
    // A <select> has no text of its own to undo: Ctrl+Z there undoes the last change too.
    const inSelect = event.target instanceof HTMLSelectElement;
    const typing = isTyping(event.target) && !(inSelect && (event.ctrlKey || event.metaKey));
    if (event.key === "Escape") {
      if (typing) {
        (event.target as HTMLElement).blur();
        this.view.root.focus({ preventScroll: true });
      } else {
        this.clearSelection();
        this.activate(null);
        byId("guidelines").hidden = true;
      }
      return;
    }
    if (typing) return;
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && event.key.toLowerCase() === "z" && !event.shiftKey) {
      event.preventDefault();
      this.undo();
      return;
    }
    if (ctrl && event.key === "Enter") {
      event.preventDefault();
      void this.submit();
      return;
    }
    if (ctrl) return; // leave copy, find, reload... to the browser
    if (!event.altKey) {
      const label = [...this.labels.values()].find(
        (l) => !l.retired && l.shortcut !== "" && l.shortcut === event.key,
      );
      if (label) {
        event.preventDefault();
        this.createSpan(label, event.timeStamp);
        return;
      }
    }
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const focus = document.activeElement;
      if (focus === document.body || focus === this.view.root || focus === null) {
        event.preventDefault();
        this.moveSelection(event.key, event.shiftKey, event.altKey);
      }
      return;
    }
    const active = this.active ? this.spans.get(this.active) : undefined;
    switch (event.key) {
      case "Delete":
      case "Backspace":
        if (active) {
          event.preventDefault();
          if (active.own && this.canEdit()) this.deleteSpan(active);
          else this.notice("You can delete only your own spans while the document is open.");
        }
        return;
      case "j":
        this.stepSpan(1);
        return;
      case "k":
        this.stepSpan(-1);
        return;
      case "e":
        if (active?.own && this.canEdit()) {
          event.preventDefault();
          this.panel.focusStatus();
        }
        return;
      case "n":
        void this.next();
        return;
      case "g":
        this.toggleGuidelines();
        return;
      case "?":
        byId<HTMLDialogElement>("help").showModal();
        return;
      default:
    }
  }

  private toggleGuidelines(): void {
    const drawer = byId("guidelines");
    drawer.hidden = !drawer.hidden;
    byId("btn-guidelines").setAttribute("aria-expanded", String(!drawer.hidden));
  }

  private notice(message: string): void {
    this.renderSelectionHint(message);
    const toast = byId("toast");
    toast.textContent = message;
    toast.hidden = false;
    window.clearTimeout(Number(toast.dataset.timer ?? 0));
    toast.dataset.timer = String(window.setTimeout(() => (toast.hidden = true), 4000));
  }

  private readOnlyReason(): string {
    if (this.data.mode === "review") return "Review mode is read only.";
    if (!this.assignment) return "This document is not assigned to you.";
    if (this.assignment.state === "submitted") return "You submitted this document: reopen it to edit.";
    if (this.assignment.state === "skipped") return "You skipped this document: reopen it to edit.";
    return "This document is read only.";
  }

  // --- assignment: submit, skip, next, reopen ----------------------------------------------------

  private trackVisibility(): void {
    if (document.visibilityState === "hidden") {
      this.visibleMs += performance.now() - this.visibleSince;
    } else {
      this.visibleSince = performance.now();
    }
  }

  private secondsSpent(): number {
    const running = document.visibilityState === "hidden" ? 0 : performance.now() - this.visibleSince;
    const seconds = Math.round((this.visibleMs + running) / 1000);
    this.visibleMs = 0;
    this.visibleSince = performance.now();
    return seconds;
  }

  private renderAssignment(): void {
    const state = this.assignment?.state ?? null;
    const annotating = this.data.mode === "annotate" && this.assignment !== null;
    const open = state === "assigned" || state === "in_progress";
    byId("btn-submit").hidden = !(annotating && open);
    byId("btn-skip").hidden = !(annotating && open);
    byId("btn-reopen").hidden = !(annotating && !open);
    byId("btn-next").hidden = !(annotating && !open);
    const banner = byId("banner");
    if (annotating && state === "submitted") {
      banner.hidden = false;
      banner.dataset.state = "submitted";
      banner.textContent = "Submitted. Press n for the next document.";
    } else if (annotating && state === "skipped") {
      banner.hidden = false;
      banner.dataset.state = "skipped";
      banner.textContent = `Skipped: ${this.assignment?.skip_reason ?? ""}. Press n for the next document.`;
    } else if (this.data.mode === "review") {
      banner.hidden = false;
      banner.dataset.state = "review";
      banner.textContent = "Review mode: every annotator's spans, read only.";
    } else {
      banner.hidden = true;
    }
    document.body.classList.toggle("read-only", !this.canEdit());
    for (const button of document.querySelectorAll<HTMLButtonElement>(".label-btn")) {
      const label = [...this.labels.values()].find((l) => l.key === button.dataset.label);
      button.disabled = !this.canEdit() || !!label?.retired;
    }
  }

  private async assignmentAction(
    action: "start" | "submit" | "skip" | "reopen",
    reason = "",
  ): Promise<boolean> {
    if (!this.assignment) return false;
    try {
      const body =
        action === "reopen" || action === "start"
          ? {}
          : { time_spent_seconds: this.secondsSpent(), reason };
      this.assignment = await this.api.request<Assignment>(
        `projects/${this.data.project.id}/assignments/${this.assignment.id}/${action}/`,
        { method: "POST", body },
      );
    } catch (error) {
      this.notice(`Could not ${action}: ${error instanceof ApiError ? error.message : error}`);
      return false;
    }
    // Starting changes nothing on screen; re-rendering would throw away a panel being edited.
    if (action === "start") return true;
    this.renderAssignment();
    this.renderSidebar();
    this.activate(this.active);
    return true;
  }

  async submit(): Promise<void> {
    if (!this.canEdit()) return;
    this.panel.flushNote();
    if (this.queue.overall() === "failed") {
      this.notice("Some changes are not saved: retry or discard them before submitting.");
      return;
    }
    if (this.queue.pendingCount() > 0) {
      byId("save-text").textContent = "Saving before submit…";
      await this.queue.idle();
    }
    await this.assignmentAction("submit");
  }

  private openSkip(): void {
    if (!this.canEdit()) return;
    const dialog = byId<HTMLDialogElement>("skip-dialog");
    byId<HTMLTextAreaElement>("skip-reason").value = "";
    dialog.showModal();
  }

  private async skip(): Promise<void> {
    const reason = byId<HTMLTextAreaElement>("skip-reason").value.trim();
    if (!reason) {
      byId("skip-error").textContent = "Say why you skip this document.";
      return;
    }
    byId<HTMLDialogElement>("skip-dialog").close();
    this.panel.flushNote();
    await this.queue.idle();
    await this.assignmentAction("skip", reason);
  }

  private async reopen(): Promise<void> {
    await this.assignmentAction("reopen");
  }

  async next(): Promise<void> {
    if (this.data.mode === "annotate" && this.canEdit()) {
      this.notice("Submit (Ctrl+Enter) or skip this document first.");
      return;
    }
    if (this.data.mode === "review") {
      window.location.assign(this.data.urls.project);
      return;
    }
    let assignment: Assignment | undefined;
    try {
      assignment = await this.api.request<Assignment | undefined>(
        `projects/${this.data.project.id}/assignments/next/`,
        { method: "POST" },
      );
    } catch (error) {
      this.notice(`Could not open the next document: ${error instanceof ApiError ? error.message : error}`);
      return;
    }
    if (!assignment) {
      window.location.assign(`${this.data.urls.project}?done=1`);
      return;
    }
    window.location.assign(`${this.data.urls.documents}${assignment.document}/`);
  }
}
