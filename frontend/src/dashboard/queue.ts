/** The dashboard's disagreement queue: the documents with the lowest agreement first. */

import type { AdjudicationQueueRow, Dashboard } from "../shared/api-types";
import { h } from "../shared/dom";
import { rowStatEl, statEl } from "../shared/reviewer-pages";
import type { DashboardView } from "./dashboard";
import { heatColor } from "./heat";

export function renderQueue(
  view: DashboardView,
  body: Dashboard,
  titles: Map<number, AdjudicationQueueRow>,
): void {
  const target = view.section(
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
      h("a", { href: view.data.urls.adjudicate }, "Open the adjudication queue →"),
    );
    return;
  }
  const base = view.data.urls.adjudicate;
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
          h("th", { title: "Krippendorff's α over characters" }, "Character α"),
          h(
            "th",
            { title: "Krippendorff's unitizing α: how closely the annotators' spans line up" },
            "Unitizing α",
          ),
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
              { class: "unitizing-cell" },
              rowStatEl(row.unitizing_alpha, row.unitizing_reason, "not computed yet"),
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
