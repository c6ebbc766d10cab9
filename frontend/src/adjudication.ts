/**
 * Adjudication: the queue (`/projects/<id>/adjudicate/`) and one document
 * (`/projects/<id>/adjudicate/<doc>/`).
 *
 * The document page shows the text with the gold spans (solid) and the annotators' clusters
 * (striped), and beside it one card per cluster with one lane per annotator, so every annotator's
 * version of a span sits under the others'. From there a reviewer accepts a cluster's proposal or
 * one annotator's version, edits or rejects gold spans, adds a gold span from a text selection,
 * sets verdicts with evidence, discusses, and marks the document adjudicated. Every change goes
 * through the API and the page then reloads the document from it, so what is shown is what is
 * stored. Offsets from the browser's selection become code points through `OffsetMap` only.
 */

import { ApiError } from "./api";
import { byId, h, isWebUrl, safeColor } from "./dom";
import { OffsetMap } from "./offsets";
import {
  apiFor,
  fmt,
  type Page,
  pageData,
  projectApi,
  type ReviewBootstrap,
  showError,
  toast,
  when,
} from "./review";
import { type SpanLook, TextView } from "./textview";
import type { Label, ServerSpan, Stance, Status } from "./types";

// --- shapes ---------------------------------------------------------------------------------------

interface AdjudicationBootstrap extends ReviewBootstrap {
  document: { id: number; title: string };
  labels: Label[];
  statuses: Status[];
  evidenceDocuments: { id: number; title: string }[];
  evidenceDocumentsComplete: boolean;
}

type ClusterKind = "unanimous" | "majority" | "disputed";

interface Cluster {
  label: number;
  start: number;
  end: number;
  kind: ClusterKind;
  proposal: { start: number; end: number };
  spans: number[];
  annotators: number[];
}

interface GoldEvidence {
  url: string;
  document_ref: number | null;
  note: string;
  stance: Stance;
}

interface VerdictChange {
  changed_by: string | null;
  changed_at: string;
  from_status: string | null;
  to_status: string;
  rationale: string;
}

export interface GoldSpan {
  id: number;
  document: number;
  label: number;
  label_key: string;
  start: number;
  end: number;
  quote: string;
  status: number;
  status_key: string;
  rationale: string;
  version: number;
  source_spans: number[];
  evidence: GoldEvidence[];
  verdict_history: VerdictChange[];
}

export interface Detail {
  document: { id: number; title: string; text: string };
  state: "open" | "adjudicated";
  annotators: { id: number; username: string }[];
  spans: ServerSpan[];
  clusters: Cluster[];
  gold_spans: GoldSpan[];
}

interface Comment {
  id: number;
  document: number;
  span: number | null;
  gold_span: number | null;
  author: string;
  body: string;
  created_at: string;
}

interface QueueRow {
  document: number;
  title: string;
  alpha: number | null;
  alpha_reason: string | null;
  state: "open" | "adjudicated";
}

const STANCES: Stance[] = ["supports", "refutes", "context"];
const KIND_HELP: Record<ClusterKind, string> = {
  unanimous: "every annotator marked exactly this",
  majority: "more than half the annotators agree on the boundaries",
  disputed: "no boundaries held by a majority, or too few annotators marked it",
};

// --- the queue ------------------------------------------------------------------------------------

const QUEUE_PAGE_SIZE = 50;

export function startAdjudicationQueue(): void {
  const data = pageData<ReviewBootstrap>();
  const api = apiFor(data);
  const tbody = byId("queue").querySelector("tbody")!;
  const pager = byId("queue-pager");
  const load = async (page: number): Promise<void> => {
    let rows: Page<QueueRow>;
    try {
      rows = await api.request<Page<QueueRow>>(
        projectApi(data, `adjudication/?page_size=${QUEUE_PAGE_SIZE}&page=${page}`),
      );
    } catch (e) {
      showError(byId("load-error"), `Could not load the queue: ${(e as Error).message}`);
      return;
    }
    if (rows.results.length === 0) {
      tbody.replaceChildren(
        h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No document has been submitted yet.")),
      );
    } else {
      tbody.replaceChildren(
        ...rows.results.map((row) => {
          const href = `${data.urls.adjudicate}${row.document}/`;
          return h(
            "tr",
            { "data-document": row.document, "data-state": row.state },
            h("td", {}, h("a", { href }, row.title || `Document ${row.document}`)),
            h(
              "td",
              { class: "num" },
              row.alpha === null
                ? h(
                    "span",
                    { class: "undefined", title: row.alpha_reason ?? "" },
                    row.alpha_reason ? `undefined: ${row.alpha_reason}` : "not in a report yet",
                  )
                : fmt(row.alpha),
            ),
            h("td", {}, h("span", { class: "badge", "data-state": row.state }, row.state)),
            h(
              "td",
              {},
              h(
                "a",
                { href, class: "button-link" },
                row.state === "adjudicated" ? "Review" : "Adjudicate →",
              ),
            ),
          );
        }),
      );
    }
    const pages = Math.max(1, Math.ceil(rows.count / QUEUE_PAGE_SIZE));
    pager.replaceChildren(
      ...(pages > 1
        ? [
            rows.previous
              ? h(
                  "button",
                  { type: "button", class: "link", onclick: () => void load(page - 1) },
                  "← Previous",
                )
              : "",
            ` Page ${page} of ${pages} `,
            rows.next
              ? h(
                  "button",
                  { type: "button", class: "link", onclick: () => void load(page + 1) },
                  "Next →",
                )
              : "",
          ]
        : []),
    );
  };
  void load(1).then(() => {
    document.body.dataset.ready = "1";
  });
}

// --- one document ---------------------------------------------------------------------------------

export function startAdjudication(): void {
  const page = new AdjudicationPage(pageData<AdjudicationBootstrap>());
  (window as unknown as { workbench?: unknown }).workbench = page;
  void page.start();
}

export class AdjudicationPage {
  readonly data: AdjudicationBootstrap;
  private readonly api;
  detail: Detail | null = null;
  private map: OffsetMap | null = null;
  private view: TextView | null = null;
  private comments: Comment[] = [];
  /** The text selection (code points) waiting to become a gold span or new boundaries. */
  selection: [number, number] | null = null;
  /** Threads and editors left open across reloads, by key. */
  private readonly open = new Set<string>();
  private busy = false;

  constructor(data: AdjudicationBootstrap) {
    this.data = data;
    this.api = apiFor(data);
  }

  private get docId(): number {
    return this.data.document.id;
  }

  async start(): Promise<void> {
    byId("btn-accept-unanimous").addEventListener("click", () => void this.acceptUnanimous());
    byId("btn-adjudicated").addEventListener("click", () => void this.toggleState());
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
        this.api.request<Detail>(projectApi(this.data, `adjudication/${this.docId}/`)),
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

  private async reloadComments(): Promise<void> {
    const comments = await this.api.request<Page<Comment>>(
      projectApi(this.data, `comments/?document=${this.docId}&page_size=1000`),
    );
    this.comments = comments.results;
  }

  /** Run one change against the API, then show the stored state; errors stay on screen. */
  private async act(
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
      const queue = await this.api.request<Page<QueueRow>>(
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

  private labelColor(id: number): string {
    return safeColor(this.label(id)?.color ?? "#888888");
  }

  private labelName(id: number): string {
    return this.label(id)?.key ?? `label ${id}`;
  }

  private status(id: number): Status | undefined {
    return this.data.statuses.find((s) => s.id === id);
  }

  private quoteOf(start: number, end: number): string {
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
    byId("adj-summary").textContent =
      `${d.annotators.length} annotator${d.annotators.length === 1 ? "" : "s"} submitted · ` +
      `${kinds.unanimous} unanimous, ${kinds.majority} majority, ${kinds.disputed} disputed · ` +
      `${d.gold_spans.length} gold span${d.gold_spans.length === 1 ? "" : "s"}`;
    byId("cluster-count").textContent = `(${d.clusters.length} clusters)`;
    byId("jump-gold").textContent = `Gold standard (${d.gold_spans.length}) ↓`;
    byId("gold-count").textContent = `(${d.gold_spans.length})`;
    this.renderLegend();
    this.renderText();
    this.renderClusters();
    this.renderGold();
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

  private showInText(start: number, end: number): void {
    if (!this.map || !this.view) return;
    const [s16, e16] = this.map.rangeToUtf16(start, end);
    this.view.select(s16, e16);
    this.readSelection();
  }

  // --- clusters ---------------------------------------------------------------------------------

  private spanById(): Map<number, ServerSpan> {
    return new Map(this.detail!.spans.map((s) => [s.id, s]));
  }

  /** The gold span that came from this cluster (or has its label and proposal), if any. */
  private goldFor(cluster: Cluster): GoldSpan | undefined {
    const members = new Set(cluster.spans);
    return this.detail!.gold_spans.find(
      (g) =>
        g.source_spans.some((id) => members.has(id)) ||
        (g.label === cluster.label &&
          g.start === cluster.proposal.start &&
          g.end === cluster.proposal.end),
    );
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

  private renderClusters(): void {
    const d = this.detail!;
    const target = byId("clusters");
    if (d.annotators.length === 0) {
      target.replaceChildren(h("p", { class: "muted" }, "Nobody has submitted this document yet."));
      return;
    }
    if (d.clusters.length === 0) {
      target.replaceChildren(
        h("p", { class: "muted" }, "The annotators who submitted marked nothing."),
      );
      return;
    }
    const spans = this.spanById();
    target.replaceChildren(...d.clusters.map((c, i) => this.clusterCard(c, i, spans)));
  }

  private clusterCard(c: Cluster, index: number, spans: Map<number, ServerSpan>): HTMLElement {
    const d = this.detail!;
    const gold = this.goldFor(c);
    const width = Math.max(1, c.end - c.start);
    const bar = (start: number, end: number, cls: string) =>
      h(
        "span",
        { class: "lane-track" },
        h("span", {
          class: cls,
          style:
            `left:${((start - c.start) / width) * 100}%;` +
            `width:${Math.max(((end - start) / width) * 100, 1.5)}%;` +
            `background:${this.labelColor(c.label)}`,
        }),
      );
    const members = c.spans.map((id) => spans.get(id)).filter((s): s is ServerSpan => !!s);
    const lanes: HTMLElement[] = [
      h(
        "div",
        { class: "lane proposal-lane" },
        h("span", { class: "lane-name" }, "proposal"),
        bar(c.proposal.start, c.proposal.end, "lane-bar proposal-bar"),
        h("span", { class: "lane-info" }, `${c.proposal.start}–${c.proposal.end}`),
        h(
          "button",
          {
            type: "button",
            class: "primary small accept-proposal",
            title: "Accept the cluster's most common version as a gold span",
            onclick: () =>
              void this.act(
                () =>
                  this.api.request(projectApi(this.data, `adjudication/${this.docId}/accept/`), {
                    method: "POST",
                    body: { spans: c.spans, start: c.proposal.start, end: c.proposal.end },
                  }),
                "Cluster accepted into the gold standard",
              ),
          },
          "Accept",
        ),
      ),
    ];
    for (const annotator of d.annotators) {
      const theirs = members.filter((s) => s.annotator === annotator.id);
      if (theirs.length === 0) {
        lanes.push(
          h(
            "div",
            { class: "lane missing", "data-annotator": annotator.username },
            h("span", { class: "lane-name" }, annotator.username),
            h("span", { class: "lane-track empty" }),
            h("span", { class: "lane-info muted" }, "no span here"),
            h("span", {}),
          ),
        );
        continue;
      }
      for (const span of theirs) lanes.push(this.lane(c, span, bar));
    }
    const key = `cluster:${c.label}:${c.start}`;
    return h(
      "article",
      {
        class: "cluster",
        "data-cluster": index,
        "data-kind": c.kind,
        "data-label": this.labelName(c.label),
        "data-in-gold": gold ? "1" : "0",
        "data-key": key,
      },
      h(
        "header",
        { class: "cluster-head" },
        h("span", { class: `kind kind-${c.kind}`, title: KIND_HELP[c.kind] }, c.kind),
        h("span", { class: "swatch", style: `background:${this.labelColor(c.label)}` }),
        h("b", {}, this.labelName(c.label)),
        h(
          "span",
          { class: "muted" },
          ` ${c.start}–${c.end} · ${c.annotators.length}/${d.annotators.length} annotators`,
        ),
        h("span", { class: "spacer" }),
        gold
          ? h(
              "span",
              { class: "in-gold", title: `Gold span ${gold.start}–${gold.end}` },
              "✓ in gold",
            )
          : null,
        h(
          "button",
          {
            type: "button",
            class: "link",
            title: "Show in the text",
            onclick: () => this.showInText(c.start, c.end),
          },
          "show",
        ),
      ),
      h("p", { class: "quote small-quote" }, this.quoteOf(c.proposal.start, c.proposal.end)),
      h("div", { class: "lanes" }, ...lanes),
    );
  }

  private lane(
    c: Cluster,
    span: ServerSpan,
    bar: (start: number, end: number, cls: string) => HTMLElement,
  ): HTMLElement {
    const status = this.status(span.status);
    const diff: string[] = [];
    if (span.start !== c.proposal.start)
      diff.push(
        `starts ${Math.abs(span.start - c.proposal.start)} ${span.start < c.proposal.start ? "earlier" : "later"}`,
      );
    if (span.end !== c.proposal.end)
      diff.push(
        `ends ${Math.abs(span.end - c.proposal.end)} ${span.end < c.proposal.end ? "earlier" : "later"}`,
      );
    const threadKey = `span:${span.id}`;
    const count = this.comments.filter((m) => m.span === span.id).length;
    const thread = this.thread(threadKey, { span: span.id }, "Discussion of this span");
    const info = h(
      "span",
      { class: "lane-info", title: span.quote },
      h("span", { class: "lane-label" }, span.label_key),
      " · ",
      h(
        "span",
        { class: "status-chip", style: `border-color:${safeColor(status?.color ?? "#888888")}` },
        span.status_key,
      ),
      " · ",
      `${span.start}–${span.end}`,
      diff.length ? h("small", { class: "muted" }, ` (${diff.join(", ")})`) : null,
      span.evidence.length
        ? h("small", { class: "muted" }, ` · ${span.evidence.length} evidence`)
        : null,
      span.note ? h("small", { class: "muted", title: span.note }, " · note") : null,
    );
    const toggle = h(
      "button",
      {
        type: "button",
        class: "link comments-toggle",
        title: "Discuss this span",
        "aria-expanded": String(this.open.has(threadKey)),
        onclick: () => {
          const open = thread.hidden;
          thread.hidden = !open;
          if (open) this.open.add(threadKey);
          else this.open.delete(threadKey);
        },
      },
      count ? `Discuss (${count})` : "Discuss",
    );
    thread.hidden = !this.open.has(threadKey);
    return h(
      "div",
      { class: "lane-wrap" },
      h(
        "div",
        { class: "lane", "data-annotator": span.annotator_username, "data-span": span.id },
        h("span", { class: "lane-name" }, span.annotator_username),
        bar(span.start, span.end, "lane-bar"),
        info,
        h(
          "span",
          { class: "lane-actions" },
          toggle,
          h(
            "button",
            {
              type: "button",
              class: "small accept-version",
              title: `Accept ${span.annotator_username}'s version (${span.start}–${span.end}, ${span.label_key}) as a gold span`,
              onclick: () =>
                void this.act(
                  () =>
                    this.api.request(projectApi(this.data, `adjudication/${this.docId}/accept/`), {
                      method: "POST",
                      body: { spans: [span.id] },
                    }),
                  `${span.annotator_username}'s version accepted`,
                ),
            },
            "Accept this",
          ),
        ),
      ),
      h("div", { class: "lane-quote" }, span.quote),
      thread,
    );
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
      hint.textContent = `Selected ${start}–${end}: “${quote.length > 80 ? `${quote.slice(0, 77)}…` : quote}”`;
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
          body: { document: this.docId, label: label.id, start, end },
        }),
      `Gold span added as ${label.name}`,
    );
    if (ok) {
      window.getSelection()?.removeAllRanges();
      this.readSelection();
    }
  }

  // --- gold spans -------------------------------------------------------------------------------

  private renderGold(): void {
    const d = this.detail!;
    const target = byId("gold-spans");
    if (d.gold_spans.length === 0) {
      target.replaceChildren(
        h(
          "p",
          { class: "muted", id: "no-gold" },
          "No gold span yet: accept a cluster or an annotator's version, or select text and add one.",
        ),
      );
      return;
    }
    const sorted = [...d.gold_spans].sort(
      (a, b) => a.start - b.start || a.end - b.end || a.id - b.id,
    );
    target.replaceChildren(...sorted.map((g) => this.goldCard(g)));
  }

  private goldCard(g: GoldSpan): HTMLElement {
    const spans = this.spanById();
    const sources = g.source_spans
      .map((id) => spans.get(id)?.annotator_username)
      .filter((n): n is string => !!n);
    const status = this.status(g.status);
    const error = h("p", { class: "error gold-error", role: "alert", hidden: true });
    const editor = this.goldEditor(g, error);
    const editKey = `edit:${g.id}`;
    editor.hidden = !this.open.has(editKey);
    const reject = h(
      "button",
      {
        type: "button",
        class: "danger small reject",
        onclick: () => {
          if (reject.dataset.confirm !== "1") {
            reject.dataset.confirm = "1";
            reject.textContent = "Confirm reject";
            setTimeout(() => {
              reject.dataset.confirm = "";
              reject.textContent = "Reject";
            }, 4000);
            return;
          }
          void this.act(
            () =>
              this.api.request(projectApi(this.data, `gold-spans/${g.id}/`), { method: "DELETE" }),
            "Gold span rejected",
            error,
          );
        },
      },
      "Reject",
    );
    return h(
      "article",
      {
        class: "gold",
        "data-gold": g.id,
        "data-status": g.status_key,
        style: `border-left-color:${this.labelColor(g.label)}`,
      },
      h(
        "header",
        { class: "gold-head" },
        h("span", { class: "swatch", style: `background:${this.labelColor(g.label)}` }),
        h("b", { class: "gold-label" }, g.label_key),
        h("span", { class: "muted gold-range" }, ` ${g.start}–${g.end}`),
        h(
          "span",
          {
            class: `verdict-badge${status?.is_final ? " final" : ""}`,
            style: `border-color:${safeColor(status?.color ?? "#888888")}`,
          },
          g.status_key,
        ),
        h("span", { class: "spacer" }),
        h(
          "button",
          { type: "button", class: "link", onclick: () => this.showInText(g.start, g.end) },
          "show",
        ),
        h(
          "button",
          {
            type: "button",
            class: "small edit",
            onclick: () => {
              editor.hidden = !editor.hidden;
              if (editor.hidden) this.open.delete(editKey);
              else this.open.add(editKey);
            },
          },
          "Edit",
        ),
        reject,
      ),
      h("p", { class: "quote" }, g.quote),
      h(
        "p",
        { class: "meta" },
        sources.length
          ? `Accepted from ${[...new Set(sources)].join(", ")}`
          : "Added by a reviewer",
        ` · version ${g.version}`,
      ),
      editor,
      error,
      this.verdictPanel(g),
      this.thread(`gold:${g.id}`, { gold_span: g.id }, "Discussion"),
    );
  }

  private goldEditor(g: GoldSpan, error: HTMLElement): HTMLElement {
    const label = h(
      "select",
      { class: "edit-label", "aria-label": "Label" },
      ...this.data.labels
        .filter((l) => !l.retired || l.id === g.label)
        .map((l) => h("option", { value: l.id, selected: l.id === g.label }, l.name)),
    );
    const max = this.map?.lengthCp ?? 0;
    const start = h("input", {
      type: "number",
      class: "edit-start",
      min: 0,
      max,
      value: g.start,
      "aria-label": "Start (code points)",
    });
    const end = h("input", {
      type: "number",
      class: "edit-end",
      min: 1,
      max,
      value: g.end,
      "aria-label": "End (code points)",
    });
    const preview = h("p", { class: "quote small-quote edit-preview" }, g.quote);
    const update = () => {
      const s = Number(start.value);
      const e = Number(end.value);
      preview.textContent =
        Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e <= max && s < e
          ? this.quoteOf(s, e)
          : "(invalid range)";
    };
    start.addEventListener("input", update);
    end.addEventListener("input", update);
    return h(
      "div",
      { class: "gold-editor" },
      h(
        "div",
        { class: "edit-row" },
        h("label", {}, "Label ", label),
        h("label", {}, "Start ", start),
        h("label", {}, "End ", end),
        h(
          "button",
          {
            type: "button",
            class: "small use-selection",
            disabled: !this.selection,
            title: "Take the boundaries from the text selection",
            onclick: () => {
              if (!this.selection) return;
              start.value = String(this.selection[0]);
              end.value = String(this.selection[1]);
              update();
            },
          },
          "Use selection",
        ),
      ),
      preview,
      h(
        "button",
        {
          type: "button",
          class: "primary small save-edit",
          onclick: () =>
            void this.act(
              () =>
                this.api.request(projectApi(this.data, `gold-spans/${g.id}/`), {
                  method: "PATCH",
                  body: {
                    label: Number(label.value),
                    start: Number(start.value),
                    end: Number(end.value),
                    version: g.version,
                  },
                }),
              "Gold span updated",
              error,
            ),
        },
        "Save boundaries and label",
      ),
    );
  }

  // --- verdicts ---------------------------------------------------------------------------------

  private verdictPanel(g: GoldSpan): HTMLElement {
    const error = h("p", { class: "error verdict-error", role: "alert", hidden: true });
    const status = h(
      "select",
      { class: "verdict-status", "aria-label": "Verdict" },
      ...this.data.statuses
        .filter((s) => !s.retired || s.id === g.status)
        .map((s) =>
          h(
            "option",
            { value: s.id, selected: s.id === g.status },
            s.is_final ? `${s.name} (final)` : s.name,
          ),
        ),
    );
    const rationale = h("textarea", {
      class: "verdict-rationale",
      rows: 2,
      placeholder: "Why this verdict (required for a final one)",
    });
    rationale.value = g.rationale;
    const rows = h("div", { class: "evidence-list" });
    for (const item of g.evidence) rows.append(this.evidenceRow(item));
    const add = (kind: "url" | "document") =>
      rows.append(
        this.evidenceRow(
          {
            url: "",
            document_ref: kind === "document" ? (this.data.evidenceDocuments[0]?.id ?? null) : null,
            note: "",
            stance: "supports",
          },
          kind,
        ),
      );
    const save = h(
      "button",
      {
        type: "button",
        class: "primary small save-verdict",
        onclick: () => {
          const evidence = this.readEvidence(rows);
          void this.act(
            () =>
              this.api.request(projectApi(this.data, `gold-spans/${g.id}/verdict/`), {
                method: "POST",
                body: { status: Number(status.value), rationale: rationale.value, evidence },
              }),
            "Verdict saved",
            error,
          );
        },
      },
      "Save verdict",
    );
    const history = g.verdict_history;
    return h(
      "div",
      { class: "verdict-panel" },
      h("h3", {}, "Verdict"),
      h("label", { class: "field" }, h("span", {}, "Status"), status),
      h("label", { class: "field" }, h("span", {}, "Rationale"), rationale),
      h("div", { class: "field" }, h("span", {}, "Evidence"), rows),
      h(
        "p",
        { class: "evidence-tools" },
        h(
          "button",
          { type: "button", class: "small add-url", onclick: () => add("url") },
          "+ Link",
        ),
        " ",
        h(
          "button",
          { type: "button", class: "small add-document", onclick: () => add("document") },
          "+ Document of this project",
        ),
        " ",
        save,
      ),
      error,
      history.length
        ? h(
            "details",
            { class: "history", open: history.length <= 4 },
            h("summary", {}, `History (${history.length})`),
            h(
              "ol",
              { class: "history-list" },
              ...[...history]
                .sort((a, b) => (a.changed_at < b.changed_at ? 1 : -1))
                .map((c) =>
                  h(
                    "li",
                    {},
                    h(
                      "b",
                      {},
                      c.from_status
                        ? `${c.from_status} → ${c.to_status}`
                        : `created as ${c.to_status}`,
                    ),
                    h(
                      "span",
                      { class: "muted" },
                      ` · ${c.changed_by ?? "someone"} · ${when(c.changed_at)}`,
                    ),
                    c.rationale && c.rationale !== "Created"
                      ? h("div", { class: "history-rationale" }, c.rationale)
                      : null,
                  ),
                ),
            ),
          )
        : null,
    );
  }

  private evidenceRow(
    item: GoldEvidence,
    kind: "url" | "document" = item.document_ref !== null ? "document" : "url",
  ): HTMLElement {
    const row = h("div", { class: "gold-evidence", "data-kind": kind });
    let target: HTMLInputElement | HTMLSelectElement;
    if (kind === "url") {
      target = h("input", {
        type: "url",
        class: "ev-url",
        placeholder: "https://…",
        value: item.url,
        "aria-label": "Evidence URL",
      });
    } else if (this.data.evidenceDocumentsComplete) {
      target = h(
        "select",
        { class: "ev-document", "aria-label": "Evidence document" },
        ...this.data.evidenceDocuments.map((doc) =>
          h(
            "option",
            { value: doc.id, selected: doc.id === item.document_ref },
            `#${doc.id} ${doc.title || ""}`.trim(),
          ),
        ),
      );
    } else {
      target = h("input", {
        type: "number",
        min: 1,
        class: "ev-document",
        placeholder: "document id",
        value: item.document_ref ?? "",
        "aria-label": "Evidence document id",
      });
    }
    const link =
      kind === "url" && isWebUrl(item.url)
        ? h(
            "a",
            {
              href: item.url,
              target: "_blank",
              rel: "noopener noreferrer",
              class: "ev-open",
              title: item.url,
            },
            "↗",
          )
        : null;
    const stance = h(
      "select",
      { class: "ev-stance", "aria-label": "Stance" },
      ...STANCES.map((s) => h("option", { value: s, selected: s === item.stance }, s)),
    );
    const note = h("input", {
      type: "text",
      class: "ev-note",
      placeholder: "Note (optional)",
      value: item.note,
      "aria-label": "Evidence note",
    });
    row.append(
      stance,
      target,
      link ?? h("span", {}),
      h(
        "button",
        {
          type: "button",
          class: "ev-remove small",
          title: "Remove this evidence",
          onclick: () => row.remove(),
        },
        "×",
      ),
      note,
    );
    return row;
  }

  /** The evidence rows as the API wants them; rows left completely empty are ignored. */
  private readEvidence(rows: HTMLElement): GoldEvidence[] {
    const out: GoldEvidence[] = [];
    for (const row of rows.querySelectorAll<HTMLElement>(".gold-evidence")) {
      const stance = row.querySelector<HTMLSelectElement>(".ev-stance")!.value as Stance;
      const note = row.querySelector<HTMLInputElement>(".ev-note")!.value.trim();
      if (row.dataset.kind === "url") {
        const url = row.querySelector<HTMLInputElement>(".ev-url")!.value.trim();
        if (!url && !note) continue;
        out.push({ url, document_ref: null, note, stance });
      } else {
        const value = row.querySelector<HTMLInputElement | HTMLSelectElement>(
          ".ev-document",
        )!.value;
        if (!value && !note) continue;
        out.push({ url: "", document_ref: value ? Number(value) : null, note, stance });
      }
    }
    return out;
  }

  // --- discussion -------------------------------------------------------------------------------

  private thread(
    key: string,
    target: { span?: number; gold_span?: number },
    title: string,
  ): HTMLElement {
    const comments = this.comments.filter((c) =>
      target.span !== undefined
        ? c.span === target.span
        : target.gold_span !== undefined
          ? c.gold_span === target.gold_span
          : c.span === null && c.gold_span === null,
    );
    const list = h(
      "ol",
      { class: "comments" },
      ...comments.map((c) =>
        h(
          "li",
          { "data-comment": c.id },
          h(
            "div",
            { class: "comment-meta" },
            h("b", {}, c.author),
            h("span", { class: "muted" }, ` · ${when(c.created_at)}`),
          ),
          h("div", { class: "comment-body" }, c.body),
        ),
      ),
    );
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const body = h("textarea", {
      rows: 2,
      class: "comment-input",
      placeholder: "Add a comment…",
      "aria-label": "Comment",
    });
    const post = h(
      "button",
      {
        type: "button",
        class: "small post-comment",
        onclick: async () => {
          const text = body.value.trim();
          if (!text) {
            showError(error, "Write something first.");
            return;
          }
          post.disabled = true;
          try {
            await this.api.request(projectApi(this.data, "comments/"), {
              method: "POST",
              body: { document: this.docId, body: text, ...target },
            });
            this.open.add(key);
            await this.reloadComments();
            this.render();
          } catch (e) {
            showError(error, (e as Error).message);
            post.disabled = false;
          }
        },
      },
      "Comment",
    );
    const content = [
      comments.length ? list : h("p", { class: "muted" }, "No comments yet."),
      h("div", { class: "comment-form" }, body, post),
      error,
    ];
    if (target.span !== undefined) {
      return h("div", { class: "thread", "data-thread": key }, ...content);
    }
    const details = h(
      "details",
      { class: "thread", "data-thread": key, open: this.open.has(key) || key === "document" },
      h("summary", {}, `${title} (${comments.length})`),
      ...content,
    );
    details.addEventListener("toggle", () => {
      if (details.open) this.open.add(key);
      else this.open.delete(key);
    });
    return details;
  }

  private renderDocumentThread(): void {
    byId("document-thread").replaceChildren(
      this.thread("document", {}, "Discussion of the document"),
    );
  }

  // --- document-wide actions ----------------------------------------------------------------------

  private async acceptUnanimous(): Promise<void> {
    let created = 0;
    await this.act(async () => {
      const result = await this.api.request<{ created: number[] }>(
        projectApi(this.data, `adjudication/${this.docId}/accept-unanimous/`),
        { method: "POST" },
      );
      created = result.created.length;
    });
    if (created) toast(`${created} unanimous cluster${created === 1 ? "" : "s"} accepted`);
  }

  private async toggleState(): Promise<void> {
    const next = this.detail?.state === "adjudicated" ? "open" : "adjudicated";
    await this.act(
      () =>
        this.api.request(projectApi(this.data, `adjudication/${this.docId}/state/`), {
          method: "POST",
          body: { state: next },
        }),
      next === "adjudicated" ? "Document marked adjudicated" : "Document reopened",
    );
  }
}
