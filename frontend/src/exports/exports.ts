/**
 * Exports (`/projects/<id>/exports/`): choose a format and a scope, start the export (a
 * background job), follow its progress, download the file, and see past exports.
 */

import type { ApiError } from "../shared/api";
import type { ExportRequest, Job, Label, Page } from "../shared/api-types";
import { byId, h } from "../shared/dom";
import {
  apiFor,
  bytes,
  followJob,
  pageData,
  projectApi,
  renderJob,
  type ReviewBootstrap,
  showError,
  when,
} from "../shared/reviewer-pages";

interface ExportsBootstrap extends ReviewBootstrap {
  formats: { key: ExportRequest["format"]; help: string }[];
  annotators: { id: number; username: string }[];
  labels: Label[];
}

const PAST_PAGE_SIZE = 20;

export function startExports(): void {
  const page = new ExportsPage(pageData<ExportsBootstrap>());
  (window as unknown as { workbench?: unknown }).workbench = page;
  page.start();
}

export class ExportsPage {
  readonly data: ExportsBootstrap;
  private readonly api;
  job: Job | null = null;
  private pastPage = 1;

  constructor(data: ExportsBootstrap) {
    this.data = data;
    this.api = apiFor(data);
  }

  start(): void {
    const format = byId<HTMLSelectElement>("export-format");
    format.replaceChildren(
      ...this.data.formats.map((f) => h("option", { value: f.key }, `${f.key} — ${f.help}`)),
    );
    this.checkboxes(
      "export-annotators",
      "annotator",
      this.data.annotators.map((a) => ({ value: String(a.id), text: a.username })),
      "This project has no annotators.",
    );
    this.checkboxes(
      "export-labels",
      "label",
      this.data.labels.map((l) => ({
        value: l.key,
        text: l.retired ? `${l.name} (retired)` : l.name,
      })),
      "This project has no labels.",
    );
    // Formula protection concerns the CSV file only.
    const spreadsheet = () => {
      byId<HTMLFieldSetElement>("export-spreadsheet").disabled = format.value !== "csv";
    };
    format.addEventListener("change", spreadsheet);
    spreadsheet();
    const goldOnly = byId<HTMLInputElement>("export-gold-only");
    goldOnly.addEventListener("change", () => {
      byId<HTMLFieldSetElement>("export-annotators").disabled = goldOnly.checked;
    });
    byId<HTMLFormElement>("export-form").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit();
    });
    void this.loadPast().then(() => {
      document.body.dataset.ready = "1";
    });
  }

  private checkboxes(
    id: string,
    name: string,
    items: { value: string; text: string }[],
    empty: string,
  ): void {
    const fieldset = byId<HTMLFieldSetElement>(id);
    const legend = fieldset.querySelector("legend");
    if (items.length === 0) {
      fieldset.replaceChildren(...(legend ? [legend] : []), h("p", { class: "muted" }, empty));
      return;
    }
    const boxes = items.map((item) =>
      h(
        "label",
        { class: "check inline" },
        h("input", { type: "checkbox", name, value: item.value, checked: true }),
        " ",
        item.text,
      ),
    );
    const toggle = (checked: boolean) => () => {
      for (const input of fieldset.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`)) {
        input.checked = checked;
      }
    };
    fieldset.replaceChildren(
      ...(legend ? [legend] : []),
      h("div", { class: "checks" }, ...boxes),
      h(
        "div",
        { class: "check-tools" },
        h("button", { type: "button", class: "link", onclick: toggle(true) }, "all"),
        " · ",
        h("button", { type: "button", class: "link", onclick: toggle(false) }, "none"),
      ),
    );
  }

  /** Checked values, or null when all are checked (the API's default: everything). */
  private chosen(name: string): string[] | null {
    const inputs = Array.from(document.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`));
    const checked = inputs.filter((i) => i.checked).map((i) => i.value);
    return checked.length === inputs.length ? null : checked;
  }

  request(): ExportRequest | string {
    const body: ExportRequest = {
      // One of the page data's formats (the options start() put in the select).
      format: byId<HTMLSelectElement>("export-format").value as ExportRequest["format"],
      gold_only: byId<HTMLInputElement>("export-gold-only").checked,
      submitted_only: byId<HTMLInputElement>("export-submitted-only").checked,
    };
    if (body.format === "csv") {
      body.excel_safe = byId<HTMLInputElement>("export-excel-safe").checked;
    }
    if (!body.gold_only) {
      const annotators = this.chosen("annotator");
      if (annotators !== null) {
        if (annotators.length === 0) return "Choose at least one annotator (or “Gold only”).";
        body.annotators = annotators.map(Number);
      }
    }
    const labels = this.chosen("label");
    if (labels !== null) {
      if (labels.length === 0) return "Choose at least one label.";
      body.labels = labels;
    }
    return body;
  }

  async submit(): Promise<void> {
    const error = byId("export-error");
    const button = byId<HTMLButtonElement>("btn-export");
    const box = byId("export-job");
    const body = this.request();
    if (typeof body === "string") {
      showError(error, body);
      return;
    }
    showError(error, null);
    button.disabled = true;
    try {
      let job = await this.api.request<Job>(projectApi(this.data, "exports/"), {
        method: "POST",
        body,
      });
      this.job = job;
      this.showJob(job);
      job = await followJob(
        this.api,
        projectApi(this.data, `exports/${job.id}/`),
        (j) => this.showJob(j),
        700,
      );
      this.job = job;
      this.showJob(job);
      await this.loadPast();
    } catch (e) {
      showError(error, `Could not export: ${(e as ApiError).message}`);
      if (this.job === null) box.hidden = true;
    } finally {
      button.disabled = false;
    }
  }

  private downloadUrl(job: Job): string {
    return projectApi(this.data, `exports/${job.id}/download/`);
  }

  private showJob(job: Job): void {
    const box = byId("export-job");
    renderJob(box, job, `Export (${String(job.params.format ?? "")})`);
    if (job.state === "succeeded") {
      const filename = String(job.result?.filename ?? "export");
      const counts = [
        typeof job.result?.documents === "number" ? `${job.result.documents} documents` : "",
        typeof job.result?.spans === "number" ? `${job.result.spans} spans` : "",
      ].filter(Boolean);
      if (counts.length)
        box.append(h("span", { class: "muted job-counts" }, ` ${counts.join(", ")}`));
      box.append(
        h(
          "p",
          { class: "download" },
          h(
            "a",
            {
              href: this.downloadUrl(job),
              id: "download-link",
              class: "button-link primary",
              download: filename,
            },
            `Download ${filename}`,
          ),
          " ",
          h("span", { class: "muted" }, bytes(job.result?.size)),
        ),
      );
    } else if (job.state === "failed") {
      box.append(
        h("p", { class: "error", id: "export-failed" }, job.error || "The export failed."),
      );
    }
  }

  async loadPast(page = this.pastPage): Promise<void> {
    const tbody = byId("past-exports").querySelector("tbody")!;
    const pager = byId("exports-pager");
    let data: Page<Job>;
    try {
      data = await this.api.request<Page<Job>>(
        projectApi(this.data, `exports/?page_size=${PAST_PAGE_SIZE}&page=${page}`),
      );
    } catch (e) {
      tbody.replaceChildren(
        h(
          "tr",
          {},
          h(
            "td",
            { colspan: 6, class: "error" },
            `Could not load past exports: ${(e as Error).message}`,
          ),
        ),
      );
      return;
    }
    this.pastPage = page;
    if (data.results.length === 0) {
      tbody.replaceChildren(
        h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No exports yet.")),
      );
    } else {
      tbody.replaceChildren(...data.results.map((job) => this.pastRow(job)));
    }
    const pages = Math.max(1, Math.ceil(data.count / PAST_PAGE_SIZE));
    pager.replaceChildren(
      ...(pages > 1
        ? [
            data.previous
              ? h(
                  "button",
                  { type: "button", class: "link", onclick: () => void this.loadPast(page - 1) },
                  "← Newer",
                )
              : "",
            ` Page ${page} of ${pages} `,
            data.next
              ? h(
                  "button",
                  { type: "button", class: "link", onclick: () => void this.loadPast(page + 1) },
                  "Older →",
                )
              : "",
          ]
        : []),
    );
  }

  private scope(params: Record<string, unknown>): string {
    const parts: string[] = [];
    const names = new Map(this.data.annotators.map((a) => [a.id, a.username]));
    if (params.gold_only) parts.push("gold only");
    else if (Array.isArray(params.annotators)) {
      parts.push(params.annotators.map((id) => names.get(Number(id)) ?? `user ${id}`).join(", "));
    } else parts.push("all annotators");
    if (Array.isArray(params.labels)) {
      const labelNames = new Map(this.data.labels.map((l) => [l.key, l.name]));
      const shown = params.labels.map((key) => labelNames.get(String(key)) ?? String(key));
      parts.push(`labels: ${shown.join(", ")}`);
    }
    if (Array.isArray(params.documents)) {
      // Chosen on the documents table.
      const n = params.documents.length;
      parts.push(`${n} chosen document${n === 1 ? "" : "s"}`);
      if (params.submitted_only !== false) parts.push("submitted only");
    } else parts.push(params.submitted_only === false ? "all documents" : "submitted only");
    if (params.format === "csv" && params.excel_safe === false) parts.push("formulas as they are");
    return parts.join(" · ");
  }

  private pastRow(job: Job): HTMLElement {
    let action: Node | string = "";
    if (job.state === "succeeded") {
      action = h(
        "a",
        { href: this.downloadUrl(job), download: String(job.result?.filename ?? "") },
        "Download",
      );
    } else if (job.state === "failed") {
      action = h("span", { class: "error", title: job.error }, job.error);
    } else if (job.waiting_for_worker) {
      action = h("span", { class: "muted" }, job.waiting_for_worker);
    }
    return h(
      "tr",
      { "data-job": job.id, "data-state": job.state },
      h("td", {}, when(job.created_at)),
      h("td", {}, String(job.params.format ?? "")),
      h("td", { class: "scope" }, this.scope(job.params)),
      h("td", {}, h("span", { class: "badge", "data-state": job.state }, job.state)),
      h("td", { class: "num" }, job.state === "succeeded" ? bytes(job.result?.size) : ""),
      h("td", { class: "past-action" }, action),
    );
  }
}
