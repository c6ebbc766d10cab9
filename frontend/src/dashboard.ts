/**
 * The reviewer dashboard (`/projects/<id>/dashboard/`): progress, agreement and the disagreement
 * queue, all from `GET /api/v1/projects/{id}/dashboard/`. The page polls that endpoint while an
 * agreement job runs or the report is stale (inputs changed after it), and stops otherwise.
 * Undefined statistics show their reason, never a number.
 */

import { ApiError } from "./api";
import {
  Chart,
  distributionChart,
  labelAlphaChart,
  trendChart,
  updateDistribution,
  updateLabelAlpha,
  updateTrend,
  type Distribution,
  type LabelAlpha,
  type TrendPoint,
} from "./charts";
import { byId, h, safeColor } from "./dom";
import {
  apiFor,
  fmt,
  followJob,
  isFinished,
  type Job,
  type Page,
  pageData,
  projectApi,
  renderJob,
  type ReviewBootstrap,
  seconds,
  type Stat,
  statEl,
  when,
} from "./review";
import type { Label } from "./types";

interface DashboardBootstrap extends ReviewBootstrap {
  labels: Label[];
}

interface AnnotatorRow {
  annotator: number;
  username: string | null;
  assignments: number;
  assigned: number;
  in_progress: number;
  submitted: number;
  skipped: number;
  median_seconds_per_document: number | null;
  spans: number;
  spans_per_document: number | null;
  labels: Record<string, number>;
}

interface GoldRow {
  annotator: number;
  documents: number;
  character_alpha: Stat;
  span_f1_exact: { f1: Stat };
  span_f1_overlap: { f1: Stat };
}

interface AgreementSection {
  report_id: number;
  created_at: string;
  documents_counted: number;
  alpha: Stat;
  bootstrap:
    | (Stat & { low: number | null; high: number | null; level: number; resamples: number })
    | null;
  per_label_alpha: (Stat & { label: number })[];
  leave_one_annotator_out: (Stat & {
    annotator: number;
    change: number | null;
    documents: number;
  })[];
  pairs: { annotators: [number, number]; span_f1_exact: Stat; span_f1_overlap: Stat }[];
  cohen_kappa: (Stat & { annotators: [number, number] })[];
  fleiss_kappa: Stat;
  status_agreement: Stat & {
    units?: number;
    coverage?: Stat & { spans?: number; matched_spans?: number };
  };
  gold: GoldRow[];
  queue: { document_id: number; alpha: number | null; reason: string | null }[];
}

export interface DashboardBody {
  project: { id: number; name: string; annotators_per_document: number };
  workers: { mode: string; alive: boolean; workers: string[]; detail: string };
  documents: Record<
    "total" | "unassigned" | "not_started" | "partly_submitted" | "complete" | "adjudicated",
    number
  >;
  annotators: AnnotatorRow[];
  agreement: AgreementSection | null;
  agreement_stale: boolean;
  trend: {
    report_id: number;
    created_at: string;
    documents_counted: number;
    alpha: number | null;
  }[];
  names: {
    labels: Record<string, string>;
    statuses: Record<string, string>;
    annotators: Record<string, string>;
  };
}

interface QueueRow {
  document: number;
  title: string;
  state: string;
}

const JOB_POLL_MS = 1000;
const POLL_MS = 3000;
const SLOW_POLL_MS = 30000;
/** After this many refreshes of a stale report that does not change, poll slowly. */
const PATIENCE = 60;

export function startDashboard(): void {
  const dashboard = new Dashboard(pageData<DashboardBootstrap>());
  (window as unknown as { workbench?: unknown }).workbench = dashboard;
  void dashboard.start();
}

export class Dashboard {
  readonly data: DashboardBootstrap;
  private readonly api;
  body: DashboardBody | null = null;
  job: Job | null = null;
  readonly charts: { trend?: Chart; labels?: Chart; distribution?: Chart } = {};
  refreshes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private staleRounds = 0;
  private loading = false;
  private readonly root: HTMLElement;
  private readonly sections: Record<string, HTMLElement> = {};
  private readonly chartBoxes = new Map<string, HTMLElement>();
  private rendered = false;
  private queueInfo = new Map<number, QueueRow>();

  constructor(data: DashboardBootstrap) {
    this.data = data;
    this.api = apiFor(data);
    this.root = byId("dash-root");
  }

  async start(): Promise<void> {
    byId<HTMLButtonElement>("btn-recompute").addEventListener("click", () => void this.recompute());
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && this.timer !== undefined) void this.refresh();
    });
    await this.refresh();
    document.body.dataset.ready = "1";
    void this.resumeRunningJob();
  }

  // --- loading and polling ----------------------------------------------------------------------

  async refresh(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const error = byId("load-error");
    try {
      const body = await this.api.request<DashboardBody>(projectApi(this.data, "dashboard/"));
      const changed = body.agreement?.report_id !== this.body?.agreement?.report_id;
      this.staleRounds = changed ? 0 : this.staleRounds + 1;
      const missing = (body.agreement?.queue ?? []).some((r) => !this.queueInfo.has(r.document_id));
      if (changed || missing) {
        // Titles and states of the queued documents: asked again only when the report changes
        // (a gold change makes a new report too), not on every poll.
        const queue = await this.api
          .request<Page<QueueRow>>(projectApi(this.data, "adjudication/?page_size=100"))
          .catch(() => null);
        if (queue) this.queueInfo = new Map(queue.results.map((r) => [r.document, r]));
      }
      this.body = body;
      this.render(body, this.queueInfo);
      error.hidden = true;
    } catch (e) {
      error.textContent = `Could not load the dashboard: ${(e as Error).message}`;
      error.hidden = false;
    } finally {
      this.loading = false;
      this.refreshes++;
      this.root.setAttribute("aria-busy", "false");
      document.getElementById("dashboard")!.dataset.refreshes = String(this.refreshes);
      this.schedule();
    }
  }

  /** Poll again soon while a job runs or the report is stale; otherwise stop. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const state = byId("refresh-state");
    const jobActive = this.job !== null && !isFinished(this.job);
    const stale = this.body?.agreement_stale ?? false;
    if (!jobActive && !stale) {
      state.textContent = "";
      state.dataset.polling = "0";
      return;
    }
    const delay = jobActive || this.staleRounds < PATIENCE ? POLL_MS : SLOW_POLL_MS;
    state.dataset.polling = "1";
    state.textContent = jobActive
      ? "Refreshing while the agreement job runs…"
      : `Report out of date: refreshing every ${delay / 1000} s…`;
    this.timer = setTimeout(() => void this.refresh(), document.hidden ? SLOW_POLL_MS : delay);
  }

  /** Follow an agreement job started earlier (another tab, before a reload). */
  private async resumeRunningJob(): Promise<void> {
    try {
      const jobs = await this.api.request<Page<Job>>(projectApi(this.data, "jobs/?page_size=20"));
      const running = jobs.results.find((j) => j.kind === "agreement" && !isFinished(j));
      if (running && !this.job) await this.follow(running);
    } catch {
      // Only a convenience: the page works without it.
    }
  }

  async recompute(): Promise<void> {
    const button = byId<HTMLButtonElement>("btn-recompute");
    const status = byId("job-status");
    button.disabled = true;
    try {
      const job = await this.api.request<Job>(projectApi(this.data, "agreement/"), {
        method: "POST",
      });
      await this.follow(job);
    } catch (e) {
      status.hidden = false;
      status.dataset.state = "failed";
      status.textContent = `Could not start the agreement run: ${(e as ApiError).message}`;
    } finally {
      button.disabled = false;
    }
  }

  private async follow(job: Job): Promise<void> {
    const status = byId("job-status");
    this.job = job;
    renderJob(status, job, "Agreement run");
    this.schedule();
    const url = `${this.data.apiRoot.replace(/\/$/, "")}/jobs/${job.id}/`;
    const done = isFinished(job)
      ? job
      : await followJob(
          this.api,
          url,
          (j) => {
            this.job = j;
            renderJob(status, j, "Agreement run");
          },
          JOB_POLL_MS,
        );
    this.job = done;
    renderJob(status, done, "Agreement run");
    await this.refresh();
  }

  // --- rendering --------------------------------------------------------------------------------

  private section(id: string, title: string, ...intro: (Node | string)[]): HTMLElement {
    let el = this.sections[id];
    if (!el) {
      const body = h("div", { class: "section-body" });
      el = h("section", { class: "card", id }, h("h2", {}, title), ...intro, body);
      this.sections[id] = el;
      this.root.append(el);
    }
    return el.querySelector<HTMLElement>(".section-body")!;
  }

  private name(id: number): string {
    return this.body?.names.annotators[String(id)] ?? `user ${id}`;
  }

  private labelName(id: number | string): string {
    return this.body?.names.labels[String(id)] ?? `label ${id}`;
  }

  private labelColor(id: number | string): string {
    const label = this.data.labels.find((l) => String(l.id) === String(id));
    return safeColor(label?.color ?? "#888888");
  }

  render(body: DashboardBody, queue: Map<number, QueueRow>): void {
    if (!this.rendered) this.root.replaceChildren();
    this.rendered = true;
    this.renderWorkers(body);
    this.renderProgress(body);
    this.renderAnnotators(body);
    this.renderAgreement(body);
    this.renderQueue(body, queue);
  }

  private renderWorkers(body: DashboardBody): void {
    const banner = byId("worker-warning");
    if (body.workers.alive) {
      banner.hidden = true;
      banner.replaceChildren();
      return;
    }
    banner.replaceChildren(
      h("strong", {}, "No background worker is running. "),
      "Agreement runs, exports and imports wait in the queue until one starts. ",
      h("span", { class: "detail" }, body.workers.detail),
    );
    banner.hidden = false;
  }

  private renderProgress(body: DashboardBody): void {
    const d = body.documents;
    const wanted = body.project.annotators_per_document;
    const target = this.section("progress", "Progress");
    const tile = (key: string, value: number, label: string, hint: string) =>
      h(
        "div",
        { class: `tile state-${key}`, "data-key": key, title: hint },
        h("span", { class: "tile-value" }, value),
        h("span", { class: "tile-label" }, label),
      );
    const parts: [string, number, string][] = [
      ["unassigned", d.unassigned, "unassigned"],
      ["not_started", d.not_started, "assigned, none submitted"],
      ["partly_submitted", d.partly_submitted, `partly submitted`],
      ["complete", d.complete, `complete (${wanted} of ${wanted})`],
    ];
    const bar = h(
      "div",
      {
        class: "stack",
        role: "img",
        "aria-label": parts.map(([, n, l]) => `${n} ${l}`).join(", "),
      },
      ...parts
        .filter(([, n]) => n > 0)
        .map(([key, n, label]) =>
          h("span", {
            class: `stack-part state-${key}`,
            style: `flex-grow:${n}`,
            title: `${n} ${label}`,
          }),
        ),
    );
    target.replaceChildren(
      h(
        "div",
        { class: "tiles", id: "doc-states" },
        tile("total", d.total, "documents", "Documents in the project"),
        ...parts.map(([key, n, label]) => tile(key, n, label, label)),
        tile("adjudicated", d.adjudicated, "adjudicated", "Documents marked adjudicated"),
      ),
      d.total > 0 ? bar : h("p", { class: "muted" }, "No documents yet."),
    );
  }

  private renderAnnotators(body: DashboardBody): void {
    const target = this.section("annotators", "Annotators");
    const rows = body.annotators;
    if (rows.length === 0) {
      target.replaceChildren(h("p", { class: "muted" }, "No annotators in this project yet."));
      return;
    }
    const num = (v: number | string) => h("td", { class: "num" }, v);
    const table = h(
      "table",
      { class: "list", id: "annotator-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Annotator"),
          h("th", { class: "num", title: "Assignments, skipped ones included" }, "Assignments"),
          h("th", { class: "num" }, "In progress"),
          h("th", { class: "num" }, "Submitted"),
          h("th", { class: "num" }, "Skipped"),
          h("th", {}, "Done"),
          h("th", { class: "num" }, "Median time / doc"),
          h("th", { class: "num" }, "Spans / doc"),
        ),
      ),
      h(
        "tbody",
        {},
        ...rows.map((r) => {
          const open = r.assignments - r.skipped;
          return h(
            "tr",
            { "data-annotator": r.annotator },
            h("td", {}, r.username ?? this.name(r.annotator)),
            num(r.assignments),
            num(r.in_progress),
            num(r.submitted),
            num(r.skipped),
            h("td", {}, h("progress", { max: Math.max(open, 1), value: r.submitted })),
            num(seconds(r.median_seconds_per_document)),
            num(r.spans_per_document === null ? "–" : r.spans_per_document.toFixed(1)),
          );
        }),
      ),
    );
    const dist = this.distribution(body);
    const { box, canvas } = this.chartBox(
      "chart-distribution",
      "Label distribution per annotator",
      "chart wide-chart",
    );
    const figure = h(
      "figure",
      { class: "chart-box" },
      h(
        "figcaption",
        {},
        "Each annotator's labels, as a share of their spans ",
        h("small", { class: "muted" }, "(a missing bar: that annotator never used the label)"),
      ),
      box,
    );
    target.replaceChildren(table, figure);
    if (this.charts.distribution) updateDistribution(this.charts.distribution, dist);
    else this.charts.distribution = distributionChart(canvas, dist);
  }

  private distribution(body: DashboardBody): Distribution {
    const labelIds = this.data.labels.map((l) => String(l.id));
    for (const row of body.annotators) {
      for (const id of Object.keys(row.labels)) if (!labelIds.includes(id)) labelIds.push(id);
    }
    return {
      labels: labelIds.map((id) => this.labelName(id)),
      series: body.annotators.map((row) => {
        const counts = labelIds.map((id) => row.labels[id] ?? 0);
        const total = counts.reduce((a, b) => a + b, 0);
        return {
          name: row.username ?? this.name(row.annotator),
          counts,
          shares: counts.map((n) => (total ? n / total : 0)),
        };
      }),
    };
  }

  /**
   * One canvas, in one sized box, per chart for the page's life: Chart.js keeps drawing into it on
   * updates and watches the box for resizes, so neither is ever replaced.
   */
  private chartBox(
    id: string,
    label: string,
    cls = "chart",
  ): { box: HTMLElement; canvas: HTMLCanvasElement } {
    let box = this.chartBoxes.get(id);
    if (!box) {
      box = h("div", { class: cls }, h("canvas", { id, role: "img", "aria-label": label }));
      this.chartBoxes.set(id, box);
    }
    return { box, canvas: box.querySelector("canvas")! };
  }

  private renderAgreement(body: DashboardBody): void {
    const target = this.section("agreement", "Agreement");
    const a = body.agreement;
    const stale = body.agreement_stale
      ? h(
          "span",
          {
            class: "badge warn",
            id: "stale-badge",
            title: "Annotations changed after this report",
          },
          "out of date",
        )
      : null;
    if (!a) {
      target.replaceChildren(
        h(
          "p",
          { class: "muted", id: "no-report" },
          "No agreement report yet. It is computed after annotators submit; press “Recompute agreement” to compute it now.",
        ),
      );
      return;
    }
    const meta = h(
      "p",
      { class: "meta", id: "report-meta" },
      `Report #${a.report_id} · ${a.documents_counted} documents · computed ${when(a.created_at)} `,
      stale,
    );
    target.replaceChildren(
      meta,
      this.headline(a),
      h("div", { class: "chart-row" }, this.trendFigure(body), this.labelAlphaFigure(a)),
      h(
        "div",
        { class: "matrix-row" },
        this.matrix(
          "matrix-f1",
          "Span F1 between annotators",
          "Overlap F1; exact-boundary F1 below",
          a.pairs.map((p) => ({
            pair: p.annotators,
            main: p.span_f1_overlap,
            extra: p.span_f1_exact,
          })),
        ),
        this.matrix(
          "matrix-kappa",
          "Cohen's κ between annotators",
          "Character-level, label against label",
          a.cohen_kappa.map((k) => ({ pair: k.annotators, main: k, extra: null })),
        ),
      ),
      this.perAnnotator(a),
    );
  }

  private headline(a: AgreementSection): HTMLElement {
    const b = a.bootstrap;
    const interval =
      b && b.low !== null && b.high !== null && !b.reason
        ? h(
            "span",
            { class: "ci", id: "alpha-ci", "data-low": String(b.low), "data-high": String(b.high) },
            `${Math.round((b.level ?? 0.95) * 100)} % interval [${fmt(b.low)}, ${fmt(b.high)}]`,
          )
        : h(
            "span",
            { class: "ci undefined", id: "alpha-ci", "data-undefined": "1" },
            `interval undefined: ${b?.reason ?? "no bootstrap in this report"}`,
          );
    const status = a.status_agreement;
    const coverage = status.coverage;
    const coverageText = coverage
      ? coverage.value === null
        ? h("span", { class: "undefined" }, `coverage undefined: ${coverage.reason ?? ""}`)
        : `${Math.round((coverage.value ?? 0) * 100)} % of spans matched across annotators` +
          (coverage.spans !== undefined ? ` (${coverage.matched_spans} of ${coverage.spans})` : "")
      : "";
    const stat = (id: string, title: string, value: Stat, ...sub: (Node | string)[]) =>
      h(
        "div",
        { class: "tile big", id },
        h("span", { class: "tile-label" }, title),
        statEl(value, 3, "tile-value"),
        ...sub.map((s) => h("span", { class: "tile-sub" }, s)),
      );
    return h(
      "div",
      { class: "tiles headline" },
      stat("alpha", "Krippendorff's α (project)", a.alpha, interval),
      stat("fleiss", "Fleiss' κ", a.fleiss_kappa),
      stat("status-agreement", "Verification-status α", status, coverageText),
    );
  }

  private trendFigure(body: DashboardBody): HTMLElement {
    const points: TrendPoint[] = body.trend.map((t) => ({
      label: `#${t.report_id} · ${new Date(t.created_at).toLocaleDateString(undefined, { month: "short", day: "numeric" })}`,
      alpha: t.alpha,
      documents: t.documents_counted,
    }));
    const { box, canvas } = this.chartBox("chart-trend", "Agreement over stored reports");
    const undefinedCount = points.filter((p) => p.alpha === null).length;
    const figure = h(
      "figure",
      { class: "chart-box" },
      h(
        "figcaption",
        {},
        `α over the last ${points.length} report${points.length === 1 ? "" : "s"}`,
      ),
      box,
      undefinedCount
        ? h(
            "p",
            { class: "note" },
            `${undefinedCount} report(s) with α undefined are gaps in the line.`,
          )
        : null,
    );
    if (this.charts.trend) updateTrend(this.charts.trend, points);
    else this.charts.trend = trendChart(canvas, points);
    return figure;
  }

  private labelAlphaFigure(a: AgreementSection): HTMLElement {
    const rows: LabelAlpha[] = a.per_label_alpha.map((r) => ({
      label: this.labelName(r.label),
      color: this.labelColor(r.label),
      value: r.value,
    }));
    const { box, canvas } = this.chartBox("chart-labels", "Krippendorff's α per label");
    const undefinedRows = a.per_label_alpha.filter((r) => r.value === null);
    const figure = h(
      "figure",
      { class: "chart-box" },
      h("figcaption", {}, "α per label"),
      box,
      undefinedRows.length
        ? h(
            "ul",
            { class: "note undefined-list" },
            ...undefinedRows.map((r) =>
              h("li", {}, h("b", {}, this.labelName(r.label)), `: undefined, ${r.reason ?? ""}`),
            ),
          )
        : null,
    );
    if (this.charts.labels) updateLabelAlpha(this.charts.labels, rows);
    else this.charts.labels = labelAlphaChart(canvas, rows);
    return figure;
  }

  private matrix(
    id: string,
    title: string,
    hint: string,
    cells: { pair: [number, number]; main: Stat; extra: Stat | null }[],
  ): HTMLElement {
    const ids = [...new Set(cells.flatMap((c) => c.pair))].sort((x, y) =>
      this.name(x).localeCompare(this.name(y)),
    );
    const lookup = new Map<string, { main: Stat; extra: Stat | null }>();
    for (const c of cells) {
      lookup.set(`${c.pair[0]}-${c.pair[1]}`, c);
      lookup.set(`${c.pair[1]}-${c.pair[0]}`, c);
    }
    const reasons: HTMLElement[] = [];
    const cell = (a: number, b: number) => {
      if (a === b) return h("td", { class: "heat diag" }, "—");
      const c = lookup.get(`${a}-${b}`);
      if (!c) return h("td", { class: "heat none" }, "");
      const key = `${Math.min(a, b)}-${Math.max(a, b)}`;
      if (c.main.value === null) {
        if (a < b)
          reasons.push(h("li", {}, `${this.name(a)} × ${this.name(b)}: ${c.main.reason ?? ""}`));
        return h(
          "td",
          { class: "heat undefined", "data-pair": key, title: c.main.reason ?? "" },
          "undefined",
        );
      }
      return h(
        "td",
        {
          class: "heat",
          "data-pair": key,
          "data-value": String(c.main.value),
          style: `background:${heatColor(c.main.value)}`,
          title: `${this.name(a)} × ${this.name(b)}`,
        },
        h("span", { class: "heat-main" }, fmt(c.main.value)),
        c.extra
          ? h(
              "small",
              { class: "heat-extra" },
              c.extra.value === null ? "exact undefined" : `exact ${fmt(c.extra.value)}`,
            )
          : null,
      );
    };
    const table =
      ids.length === 0
        ? h("p", { class: "muted" }, "Needs at least two annotators on the same documents.")
        : h(
            "table",
            { class: "heatmap", id },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", {}, ""),
                ...ids.map((x) => h("th", { scope: "col" }, this.name(x))),
              ),
            ),
            h(
              "tbody",
              {},
              ...ids.map((a) =>
                h("tr", {}, h("th", { scope: "row" }, this.name(a)), ...ids.map((b) => cell(a, b))),
              ),
            ),
          );
    return h(
      "figure",
      { class: "chart-box" },
      h("figcaption", {}, title, " ", h("small", { class: "muted" }, hint)),
      table,
      ids.length ? scaleLegend() : null,
      reasons.length ? h("ul", { class: "note undefined-list" }, ...reasons) : null,
    );
  }

  private perAnnotator(a: AgreementSection): HTMLElement {
    const loo = new Map(a.leave_one_annotator_out.map((r) => [r.annotator, r]));
    const gold = new Map(a.gold.map((r) => [r.annotator, r]));
    const ids = [...new Set([...loo.keys(), ...gold.keys()])].sort((x, y) =>
      this.name(x).localeCompare(this.name(y)),
    );
    if (ids.length === 0) return h("p", { class: "muted" }, "No per-annotator figures yet.");
    const change = (r: { change: number | null } | undefined) => {
      if (!r || r.change === null) return "";
      const sign = r.change > 0 ? "+" : "";
      return h(
        "small",
        {
          class: r.change > 0 ? "delta up" : "delta down",
          title: "α without this annotator minus α with everyone",
        },
        ` (${sign}${fmt(r.change)})`,
      );
    };
    return h(
      "div",
      { class: "per-annotator" },
      h("h3", {}, "Each annotator"),
      h(
        "table",
        { class: "list", id: "per-annotator" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "Annotator"),
            h("th", { title: "Project α computed without this annotator" }, "α without them"),
            h("th", { class: "num" }, "Gold: documents"),
            h("th", {}, "α with gold"),
            h("th", {}, "F1 with gold (overlap)"),
            h("th", {}, "F1 with gold (exact)"),
          ),
        ),
        h(
          "tbody",
          {},
          ...ids.map((id) => {
            const l = loo.get(id);
            const g = gold.get(id);
            return h(
              "tr",
              { "data-annotator": id },
              h("td", {}, this.name(id)),
              h("td", { class: "loo" }, l ? statEl(l) : "–", change(l)),
              h("td", { class: "num" }, g ? g.documents : 0),
              h("td", { class: "gold-alpha" }, g ? statEl(g.character_alpha) : noGold()),
              h("td", {}, g ? statEl(g.span_f1_overlap.f1) : noGold()),
              h("td", {}, g ? statEl(g.span_f1_exact.f1) : noGold()),
            );
          }),
        ),
      ),
      a.gold.length === 0
        ? h(
            "p",
            { class: "note" },
            "Agreement with the gold standard appears once documents are adjudicated.",
          )
        : null,
    );
  }

  private renderQueue(body: DashboardBody, titles: Map<number, QueueRow>): void {
    const target = this.section(
      "queue",
      "Disagreement queue",
      h(
        "p",
        { class: "muted intro" },
        "Documents with the lowest agreement first: adjudicate these first.",
      ),
    );
    const queue = body.agreement?.queue ?? [];
    if (queue.length === 0) {
      target.replaceChildren(
        h(
          "p",
          { class: "muted" },
          body.agreement ? "No document has a defined agreement yet." : "No report yet.",
        ),
        h("a", { href: this.data.urls.adjudicate }, "Open the adjudication queue →"),
      );
      return;
    }
    const base = this.data.urls.adjudicate;
    target.replaceChildren(
      h(
        "table",
        { class: "list", id: "queue" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { class: "num" }, "#"),
            h("th", {}, "Document"),
            h("th", {}, "α"),
            h("th", {}, "State"),
            h("th", {}, ""),
          ),
        ),
        h(
          "tbody",
          {},
          ...queue.map((row, i) => {
            const info = titles.get(row.document_id);
            const href = `${base}${row.document_id}/`;
            return h(
              "tr",
              { "data-document": row.document_id },
              h("td", { class: "num" }, i + 1),
              h("td", {}, h("a", { href }, info?.title || `Document ${row.document_id}`)),
              h(
                "td",
                { class: "alpha-cell" },
                statEl({ value: row.alpha, reason: row.reason }),
                alphaBar(row.alpha),
              ),
              h(
                "td",
                {},
                info ? h("span", { class: "badge", "data-state": info.state }, info.state) : "",
              ),
              h("td", {}, h("a", { href, class: "button-link" }, "Adjudicate →")),
            );
          }),
        ),
      ),
      h("p", {}, h("a", { href: base }, "The whole adjudication queue →")),
    );
  }
}

function noGold(): HTMLElement {
  return h("span", { class: "muted" }, "–");
}

/** A small bar under a value in [−1, 1]: how far it is from full agreement. */
function alphaBar(value: number | null): HTMLElement | null {
  if (value === null) return null;
  const width = Math.max(0, Math.min(1, value)) * 100;
  return h(
    "span",
    { class: "mini-bar" },
    h("span", { style: `width:${width}%;background:${heatColor(value)}` }),
  );
}

/** Red (≤ 0) through yellow (0.5) to green (1): pale enough to keep the text readable. */
export function heatColor(value: number): string {
  const t = Math.max(0, Math.min(1, value));
  const stops: [number, [number, number, number]][] = [
    [0, [239, 154, 154]],
    [0.5, [255, 224, 130]],
    [1, [129, 199, 132]],
  ];
  const [i, j] = t <= 0.5 ? [0, 1] : [1, 2];
  const f = (t - stops[i][0]) / (stops[j][0] - stops[i][0]);
  const rgb = stops[i][1].map((c, k) => Math.round(c + (stops[j][1][k] - c) * f));
  return `rgb(${rgb.join(",")})`;
}

function scaleLegend(): HTMLElement {
  return h(
    "div",
    { class: "scale-legend", "aria-hidden": "true" },
    h("span", {}, "≤ 0"),
    h("span", {
      class: "scale-bar",
      style: `background:linear-gradient(90deg,${heatColor(0)},${heatColor(0.5)},${heatColor(1)})`,
    }),
    h("span", {}, "1"),
  );
}
