/**
 * Shared by the reviewer pages (dashboard, adjudication, exports): their bootstrap data, the
 * shape of statistics, number formatting, and following a background job.
 */

import { Api } from "./api";
import type { Job, Stat } from "./api-types";
import { h } from "./dom";

export interface ReviewBootstrap {
  apiRoot: string;
  csrfToken: string;
  project: { id: number; name: string };
  user: { id: number; username: string };
  role: string;
  urls: { project: string; dashboard: string; adjudicate: string; exports: string };
}

export function pageData<T extends ReviewBootstrap>(): T {
  const el = document.getElementById("page-data");
  if (!el?.textContent) throw new Error("the page has no #page-data");
  return JSON.parse(el.textContent) as T;
}

export function apiFor(data: ReviewBootstrap): Api {
  return new Api(data.apiRoot, data.csrfToken);
}

/** The project's API path, e.g. `projectApi(data, "dashboard/")`. */
export function projectApi(data: ReviewBootstrap, tail: string): string {
  const root = data.apiRoot.endsWith("/") ? data.apiRoot : `${data.apiRoot}/`;
  return `${root}projects/${data.project.id}/${tail}`;
}

export function isFinished(job: Job): boolean {
  return job.state === "succeeded" || job.state === "failed";
}

export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value.toFixed(digits);
}

export function percent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${(value * 100).toFixed(digits)} %`;
}

/**
 * A statistic as text: its value, or "undefined" with the reason (as text and as a tooltip).
 * `data-value` carries the exact number for tests and copy-paste.
 */
export function statEl(stat: Stat | null | undefined, digits = 3, cls = "stat"): HTMLElement {
  if (!stat || stat.value === null || stat.value === undefined) {
    const reason = stat?.reason || "not computed";
    return h(
      "span",
      { class: `${cls} undefined`, title: reason, "data-undefined": "1" },
      `undefined: ${reason}`,
    );
  }
  return h("span", { class: cls, "data-value": String(stat.value) }, fmt(stat.value, digits));
}

/**
 * A document's figure from a row of the latest report: as `statEl`, except that a null value
 * with a null reason is not an undefined statistic but one the report does not have (`missing`
 * says which: not computed yet, or not in a report yet).
 */
export function rowStatEl(
  value: number | null,
  reason: string | null,
  missing: string,
): HTMLElement {
  if (value === null && reason === null) {
    return h(
      "span",
      { class: "stat missing", "data-missing": "1", title: "Recompute agreement to fill it in" },
      missing,
    );
  }
  return statEl({ value, reason });
}

export function seconds(value: number | null): string {
  if (value === null || value === undefined) return "–";
  if (value < 90) return `${Math.round(value)} s`;
  if (value < 5400) return `${(value / 60).toFixed(1)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

export function when(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function bytes(n: unknown): string {
  if (typeof n !== "number") return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A progress bar and a line of text for a job, updated in place. */
export function renderJob(el: HTMLElement, job: Job, what: string): void {
  el.hidden = false;
  el.dataset.state = job.state;
  const bar = h("progress", { max: "1" });
  if (job.state === "succeeded") bar.value = 1;
  else if (job.progress !== null) bar.value = job.progress;
  else if (job.state === "failed") bar.value = 0;
  else bar.removeAttribute("value"); // indeterminate: no total known yet
  let text: string;
  if (job.state === "queued") {
    text = job.waiting_for_worker ?? `${what}: queued, waiting for a worker to start it…`;
  } else if (job.state === "running") {
    const total = job.progress_total ? ` ${job.progress_done} / ${job.progress_total}` : "";
    text = `${what}: running…${total}`;
  } else if (job.state === "succeeded") {
    text = `${what}: done.`;
  } else {
    text = `${what} failed: ${job.error || "no reason given"}`;
  }
  el.replaceChildren(bar, " ", h("span", { class: "job-text" }, text));
}

/**
 * Poll a job until it finishes, calling `onUpdate` with each state. Resolves with the finished
 * job; rejects on an API error (network errors are retried a few times first).
 */
export async function followJob(
  api: Api,
  url: string,
  onUpdate: (job: Job) => void,
  intervalMs = 1000,
): Promise<Job> {
  let failures = 0;
  for (;;) {
    let job: Job;
    try {
      job = await api.request<Job>(url);
      failures = 0;
    } catch (error) {
      if ((error as { kind?: string }).kind === "network" && failures < 5) {
        failures++;
        await sleep(intervalMs * 2);
        continue;
      }
      throw error;
    }
    onUpdate(job);
    if (isFinished(job)) return job;
    await sleep(document.hidden ? intervalMs * 4 : intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function showError(el: HTMLElement, message: string | null): void {
  el.textContent = message ?? "";
  el.hidden = !message;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(message: string): void {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 2500);
}
