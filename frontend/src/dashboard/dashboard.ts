/**
 * The reviewer dashboard (`/projects/<id>/dashboard/`): progress, agreement and the disagreement
 * queue, all from `GET /api/v1/projects/{id}/dashboard/`. The page polls that endpoint every few
 * seconds while an agreement job runs or the report is stale (inputs changed after it); otherwise,
 * while the tab is visible, every `IDLE_POLL_MS`, so a report the worker finishes later (another
 * tab's run, a scheduled refresh) replaces the figures in place.
 * Undefined statistics show their reason, never a number.
 *
 * The page's sections are drawn by agreement.ts, annotators.ts and queue.ts through the
 * `DashboardView` this class provides; charts.ts holds the Chart.js set-up.
 */

import type { ApiError } from "../shared/api";
import type {
  AdjudicationQueueRow,
  // The API's answer; `Dashboard` is this page's class.
  Dashboard as DashboardBody,
  Job,
  Page,
} from "../shared/api-types";
import { byId, h, safeColor } from "../shared/dom";
import {
  apiFor,
  followJob,
  isFinished,
  pageData,
  projectApi,
  renderJob,
} from "../shared/reviewer-pages";
import { renderAgreement } from "./agreement";
import { renderAnnotators } from "./annotators";
import type { Chart } from "./charts";
import { renderQueue } from "./queue";
import type { DashboardBootstrap } from "./types";

/** What the section renderers use of the page. */
export interface DashboardView {
  readonly data: DashboardBootstrap;
  readonly charts: { trend?: Chart; labels?: Chart; distribution?: Chart };
  section(id: string, title: string, ...intro: (Node | string)[]): HTMLElement;
  chartBox(
    id: string,
    label: string,
    cls?: string,
  ): { box: HTMLElement; canvas: HTMLCanvasElement };
  name(id: number): string;
  labelName(id: number | string): string;
  labelColor(id: number | string): string;
}

const JOB_POLL_MS = 1000;
const POLL_MS = 3000;
const SLOW_POLL_MS = 30000;
/**
 * While nothing runs and the report is current, how often a visible page asks whether a newer
 * report exists (the worker may finish one at any time); the figures then update in place. A test
 * can shorten it with `window.__workbenchPollMs`, set before the page's script runs.
 */
const IDLE_POLL_MS = 15000;

function idlePollMs(): number {
  const override = (window as unknown as { __workbenchPollMs?: unknown }).__workbenchPollMs;
  return typeof override === "number" && override > 0 ? override : IDLE_POLL_MS;
}
/** After this many refreshes of a stale report that does not change, poll slowly. */
const PATIENCE = 60;

export function startDashboard(): void {
  const dashboard = new Dashboard(pageData<DashboardBootstrap>());
  (window as unknown as { workbench?: unknown }).workbench = dashboard;
  void dashboard.start();
}

export class Dashboard implements DashboardView {
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
  private queueInfo = new Map<number, AdjudicationQueueRow>();

  constructor(data: DashboardBootstrap) {
    this.data = data;
    this.api = apiFor(data);
    this.root = byId("dash-root");
  }

  async start(): Promise<void> {
    byId<HTMLButtonElement>("btn-recompute").addEventListener("click", () => void this.recompute());
    document.addEventListener("visibilitychange", () => {
      // Back in view: catch up at once (a hidden page polls slowly or not at all).
      if (!document.hidden && !this.loading) void this.refresh();
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
          .request<Page<AdjudicationQueueRow>>(projectApi(this.data, "adjudication/?page_size=100"))
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
      // Watch for a newer report finished by the worker, only while someone can see the page.
      if (!document.hidden) this.timer = setTimeout(() => void this.refresh(), idlePollMs());
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

  section(id: string, title: string, ...intro: (Node | string)[]): HTMLElement {
    let el = this.sections[id];
    if (!el) {
      const body = h("div", { class: "section-body" });
      el = h("section", { class: "card", id }, h("h2", {}, title), ...intro, body);
      this.sections[id] = el;
      this.root.append(el);
    }
    return el.querySelector<HTMLElement>(".section-body")!;
  }

  name(id: number): string {
    return this.body?.names.annotators[String(id)] ?? `user ${id}`;
  }

  labelName(id: number | string): string {
    // The label's display name; the API's `names.labels` holds keys, the fallback for a label
    // the page was not given.
    const label = this.data.labels.find((l) => String(l.id) === String(id));
    return label?.name ?? this.body?.names.labels[String(id)] ?? `label ${id}`;
  }

  labelColor(id: number | string): string {
    const label = this.data.labels.find((l) => String(l.id) === String(id));
    return safeColor(label?.color ?? "#888888");
  }

  render(body: DashboardBody, queue: Map<number, AdjudicationQueueRow>): void {
    if (!this.rendered) this.root.replaceChildren();
    this.rendered = true;
    this.renderWorkers(body);
    this.renderProgress(body);
    renderAnnotators(this, body);
    renderAgreement(this, body);
    renderQueue(this, body, queue);
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

  /**
   * One canvas, in one sized box, per chart for the page's life: Chart.js keeps drawing into it on
   * updates and watches the box for resizes, so neither is ever replaced.
   */
  chartBox(
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
}
