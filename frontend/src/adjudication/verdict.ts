/**
 * A gold span's verdict: its status, the rationale, the evidence (links or documents of the
 * project) and the history of verdicts.
 */

import type { GoldEvidence, GoldSpan, Stance, VerdictBody } from "../shared/api-types";
import { h, isWebUrl } from "../shared/dom";
import { projectApi, when } from "../shared/reviewer-pages";
import { defaultStance, STANCES, stanceLabel } from "../shared/wording";
import type { AdjudicationView } from "./page";

export function verdictPanel(view: AdjudicationView, g: GoldSpan): HTMLElement {
  const error = h("p", { class: "error verdict-error", role: "alert", hidden: true });
  const status = h(
    "select",
    { class: "verdict-status", "aria-label": "Verdict" },
    ...view.data.statuses
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
  for (const item of g.evidence) rows.append(evidenceRow(view, item));
  const add = (kind: "url" | "document") =>
    rows.append(
      evidenceRow(
        view,
        {
          url: "",
          document_ref: kind === "document" ? (view.data.evidenceDocuments[0]?.id ?? null) : null,
          note: "",
          stance: defaultStance(view.status(Number(status.value))),
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
        const evidence = readEvidence(rows);
        void view.act(
          () =>
            view.api.request(projectApi(view.data, `gold-spans/${g.id}/verdict/`), {
              method: "POST",
              body: {
                status: Number(status.value),
                rationale: rationale.value,
                evidence,
              } satisfies VerdictBody,
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
                      ? `${statusName(view, c.from_status)} → ${statusName(view, c.to_status)}`
                      : `created as ${statusName(view, c.to_status)}`,
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

function evidenceRow(
  view: AdjudicationView,
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
  } else if (view.data.evidenceDocumentsComplete) {
    target = h(
      "select",
      { class: "ev-document", "aria-label": "Evidence document" },
      ...view.data.evidenceDocuments.map((doc) =>
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
    ...STANCES.map((s) => h("option", { value: s, selected: s === item.stance }, stanceLabel(s))),
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


function readEvidence(rows: HTMLElement): GoldEvidence[] {
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

/** A status key (as the verdict history gives it) as its name; a deleted status keeps its key. */
function statusName(view: AdjudicationView, key: string): string {
  return view.data.statuses.find((s) => s.key === key)?.name ?? key;
}
