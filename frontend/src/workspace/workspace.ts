/**
 * The annotator's workspace: one document, its spans, keyboard and mouse selection, the side
 * panel, saving, undo, and the assignment's submit / skip / next. In review mode the same page
 * shows every annotator's spans read-only, toggled per annotator.
 *
 * This class holds the page's state and wires its parts together: the sidebar (sidebar.ts), the
 * span panel (panel.ts), the save queue and its status (save-queue.ts, save-status.ts), the
 * assignment's buttons (assignment.ts) and the keyboard (keyboard.ts, selection.ts).
 */

import { annotatorColors } from "./annotator-colors";
import { Api, ApiError } from "../shared/api";
import type { Label, ServerSpan, Status } from "../shared/api-types";
import { byId, safeColor } from "../shared/dom";
import { OffsetMap } from "../shared/offsets";
import { type SpanLook, TextView } from "../shared/textview";
import { snapToWords } from "../shared/words";
import { AssignmentControls } from "./assignment";
import type { Bootstrap } from "./bootstrap";
import { onKeyDown } from "./keyboard";
import { SpanPanel } from "./panel";
import { SaveQueue } from "./save-queue";
import { renderSaveStatus } from "./save-status";
import { type CpRange, movedSelection } from "./selection";
import { Sidebar } from "./sidebar";
import { applyServer, type Editable, type LocalSpan, newCid, spanFromServer } from "./spans";

type UndoEntry =
  | { kind: "create"; span: LocalSpan }
  | { kind: "delete"; span: LocalSpan }
  | { kind: "update"; span: LocalSpan; before: Partial<Editable> };

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
  readonly data: Bootstrap;
  readonly api: Api;
  readonly map: OffsetMap;
  private readonly view: TextView;
  readonly queue: SaveQueue;
  private readonly panel: SpanPanel;
  private readonly sidebar: Sidebar;
  private readonly assignment: AssignmentControls;
  readonly labels: Map<number, Label>;
  /** Review mode: each annotator's colour (annotator-colors.ts); empty while annotating. */
  private annotatorColors = new Map<number, string>();
  readonly statuses: Map<number, Status>;
  private readonly spans = new Map<string, LocalSpan>();
  private readonly hidden = new Set<number>();
  private readonly undoStack: UndoEntry[] = [];
  private selection: CpRange | null = null;
  private active: string | null = null;
  private activeCandidates: string[] = [];

  constructor(data: Bootstrap) {
    this.data = data;
    this.api = new Api(data.apiRoot, data.csrfToken);
    this.map = new OffsetMap(data.document.text);
    this.labels = new Map(data.labels.map((l) => [l.id, { ...l, color: safeColor(l.color) }]));
    this.statuses = new Map(data.statuses.map((s) => [s.id, s]));
    this.view = new TextView(byId("doc-text"), this.map);
    this.queue = new SaveQueue(this.api, data.project.id, data.document.id);
    this.assignment = new AssignmentControls({
      data,
      api: this.api,
      queue: this.queue,
      labels: this.labels,
      flushNote: () => this.panel.flushNote(),
      notice: (message) => this.notice(message),
      assignmentChanged: () => {
        this.sidebar.render();
        this.activate(this.active);
      },
    });
    this.panel = new SpanPanel(byId("panel"), {
      labels: this.labels,
      statuses: this.statuses,
      edit: (span, changes, what) => this.editSpan(span, changes, what),
      remove: (span) => this.deleteSpan(span),
      activate: (cid) => this.activate(cid, this.activeCandidates),
      stateOf: (span) => this.queue.stateOf(span),
      spanByCid: (cid) => this.spans.get(cid),
    });
    this.sidebar = new Sidebar({
      mode: data.mode,
      labels: this.labels,
      map: this.map,
      spans: () => this.spans.values(),
      isHidden: (annotator) => this.hidden.has(annotator),
      canEdit: () => this.canEdit(),
      selection: () => this.selection,
      createSpan: (label) => this.createSpan(label),
      toggleAnnotator: (id, visible) => this.toggleAnnotator(id, visible),
      annotatorColor: (id) => this.annotatorColors.get(id),
    });
    for (const server of data.document.spans) {
      const span = spanFromServer(server, this.map, data.user.id);
      this.spans.set(span.cid, span);
    }
    if (data.mode === "review") {
      this.annotatorColors = annotatorColors(
        [...this.spans.values()].map((s) => [s.annotator, s.annotatorName] as [number, string]),
      );
    }
  }

  // --- set-up ------------------------------------------------------------------------------------

  start(): void {
    document.body.classList.toggle("review-mode", this.data.mode === "review");
    this.view.renderAll(this.visibleLooks());
    this.sidebar.render();
    this.panel.show(null, this.canEdit());
    this.assignment.render();
    this.renderSaveState();
    this.bindEvents();
    this.queue.onChange((span) => this.onSaveChange(span));
    performance.mark("workspace-interactive");
    document.body.dataset.ready = "1";
    if (
      this.data.mode === "annotate" &&
      this.assignment.state === "assigned" &&
      !this.data.project.archived
    ) {
      // Opened by a direct link rather than "next": mark the work as started.
      void this.assignment.action("start");
    }
  }

  private bindEvents(): void {
    const root = this.view.root;
    document.addEventListener("mouseup", (event) => this.onMouseUp(event));
    root.addEventListener("click", (event) => this.onClick(event));
    document.addEventListener("keydown", (event) => onKeyDown(this, event));
    // Clicking a label must not clear the text selection it applies to.
    byId("sidebar").addEventListener("mousedown", (event) => {
      if ((event.target as Element).closest(".label-btn")) event.preventDefault();
    });
    byId("btn-guidelines").addEventListener("click", () => this.toggleGuidelines());
    byId("btn-help").addEventListener("click", () => byId<HTMLDialogElement>("help").showModal());
    this.assignment.bind();
    byId("btn-retry-all").addEventListener("click", () => this.queue.retryAll());
    window.addEventListener("beforeunload", (event) => {
      this.panel.flushNote();
      if (this.queue.pendingCount() > 0) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // --- what is shown -------------------------------------------------------------------------------

  canEdit(): boolean {
    return this.assignment.canEdit();
  }

  get textRoot(): HTMLElement {
    return this.view.root;
  }

  activeSpan(): LocalSpan | undefined {
    return this.active ? this.spans.get(this.active) : undefined;
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
      mark: this.annotatorColors.get(span.annotator),
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
    this.sidebar.renderCounts();
  }

  private toggleAnnotator(id: number, visible: boolean): void {
    if (visible) this.hidden.delete(id);
    else this.hidden.add(id);
    const affected = [...this.spans.values()].filter((s) => s.annotator === id);
    if (!visible && this.active && affected.some((s) => s.cid === this.active)) this.activate(null);
    this.redraw(affected);
  }

  toggleGuidelines(): void {
    const drawer = byId("guidelines");
    drawer.hidden = !drawer.hidden;
    byId("btn-guidelines").setAttribute("aria-expanded", String(!drawer.hidden));
  }

  notice(message: string): void {
    this.sidebar.renderSelectionHint(message);
    const toast = byId("toast");
    toast.textContent = message;
    toast.hidden = false;
    window.clearTimeout(Number(toast.dataset.timer ?? 0));
    toast.dataset.timer = String(window.setTimeout(() => (toast.hidden = true), 4000));
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
    const readOnly = this.data.mode === "review" || this.data.project.archived;
    renderSaveStatus(
      this.queue,
      {
        retry: (span) => this.queue.retry(span),
        keepMine: (span) => this.keepMine(span),
        discard: (span) => this.discard(span),
      },
      readOnly,
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
      this.notice(this.assignment.readOnlyReason());
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

  focusPanel(): void {
    this.panel.focusStatus();
  }

  stepSpan(direction: 1 | -1): void {
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
      this.sidebar.renderSelectionHint();
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
    this.sidebar.renderSelectionHint();
  }

  clearSelection(): void {
    this.selection = null;
    window.getSelection()?.removeAllRanges();
    this.sidebar.renderSelectionHint();
  }

  moveSelection(key: "ArrowRight" | "ArrowLeft", extend: boolean, byChar: boolean): void {
    const next = movedSelection(
      this.map,
      this.selection,
      this.activeSpan() ?? null,
      key,
      extend,
      byChar,
    );
    if (next) this.setSelection(next);
  }

  // --- the assignment ----------------------------------------------------------------------------

  submit(): Promise<void> {
    return this.assignment.submit();
  }

  next(): Promise<void> {
    return this.assignment.next();
  }
}
