/**
 * The adjudication page's gold spans: one card each, with its boundaries and label (editable),
 * Reject, the verdict panel and a discussion.
 */

import type { GoldPatchBody, GoldSpan } from "../shared/api-types";
import { byId, h, safeColor } from "../shared/dom";
import { projectApi } from "../shared/reviewer-pages";
import { shortQuote, truncateQuote } from "../shared/wording";
import type { AdjudicationView } from "./page";
import { thread } from "./thread";
import { verdictPanel } from "./verdict";

export function renderGold(view: AdjudicationView): void {
  const d = view.detail!;
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
  target.replaceChildren(...sorted.map((g) => goldCard(view, g)));
}

function goldCard(view: AdjudicationView, g: GoldSpan): HTMLElement {
  const spans = view.spanById();
  const sources = g.source_spans
    .map((id) => spans.get(id)?.annotator_username)
    .filter((n): n is string => !!n);
  const status = view.status(g.status);
  const name = `${view.labelName(g.label)}, ${shortQuote(view.quoteOf(g.start, g.end), 40)}`;
  const error = h("p", { class: "error gold-error", role: "alert", hidden: true });
  const editor = goldEditor(view, g, error);
  const editKey = `edit:${g.id}`;
  editor.hidden = !view.open.has(editKey);
  const reject = h(
    "button",
    {
      type: "button",
      class: "danger small reject",
      "aria-label": `Reject gold span: ${name}`,
      onclick: () => {
        if (reject.dataset.confirm !== "1") {
          reject.dataset.confirm = "1";
          reject.textContent = "Confirm reject";
          reject.setAttribute("aria-label", `Confirm reject gold span: ${name}`);
          setTimeout(() => {
            reject.dataset.confirm = "";
            reject.textContent = "Reject";
            reject.setAttribute("aria-label", `Reject gold span: ${name}`);
          }, 4000);
          return;
        }
        void view.act(
          () =>
            view.api.request(projectApi(view.data, `gold-spans/${g.id}/`), { method: "DELETE" }),
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
      style: `border-left-color:${view.labelColor(g.label)}`,
    },
    h(
      "header",
      { class: "gold-head" },
      h("span", { class: "swatch", style: `background:${view.labelColor(g.label)}` }),
      h("b", { class: "gold-label" }, view.labelName(g.label)),
      " ",
      h(
        "q",
        { class: "muted gold-range", title: view.quoteOf(g.start, g.end) },
        truncateQuote(view.quoteOf(g.start, g.end)),
      ),
      h(
        "span",
        {
          class: `verdict-badge${status?.is_final ? " final" : ""}`,
          style: `border-color:${safeColor(status?.color ?? "#888888")}`,
        },
        status?.name ?? g.status_key,
      ),
      h("span", { class: "spacer" }),
      h(
        "button",
        {
          type: "button",
          class: "link",
          "aria-label": `Show gold span in the text: ${name}`,
          onclick: () => view.showInText(g.start, g.end),
        },
        "show",
      ),
      h(
        "button",
        {
          type: "button",
          class: "small edit",
          "aria-label": `Edit gold span: ${name}`,
          onclick: () => {
            editor.hidden = !editor.hidden;
            if (editor.hidden) view.open.delete(editKey);
            else view.open.add(editKey);
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
    verdictPanel(view, g),
    thread(view, `gold:${g.id}`, { gold_span: g.id }, "Discussion"),
  );
}

function goldEditor(view: AdjudicationView, g: GoldSpan, error: HTMLElement): HTMLElement {
  const label = h(
    "select",
    { class: "edit-label", "aria-label": "Label" },
    ...view.data.labels
      .filter((l) => !l.retired || l.id === g.label)
      .map((l) => h("option", { value: l.id, selected: l.id === g.label }, l.name)),
  );
  const max = view.map?.lengthCp ?? 0;
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
        ? view.quoteOf(s, e)
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
          disabled: !view.selection,
          title: "Take the boundaries from the text selection",
          onclick: () => {
            if (!view.selection) return;
            start.value = String(view.selection[0]);
            end.value = String(view.selection[1]);
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
          void view.act(
            () =>
              view.api.request(projectApi(view.data, `gold-spans/${g.id}/`), {
                method: "PATCH",
                body: {
                  label: Number(label.value),
                  start: Number(start.value),
                  end: Number(end.value),
                  version: g.version,
                } satisfies GoldPatchBody,
              }),
            "Gold span updated",
            error,
          ),
      },
      "Save boundaries and label",
    ),
  );
}
