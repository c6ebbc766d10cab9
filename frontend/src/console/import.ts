/**
 * Import pages (`/projects/<id>/import/`, console/import*.html; annotations/views/console/
 * imports.py). Every step works without script. This adds:
 *
 * - on the upload form, the list of the chosen files with their sizes, and a warning (the upload
 *   button disabled) before an upload past the server's limit is sent, which the server would
 *   refuse before reading it; the options of annotated files are disabled while a document
 *   format is chosen, which ignores them;
 * - on the preview, one start per click (the button is disabled once pressed);
 * - on the progress page, each unfinished job's bar and status followed through
 *   `/api/v1/jobs/{id}/`; once every job has finished the page reloads to show the results as the
 *   server renders them.
 */

import { Api, type ApiError } from "../shared/api";
import type { Job } from "../shared/api-types";
import { h } from "../shared/dom";
import { bytes, followJob, isFinished } from "../shared/reviewer-pages";

interface UploadData {
  maxUploadBytes: number;
  maxUploadMb: number;
  annotationFormats: string[];
}

interface ProgressData {
  jobs: { id: string; url: string; state: Job["state"] }[];
}

const POLL_MS = 1000;

export function startImport(): void {
  const upload = document.getElementById("upload-form");
  if (upload instanceof HTMLFormElement) enhanceUpload(upload, json<UploadData>("import-data"));
  const start = document.getElementById("start-form");
  if (start instanceof HTMLFormElement) oneSubmit(start);
  const progress = document.getElementById("import-progress-data");
  if (progress) {
    void followJobs(json<ProgressData>("import-progress-data"));
    return; // ready once the jobs are followed, or at once when they had finished
  }
  document.body.dataset.ready = "1";
}

function json<T>(id: string): T {
  const el = document.getElementById(id);
  if (!el?.textContent) throw new Error(`the page has no #${id}`);
  return JSON.parse(el.textContent) as T;
}

// --- upload ---------------------------------------------------------------------------------

function enhanceUpload(form: HTMLFormElement, data: UploadData): void {
  const input = form.querySelector<HTMLInputElement>('input[type="file"]');
  const format = form.querySelector<HTMLSelectElement>('select[name="format"]');
  const options = document.getElementById("annotation-options") as HTMLFieldSetElement | null;
  const button = document.getElementById("btn-upload") as HTMLButtonElement | null;
  const list = document.getElementById("file-list");
  const tooLarge = document.getElementById("upload-too-large");
  const disabledByServer = button?.disabled ?? false;
  if (input && list && tooLarge && button) {
    const showFiles = () => {
      const files = Array.from(input.files ?? []);
      const total = files.reduce((sum, f) => sum + f.size, 0);
      list.replaceChildren(
        ...files.map((f) =>
          h("li", {}, f.name, " ", h("span", { class: "muted" }, `(${bytes(f.size)})`)),
        ),
      );
      list.hidden = files.length === 0;
      const over = total > data.maxUploadBytes;
      tooLarge.textContent = over
        ? `These files come to ${bytes(total)} together, more than the limit of ` +
          `${data.maxUploadMb} MB per upload: upload them in several goes.`
        : "";
      tooLarge.hidden = !over;
      button.disabled = disabledByServer || over;
    };
    input.addEventListener("change", showFiles);
    showFiles(); // a reloaded page may keep the chosen files
  }
  if (format && options) {
    const toggle = () => {
      const documentFormat = format.value !== "" && !data.annotationFormats.includes(format.value);
      options.disabled = documentFormat;
    };
    format.addEventListener("change", toggle);
    toggle();
  }
  oneSubmit(form);
}

/** The form's submit button is disabled once the form is sent: one upload or start per click. */
function oneSubmit(form: HTMLFormElement): void {
  const buttons = Array.from(form.querySelectorAll<HTMLButtonElement>('button[type="submit"]'));
  const before = buttons.map((b) => b.disabled);
  form.addEventListener("submit", () => {
    // After the browser has taken the form's data: the click still submits.
    setTimeout(() => {
      for (const button of buttons) button.disabled = true;
    }, 0);
  });
  // Back to this page from the next one (the browser's page cache): usable again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) buttons.forEach((b, i) => (b.disabled = before[i] ?? false));
  });
}

// --- progress -------------------------------------------------------------------------------

async function followJobs(data: ProgressData): Promise<void> {
  const open = data.jobs.filter((j) => j.state !== "succeeded" && j.state !== "failed");
  if (open.length === 0) {
    document.body.dataset.ready = "1";
    return;
  }
  const api = new Api("/api/v1/", "");
  document.body.dataset.ready = "1";
  const followed = await Promise.all(
    open.map(async (j) => {
      const section = document.querySelector<HTMLElement>(`[data-job="${j.id}"]`);
      if (!section) return true;
      try {
        const job = await followJob(api, j.url, (update) => showJob(section, update), POLL_MS);
        return isFinished(job);
      } catch (error) {
        const text = section.querySelector(".job-text");
        if (text) {
          text.textContent = `Could not follow the import: ${(error as ApiError).message}. Reload the page to see where it stands.`;
        }
        return false;
      }
    }),
  );
  // The results are the server's to render (the same page without script shows them).
  if (followed.every(Boolean)) window.location.reload();
}

function showJob(section: HTMLElement, job: Job): void {
  section.dataset.state = job.state;
  const bar = section.querySelector("progress");
  if (bar) {
    if (job.state === "succeeded") bar.value = 1;
    else if (job.progress !== null) bar.value = job.progress;
    else if (job.state === "failed") bar.value = 0;
    else bar.removeAttribute("value"); // indeterminate: no total known yet
  }
  const text = section.querySelector(".job-text");
  if (!text) return;
  if (job.state === "queued") {
    text.textContent = job.waiting_for_worker ?? "Queued: waiting for a worker to start it…";
  } else if (job.state === "running") {
    const of = job.progress_total ? ` (${job.progress_done} of ${job.progress_total})` : "";
    text.textContent = `Running…${of}`;
  } else if (job.state === "succeeded") {
    text.textContent = "Done.";
  } else {
    text.textContent = `Failed: ${job.error || "no reason given."}`;
  }
}
