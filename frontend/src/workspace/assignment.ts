/**
 * The workspace's assignment: whether the document is open for editing, the time spent on it
 * (visible time only), and submit / skip / reopen / next with their buttons and banner.
 */

import { Api, ApiError } from "../shared/api";
import type { Assignment, AssignmentActionBody, Label } from "../shared/api-types";
import { byId } from "../shared/dom";
import type { Bootstrap } from "./bootstrap";
import type { SaveQueue } from "./save-queue";

export interface AssignmentHost {
  readonly data: Bootstrap;
  readonly api: Api;
  readonly queue: SaveQueue;
  readonly labels: Map<number, Label>;
  /** Save a note being typed before the document changes state. */
  flushNote(): void;
  notice(message: string): void;
  /** Redraw what depends on the assignment's state (after submit, skip or reopen). */
  assignmentChanged(): void;
}

export class AssignmentControls {
  private readonly host: AssignmentHost;
  private assignment: Assignment | null;
  private visibleSince = performance.now();
  private visibleMs = 0;

  constructor(host: AssignmentHost) {
    this.host = host;
    this.assignment = host.data.assignment;
  }

  get state(): Assignment["state"] | null {
    return this.assignment?.state ?? null;
  }

  bind(): void {
    byId("btn-submit").addEventListener("click", () => void this.submit());
    byId("btn-skip").addEventListener("click", () => this.openSkip());
    byId("btn-next").addEventListener("click", () => void this.next());
    byId("btn-reopen").addEventListener("click", () => void this.reopen());
    byId<HTMLFormElement>("skip-form").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.skip();
    });
    byId("skip-cancel").addEventListener("click", () =>
      byId<HTMLDialogElement>("skip-dialog").close(),
    );
    document.addEventListener("visibilitychange", () => this.trackVisibility());
  }

  canEdit(): boolean {
    if (this.host.data.project.archived) return false;
    if (this.host.data.mode !== "annotate" || !this.assignment) return false;
    return this.assignment.state === "assigned" || this.assignment.state === "in_progress";
  }

  readOnlyReason(): string {
    if (this.host.data.project.archived) {
      return "This project is archived: read only until a manager unarchives it.";
    }
    if (this.host.data.mode === "review") return "Review mode is read only.";
    if (!this.assignment) return "This document is not assigned to you.";
    if (this.assignment.state === "submitted") return "You submitted this document: reopen it to edit.";
    if (this.assignment.state === "skipped") return "You skipped this document: reopen it to edit.";
    return "This document is read only.";
  }

  // --- time spent --------------------------------------------------------------------------------

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

  // --- buttons and banner ------------------------------------------------------------------------

  render(): void {
    const data = this.host.data;
    const state = this.assignment?.state ?? null;
    const annotating =
      data.mode === "annotate" && this.assignment !== null && !data.project.archived;
    const open = state === "assigned" || state === "in_progress";
    byId("btn-submit").hidden = !(annotating && open);
    byId("btn-skip").hidden = !(annotating && open);
    byId("btn-reopen").hidden = !(annotating && !open);
    byId("btn-next").hidden = !(annotating && !open);
    const banner = byId("banner");
    if (data.project.archived) {
      banner.hidden = false;
      banner.dataset.state = "archived";
      banner.textContent = "This project is archived: read only until a manager unarchives it.";
    } else if (annotating && state === "submitted") {
      banner.hidden = false;
      banner.dataset.state = "submitted";
      banner.textContent = "Submitted. Press n for the next document.";
    } else if (annotating && state === "skipped") {
      banner.hidden = false;
      banner.dataset.state = "skipped";
      banner.textContent = `Skipped: ${this.assignment?.skip_reason ?? ""}. Press n for the next document.`;
    } else if (data.mode === "review") {
      banner.hidden = false;
      banner.dataset.state = "review";
      banner.textContent = "Review mode: every annotator's spans, read only.";
    } else {
      banner.hidden = true;
    }
    document.body.classList.toggle("read-only", !this.canEdit());
    for (const button of document.querySelectorAll<HTMLButtonElement>(".label-btn")) {
      const label = [...this.host.labels.values()].find((l) => l.key === button.dataset.label);
      button.disabled = !this.canEdit() || !!label?.retired;
    }
  }

  // --- actions -----------------------------------------------------------------------------------

  async action(action: "start" | "submit" | "skip" | "reopen", reason = ""): Promise<boolean> {
    if (!this.assignment) return false;
    const { api, data } = this.host;
    try {
      const body: AssignmentActionBody =
        action === "reopen" || action === "start"
          ? {}
          : { time_spent_seconds: this.secondsSpent(), reason };
      this.assignment = await api.request<Assignment>(
        `projects/${data.project.id}/assignments/${this.assignment.id}/${action}/`,
        { method: "POST", body },
      );
    } catch (error) {
      this.host.notice(`Could not ${action}: ${error instanceof ApiError ? error.message : error}`);
      return false;
    }
    // Starting changes nothing on screen; re-rendering would throw away a panel being edited.
    if (action === "start") return true;
    this.render();
    this.host.assignmentChanged();
    return true;
  }

  async submit(): Promise<void> {
    if (!this.canEdit()) return;
    const queue = this.host.queue;
    this.host.flushNote();
    if (queue.overall() === "failed") {
      this.host.notice("Some changes are not saved: retry or discard them before submitting.");
      return;
    }
    if (queue.pendingCount() > 0) {
      byId("save-text").textContent = "Saving before submit…";
      await queue.idle();
    }
    await this.action("submit");
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
    this.host.flushNote();
    await this.host.queue.idle();
    await this.action("skip", reason);
  }

  private async reopen(): Promise<void> {
    await this.action("reopen");
  }

  async next(): Promise<void> {
    const { api, data } = this.host;
    if (data.mode === "annotate" && this.canEdit()) {
      this.host.notice("Submit (Ctrl+Enter) or skip this document first.");
      return;
    }
    if (data.mode === "review") {
      window.location.assign(data.urls.project);
      return;
    }
    let assignment: Assignment | undefined;
    try {
      assignment = await api.request<Assignment | undefined>(
        `projects/${data.project.id}/assignments/next/`,
        { method: "POST" },
      );
    } catch (error) {
      this.host.notice(
        `Could not open the next document: ${error instanceof ApiError ? error.message : error}`,
      );
      return;
    }
    if (!assignment) {
      window.location.assign(`${data.urls.project}?done=1`);
      return;
    }
    window.location.assign(`${data.urls.documents}${assignment.document}/`);
  }
}
