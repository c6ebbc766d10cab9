/**
 * The top bar's save state (saved / saving / failed) and the list of changes that failed to save,
 * each with Retry and Discard, or, for a version conflict, "Keep my change" and "Reload theirs".
 */

import { byId, h } from "../shared/dom";
import type { SaveState } from "../shared/textview";
import type { QueuedChange, SaveQueue } from "./save-queue";
import type { LocalSpan } from "./spans";

export interface FailureActions {
  retry(span: LocalSpan): void;
  keepMine(span: LocalSpan): Promise<void>;
  discard(span: LocalSpan): Promise<void>;
}

/**
 * `readOnly`: the page never saves (the review view, an archived project), so "saved" would
 * claim work that did not happen; it says "Read only" instead.
 */
export function renderSaveStatus(
  queue: SaveQueue,
  actions: FailureActions,
  readOnly = false,
): void {
  const state: SaveState = queue.overall();
  const el = byId("save-state");
  el.dataset.state = readOnly && state === "saved" ? "read-only" : state;
  const failures = queue.failures();
  const text = byId("save-text");
  if (state === "saved") text.textContent = readOnly ? "Read only" : "✓ All changes saved";
  else if (state === "saving") text.textContent = `Saving… (${queue.pendingCount()})`;
  else text.textContent = `⚠ ${failures.length} change${failures.length === 1 ? "" : "s"} not saved`;
  byId("btn-retry-all").hidden = state !== "failed";
  const list = byId("failures");
  list.hidden = failures.length === 0;
  list.replaceChildren(...failures.map((item) => failureItem(item, actions)));
}

function failureItem(item: QueuedChange, actions: FailureActions): HTMLElement {
  const error = item.error;
  const conflict = error?.isVersionConflict ?? false;
  const quote = item.span.quote.length > 40 ? `${item.span.quote.slice(0, 37)}…` : item.span.quote;
  const message = conflict
    ? "This span was changed elsewhere since you opened it."
    : error?.kind === "network"
      ? "Could not reach the server. Check your connection, then press Retry: your change is kept."
      : (error?.message ?? "The server could not save this change.");
  const buttons: HTMLElement[] = [];
  if (conflict) {
    buttons.push(
      h(
        "button",
        { type: "button", class: "keep-mine", onclick: () => void actions.keepMine(item.span) },
        "Keep my change",
      ),
      h(
        "button",
        { type: "button", class: "take-theirs", onclick: () => void actions.discard(item.span) },
        "Reload theirs",
      ),
    );
  } else {
    buttons.push(
      h("button", { type: "button", class: "retry", onclick: () => actions.retry(item.span) }, "Retry"),
      h(
        "button",
        { type: "button", class: "discard", onclick: () => void actions.discard(item.span) },
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
