/** The dashboard's annotators section: progress per annotator and their label distributions. */

import type { Dashboard } from "../shared/api-types";
import { h } from "../shared/dom";
import { seconds } from "../shared/reviewer-pages";
import { type Distribution, distributionChart, updateDistribution } from "./charts";
import type { DashboardView } from "./dashboard";

export function renderAnnotators(view: DashboardView, body: Dashboard): void {
  const target = view.section("annotators", "Annotators");
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
          h("td", {}, r.username ?? view.name(r.annotator)),
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
  const dist = distribution(view, body);
  const { box, canvas } = view.chartBox(
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
  if (view.charts.distribution) updateDistribution(view.charts.distribution, dist);
  else view.charts.distribution = distributionChart(canvas, dist);
}

function distribution(view: DashboardView, body: Dashboard): Distribution {
  const labelIds = view.data.labels.map((l) => String(l.id));
  for (const row of body.annotators) {
    for (const id of Object.keys(row.labels)) if (!labelIds.includes(id)) labelIds.push(id);
  }
  return {
    labels: labelIds.map((id) => view.labelName(id)),
    series: body.annotators.map((row) => {
      const counts = labelIds.map((id) => row.labels[id] ?? 0);
      const total = counts.reduce((a, b) => a + b, 0);
      return {
        name: row.username ?? view.name(row.annotator),
        counts,
        shares: counts.map((n) => (total ? n / total : 0)),
      };
    }),
  };
}
