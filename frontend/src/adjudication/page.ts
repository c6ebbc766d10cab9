/**
 * One document to adjudicate (`/projects/<id>/adjudicate/<doc>/`).
 *
 * The document page shows the text with the gold spans (solid) and the annotators' clusters
 * (striped), and beside it one card per cluster with one lane per annotator, so every annotator's
 * version of a span sits under the others'. From there a reviewer accepts a cluster's proposal or
 * one annotator's version, edits or rejects gold spans, adds a gold span from a text selection,
 * sets verdicts with evidence, discusses, and marks the document adjudicated. Every change goes
 * through the API and the page then reloads the document from it, so what is shown is what is
 * stored. Offsets from the browser's selection become code points through `OffsetMap` only.
 *
 * This class loads the document, holds the page's state and draws the text; the cluster cards,
 * gold spans, verdicts and discussions are drawn by clusters.ts, gold.ts, verdict.ts and thread.ts
 * through the `AdjudicationView` it provides.
 */

import { type Api, ApiError } from "../shared/api";
import type {
  AcceptUnanimousResult,
  AdjudicationDocument,
  AdjudicationQueueRow,
  AdjudicationStateBody,
  Comment,
  GoldCreateBody,
  Label,
  Page,
  ServerSpan,
  Status,
} from "../shared/api-types";
import { byId, h, safeColor } from "../shared/dom";
import { OffsetMap } from "../shared/offsets";
import { apiFor, pageData, projectApi, showError, toast } from "../shared/reviewer-pages";
import { type SpanLook, TextView } from "../shared/textview";
import { shortQuote } from "../shared/wording";
import { clusterName, isResolved, renderClusters } from "./clusters";
import { renderGold } from "./gold";
import { thread } from "./thread";
import type { AdjudicationBootstrap } from "./types";

/** What the page's parts (cluster cards, gold spans, verdicts, threads) use of it. */
export interface AdjudicationView {
  readonly data: AdjudicationBootstrap;
  readonly api: Api;
  readonly docId: number;
  readonly detail: AdjudicationDocument | null;
  readonly map: OffsetMap | null;
  readonly comments: Comment[];
  /** The text selection (code points) waiting to become a gold span or new boundaries. */
  readonly selection: [number, number] | null;
  /** Threads and editors left open across reloads, by key. */
  readonly open: Set<string>;
  act(what: () => Promise<unknown>, done?: string, errorEl?: HTMLElement): Promise<boolean>;
  reloadComments(): Promise<void>;
  render(): void;
  labelColor(id: number): string;
  labelName(id: number): string;
  labelKey(id: number): string;
  status(id: number): Status | undefined;
  quoteOf(start: number, end: number): string;
  showInText(start: number, end: number): void;
  spanById(): Map<number, ServerSpan>;
}

export function startAdjudication(): void {
  const page = new AdjudicationPage(pageData<AdjudicationBootstrap>());
  (window as unknown as { workbench?: unknown }).workbench = page;
  void page.start();
}

export class AdjudicationPage implements AdjudicationView {
  readonly data: AdjudicationBootstrap;
  readonly api: Api;
  detail: AdjudicationDocument | null = null;
  map: OffsetMap | null = null;
  private view: TextView | null = null;
  comments: Comment[] = [];
  /** The text selection (code points) waiting to become a gold span or new boundaries. */
  selection: [number, number] | null = null;
  /** Threads and editors left open across reloads, by key. */
  readonly open = new Set<string>();
  private busy = false;

  constructor(data: AdjudicationBootstrap) {
    this.data = data;
    this.api = apiFor(data);
  }

  get docId(): number {
    return this.data.document.id;
  }

  async start(): Promise<void> {
    byId("btn-accept-unanimous").addEventListener("click", () => void this.acceptUnanimous());
    byId("btn-adjudicated").addEventListener("click", () => this.onAdjudicatedClick());
    const dialog = byId<HTMLDialogElement>("confirm-adjudicated");
    byId("confirm-adjudicated-keep").addEventListener("click", () => dialog.close("keep"));
    byId("confirm-adjudicated-anyway").addEventListener("click", () => dialog.close("anyway"));
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "anyway") void this.toggleState();
      else byId("btn-adjudicated").focus();
      dialog.returnValue = "";
    });
    const text = byId("doc-text");
    text.addEventListener("mouseup", () => this.readSelection());
    text.addEventListener("keyup", () => this.readSelection());
    text.addEventListener("click", (event) => this.onTextClick(event));
    this.renderNewGoldLabels();
    await this.load();
    document.body.dataset.ready = "1";
    void this.findNext();
  }

  // --- loading ----------------------------------------------------------------------------------

  async load(): Promise<void> {
    try {
      const [detail, comments] = await Promise.all([
        this.api.request<AdjudicationDocument>(
          projectApi(this.data, `adjudication/${this.docId}/`),
        ),
        this.api.request<Page<Comment>>(
          projectApi(this.data, `comments/?document=${this.docId}&page_size=1000`),
        ),
      ]);
      this.detail = detail;
      this.comments = comments.results;
      this.render();
    } catch (e) {
      this.fail(`Could not load the document: ${(e as Error).message}`);
    }
  }

  async reloadComments(): Promise<void> {
    const comments = await this.api.request<Page<Comment>>(
      projectApi(this.data, `comments/?document=${this.docId}&page_size=1000`),
    );
    this.comments = comments.results;
  }

  /** Run one change against the API, then show the stored state; errors stay on screen. */
  async act(
    what: () => Promise<unknown>,
    done?: string,
    errorEl: HTMLElement = byId("action-error"),
  ): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    document.body.dataset.busy = "1";
    showError(byId("action-error"), null);
    showError(errorEl, null);
    try {
      await what();
      if (done) toast(done);
      await this.load();
      return true;
    } catch (e) {
      const error = e as ApiError;
      showError(errorEl, error.message || "The change was refused.");
      if (error instanceof ApiError && error.isVersionConflict) await this.load();
      return false;
    } finally {
      this.busy = false;
      delete document.body.dataset.busy;
    }
  }

  private fail(message: string): void {
    showError(byId("action-error"), message);
  }

  private async findNext(): Promise<void> {
    try {
      const queue = await this.api.request<Page<AdjudicationQueueRow>>(
        projectApi(this.data, "adjudication/?page_size=500"),
      );
      const rows = queue.results;
      const here = rows.findIndex((r) => r.document === this.docId);
      const after = [...rows.slice(here + 1), ...rows.slice(0, Math.max(here, 0))];
      const next = after.find((r) => r.state !== "adjudicated" && r.document !== this.docId);
      const link = byId<HTMLAnchorElement>("next-doc");
      if (next) {
        link.href = `${this.data.urls.adjudicate}${next.document}/`;
        link.title = next.title;
        link.hidden = false;
      }
    } catch {
      // The link is a convenience.
    }
  }

  // --- names and colours --------------------------------------------------------------------------

  private label(id: number): Label | undefined {
    return this.data.labels.find((l) => l.id === id);
  }

  labelColor(id: number): string {
    return safeColor(this.label(id)?.color ?? "#888888");
  }

  /** What people read: the label's name. */
  labelName(id: number): string {
    return this.label(id)?.name ?? `label ${id}`;
  }

  /** What `data-label` attributes (and tests) match: the label's key. */
  labelKey(id: number): string {
    return this.label(id)?.key ?? String(id);
  }

  status(id: number): Status | undefined {
    return this.data.statuses.find((s) => s.id === id);
  }

  quoteOf(start: number, end: number): string {
    return this.map ? this.map.sliceCodePoints(start, end) : "";
  }

  // --- rendering --------------------------------------------------------------------------------

  render(): void {
    const d = this.detail;
    if (!d) return;
    if (!this.map || this.map.text !== d.document.text) {
      this.map = new OffsetMap(d.document.text);
      this.view = new TextView(byId("doc-text"), this.map);
    }
    const badge = byId("adj-state");
    badge.textContent = d.state;
    badge.dataset.state = d.state;
    byId("btn-adjudicated").textContent = d.state === "adjudicated" ? "Reopen" : "Mark adjudicated";
    const pending = this.unanimousPending();
    const acceptAll = byId<HTMLButtonElement>("btn-accept-unanimous");
    acceptAll.textContent = `Accept all unanimous (${pending})`;
    acceptAll.disabled = pending === 0;
    const kinds = { unanimous: 0, majority: 0, disputed: 0 };
    for (const c of d.clusters) kinds[c.kind]++;
    const open = this.unresolvedClusters().length;
    const summary = byId("adj-summary");
    summary.textContent =
      `${d.annotators.length} annotator${d.annotators.length === 1 ? "" : "s"} submitted · ` +
      `${kinds.unanimous} unanimous, ${kinds.majority} majority, ${kinds.disputed} disputed · ` +
      `${open} to resolve · ` +
      `${d.gold_spans.length} gold span${d.gold_spans.length === 1 ? "" : "s"}`;
    summary.dataset.unresolved = String(open);
    const clusterCount = byId("cluster-count");
    clusterCount.textContent =
      `(${d.clusters.length} cluster${d.clusters.length === 1 ? "" : "s"}, ` +
      `${open} to resolve)`;
    clusterCount.dataset.unresolved = String(open);
    byId("jump-gold").textContent = `Gold standard (${d.gold_spans.length}) ↓`;
    byId("gold-count").textContent = `(${d.gold_spans.length})`;
    this.renderLegend();
    this.renderText();
    renderClusters(this);
    renderGold(this);
    this.renderDocumentThread();
  }

  private renderLegend(): void {
    byId("annotator-legend").replaceChildren(
      h("span", { class: "legend-item" }, h("span", { class: "legend-gold" }), "gold span"),
      h(
        "span",
        { class: "legend-item" },
        h("span", { class: "legend-cluster" }),
        "annotators' cluster",
      ),
      ...this.data.labels
        .filter((l) => !l.retired)
        .map((l) =>
          h(
            "span",
            { class: "legend-item" },
            h("span", { class: "swatch", style: `background:${safeColor(l.color)}` }),
            l.name,
          ),
        ),
    );
  }

  private renderText(): void {
    const d = this.detail!;
    const map = this.map!;
    const looks: SpanLook[] = [];
    d.gold_spans.forEach((g) => {
      const [s16, e16] = map.rangeToUtf16(g.start, g.end);
      looks.push({
        key: `g${g.id}`,
        start16: s16,
        end16: e16,
        color: this.labelColor(g.label),
        own: true,
        state: "saved",
      });
    });
    d.clusters.forEach((c, i) => {
      const [s16, e16] = map.rangeToUtf16(c.start, c.end);
      looks.push({
        key: `c${i}`,
        start16: s16,
        end16: e16,
        color: this.labelColor(c.label),
        own: false,
        state: "saved",
      });
    });
    this.view!.renderAll(looks);
  }

  private onTextClick(event: MouseEvent): void {
    if (!this.view) return;
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return;
    const keys = this.view.keysAt(event.target as Node);
    const key = keys.find((k) => k.startsWith("g")) ?? keys[0];
    if (!key) return;
    const card = document.querySelector<HTMLElement>(
      key.startsWith("g") ? `[data-gold="${key.slice(1)}"]` : `[data-cluster="${key.slice(1)}"]`,
    );
    if (card) this.flash(card);
  }

  private flash(card: HTMLElement): void {
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    card.classList.remove("flash");
    void card.offsetWidth;
    card.classList.add("flash");
  }

  showInText(start: number, end: number): void {
    if (!this.map || !this.view) return;
    const [s16, e16] = this.map.rangeToUtf16(start, end);
    this.view.select(s16, e16);
    this.readSelection();
  }

  spanById(): Map<number, ServerSpan> {
    return new Map(this.detail!.spans.map((s) => [s.id, s]));
  }

  /** Clusters no gold span settles yet, in the order of the text. */
  unresolvedClusters(): AdjudicationDocument["clusters"] {
    const d = this.detail;
    if (!d) return [];
    return d.clusters.filter((c) => !isResolved(this, c));
  }

  private unanimousPending(): number {
    const d = this.detail!;
    return d.clusters.filter(
      (c) =>
        c.kind === "unanimous" &&
        !d.gold_spans.some(
          (g) => g.label === c.label && g.start === c.proposal.start && g.end === c.proposal.end,
        ),
    ).length;
  }

  // --- new gold spans from a selection ------------------------------------------------------------

  private renderNewGoldLabels(): void {
    byId("new-gold-labels").replaceChildren(
      ...this.data.labels
        .filter((l) => !l.retired)
        .map((l) =>
          h(
            "button",
            {
              type: "button",
              class: "label-add",
              "data-label": l.key,
              disabled: true,
              title: `Add the selected text to the gold standard as ${l.name}`,
              onclick: () => void this.addGold(l),
            },
            h("span", { class: "swatch", style: `background:${safeColor(l.color)}` }),
            ` + ${l.name}`,
          ),
        ),
    );
  }

  readSelection(): void {
    if (!this.view || !this.map) return;
    const range16 = this.view.selectionRange16(window.getSelection());
    this.selection = range16 ? this.map.rangeToCodePoints(range16[0], range16[1]) : null;
    const hint = byId("selection-hint");
    if (this.selection) {
      const [start, end] = this.selection;
      const quote = this.map.sliceCodePoints(start, end);
      hint.textContent = `Selected ${shortQuote(quote, 80)}`;
      hint.dataset.start = String(start);
      hint.dataset.end = String(end);
    } else {
      hint.textContent = "Select text to add a gold span none of the annotators made.";
      delete hint.dataset.start;
      delete hint.dataset.end;
    }
    for (const button of document.querySelectorAll<HTMLButtonElement>(
      ".label-add, .use-selection",
    )) {
      button.disabled = !this.selection;
    }
  }

  private async addGold(label: Label): Promise<void> {
    if (!this.selection) return;
    const [start, end] = this.selection;
    const ok = await this.act(
      () =>
        this.api.request(projectApi(this.data, "gold-spans/"), {
          method: "POST",
          body: { document: this.docId, label: label.id, start, end } satisfies GoldCreateBody,
        }),
      `Gold span added as ${label.name}`,
    );
    if (ok) {
      window.getSelection()?.removeAllRanges();
      this.readSelection();
    }
  }

  private renderDocumentThread(): void {
    byId("document-thread").replaceChildren(
      thread(this, "document", {}, "Discussion of the document"),
    );
  }

  // --- document-wide actions ----------------------------------------------------------------------

  private async acceptUnanimous(): Promise<void> {
    let created = 0;
    await this.act(async () => {
      const result = await this.api.request<AcceptUnanimousResult>(
        projectApi(this.data, `adjudication/${this.docId}/accept-unanimous/`),
        { method: "POST" },
      );
      created = result.created.length;
    });
    if (created) toast(`${created} unanimous cluster${created === 1 ? "" : "s"} accepted`);
  }

  /**
   * "Mark adjudicated" with clusters still unresolved asks first, listing them; with none (or
   * "Reopen") it goes straight through. The server accepts either way: the choice is the reviewer's.
   */
  private onAdjudicatedClick(): void {
    if (this.busy || !this.detail) return;
    const open = this.detail.state === "adjudicated" ? [] : this.unresolvedClusters();
    if (open.length === 0) {
      void this.toggleState();
      return;
    }
    byId("confirm-adjudicated-text").textContent =
      `${open.length} cluster${open.length === 1 ? " has" : "s have"} no gold span yet. ` +
      "Mark the document adjudicated anyway, or keep working?";
    byId("confirm-adjudicated-list").replaceChildren(
      ...open.map((c) =>
        h(
          "li",
          { "data-cluster": this.detail!.clusters.indexOf(c), "data-kind": c.kind },
          `${clusterName(this, c)} (${c.kind})`,
        ),
      ),
    );
    const dialog = byId<HTMLDialogElement>("confirm-adjudicated");
    dialog.returnValue = "";
    dialog.showModal();
    byId("confirm-adjudicated-keep").focus();
  }

  private async toggleState(): Promise<void> {
    const next = this.detail?.state === "adjudicated" ? "open" : "adjudicated";
    await this.act(
      () =>
        this.api.request(projectApi(this.data, `adjudication/${this.docId}/state/`), {
          method: "POST",
          body: { state: next } satisfies AdjudicationStateBody,
        }),
      next === "adjudicated" ? "Document marked adjudicated" : "Document reopened",
    );
  }
}
