/**
 * The dashboard's agreement section: the headline statistics, α over the stored reports and per
 * label (charts), the annotator × annotator matrices, and each annotator's figures against the
 * others and against the gold standard. Undefined statistics show their reason, never a number.
 */

import type { Dashboard, DashboardAgreement, Stat } from "../shared/api-types";
import { h } from "../shared/dom";
import { fmt, statEl, when } from "../shared/reviewer-pages";
import {
  type LabelAlpha,
  labelAlphaChart,
  type TrendPoint,
  trendChart,
  updateLabelAlpha,
  updateTrend,
} from "./charts";
import type { DashboardView } from "./dashboard";
import { heatColor, scaleLegend } from "./heat";

export function renderAgreement(view: DashboardView, body: Dashboard): void {
  const target = view.section("agreement", "Agreement");
  const a = body.agreement;
  const stale = body.agreement_stale
    ? h(
        "span",
        {
          class: "badge warn",
          id: "stale-badge",
          title: "Annotations changed after this report",
        },
        "out of date",
      )
    : null;
  if (!a) {
    target.replaceChildren(
      h(
        "p",
        { class: "muted", id: "no-report" },
        "No agreement report yet. It is computed after annotators submit; press “Recompute agreement” to compute it now.",
      ),
    );
    return;
  }
  const meta = h(
    "p",
    { class: "meta", id: "report-meta" },
    `Report #${a.report_id} · ${a.documents_counted} documents · computed ${when(a.created_at)} `,
    stale,
  );
  target.replaceChildren(
    meta,
    headline(a),
    h("div", { class: "chart-row" }, trendFigure(view, body), labelAlphaFigure(view, a)),
    h(
      "div",
      { class: "matrix-row" },
      matrix(
        view,
        "matrix-f1",
        "Span F1 between annotators",
        "Overlap F1; exact-boundary F1 below",
        a.pairs.map((p) => ({
          pair: p.annotators,
          main: p.span_f1_overlap,
          extra: p.span_f1_exact,
        })),
      ),
      matrix(
        view,
        "matrix-kappa",
        "Cohen's κ between annotators",
        "Character-level, label against label",
        a.cohen_kappa.map((k) => ({ pair: k.annotators, main: k, extra: null })),
      ),
    ),
    perAnnotator(view, a),
  );
}

function headline(a: DashboardAgreement): HTMLElement {
  const b = a.bootstrap;
  const interval =
    b && b.low !== null && b.high !== null && !b.reason
      ? h(
          "span",
          { class: "ci", id: "alpha-ci", "data-low": String(b.low), "data-high": String(b.high) },
          `${Math.round((b.level ?? 0.95) * 100)} % interval [${fmt(b.low)}, ${fmt(b.high)}]`,
        )
      : h(
          "span",
          { class: "ci undefined", id: "alpha-ci", "data-undefined": "1" },
          `interval undefined: ${b?.reason ?? "no bootstrap in this report"}`,
        );
  const status = a.status_agreement;
  const coverage = status.coverage;
  const coverageText = coverage
    ? coverage.value === null
      ? h("span", { class: "undefined" }, `coverage undefined: ${coverage.reason ?? ""}`)
      : `${Math.round((coverage.value ?? 0) * 100)} % of spans matched across annotators` +
        (coverage.spans !== undefined ? ` (${coverage.matched_spans} of ${coverage.spans})` : "")
    : "";
  const stat = (id: string, title: string, value: Stat, ...sub: (Node | string)[]) =>
    h(
      "div",
      { class: "tile big", id },
      h("span", { class: "tile-label" }, title),
      statEl(value, 3, "tile-value"),
      ...sub.map((s) => h("span", { class: "tile-sub" }, s)),
    );
  return h(
    "div",
    { class: "tiles headline" },
    stat("alpha", "Krippendorff's α (project)", a.alpha, interval),
    stat("fleiss", "Fleiss' κ", a.fleiss_kappa),
    stat("status-agreement", "Verification-status α", status, coverageText),
  );
}

function trendFigure(view: DashboardView, body: Dashboard): HTMLElement {
  const points: TrendPoint[] = body.trend.map((t) => ({
    label: `#${t.report_id} · ${new Date(t.created_at).toLocaleDateString(undefined, { month: "short", day: "numeric" })}`,
    alpha: t.alpha,
    documents: t.documents_counted,
  }));
  const { box, canvas } = view.chartBox("chart-trend", "Agreement over stored reports");
  const undefinedCount = points.filter((p) => p.alpha === null).length;
  const figure = h(
    "figure",
    { class: "chart-box" },
    h(
      "figcaption",
      {},
      `α over the last ${points.length} report${points.length === 1 ? "" : "s"}`,
    ),
    box,
    undefinedCount
      ? h(
          "p",
          { class: "note" },
          `${undefinedCount} report(s) with α undefined are gaps in the line.`,
        )
      : null,
  );
  if (view.charts.trend) updateTrend(view.charts.trend, points);
  else view.charts.trend = trendChart(canvas, points);
  return figure;
}

function labelAlphaFigure(view: DashboardView, a: DashboardAgreement): HTMLElement {
  const rows: LabelAlpha[] = a.per_label_alpha.map((r) => ({
    label: view.labelName(r.label),
    color: view.labelColor(r.label),
    value: r.value,
  }));
  const { box, canvas } = view.chartBox("chart-labels", "Krippendorff's α per label");
  const undefinedRows = a.per_label_alpha.filter((r) => r.value === null);
  const figure = h(
    "figure",
    { class: "chart-box" },
    h("figcaption", {}, "α per label"),
    box,
    undefinedRows.length
      ? h(
          "ul",
          { class: "note undefined-list" },
          ...undefinedRows.map((r) =>
            h("li", {}, h("b", {}, view.labelName(r.label)), `: undefined, ${r.reason ?? ""}`),
          ),
        )
      : null,
  );
  if (view.charts.labels) updateLabelAlpha(view.charts.labels, rows);
  else view.charts.labels = labelAlphaChart(canvas, rows);
  return figure;
}

function matrix(
  view: DashboardView,
  id: string,
  title: string,
  hint: string,
  cells: { pair: number[]; main: Stat; extra: Stat | null }[],
): HTMLElement {
  const ids = [...new Set(cells.flatMap((c) => c.pair))].sort((x, y) =>
    view.name(x).localeCompare(view.name(y)),
  );
  const lookup = new Map<string, { main: Stat; extra: Stat | null }>();
  for (const c of cells) {
    lookup.set(`${c.pair[0]}-${c.pair[1]}`, c);
    lookup.set(`${c.pair[1]}-${c.pair[0]}`, c);
  }
  const reasons: HTMLElement[] = [];
  const cell = (a: number, b: number) => {
    if (a === b) return h("td", { class: "heat diag" }, "—");
    const c = lookup.get(`${a}-${b}`);
    if (!c) return h("td", { class: "heat none" }, "");
    const key = `${Math.min(a, b)}-${Math.max(a, b)}`;
    if (c.main.value === null) {
      if (a < b)
        reasons.push(h("li", {}, `${view.name(a)} × ${view.name(b)}: ${c.main.reason ?? ""}`));
      return h(
        "td",
        { class: "heat undefined", "data-pair": key, title: c.main.reason ?? "" },
        "undefined",
      );
    }
    return h(
      "td",
      {
        class: "heat",
        "data-pair": key,
        "data-value": String(c.main.value),
        style: `background:${heatColor(c.main.value)}`,
        title: `${view.name(a)} × ${view.name(b)}`,
      },
      h("span", { class: "heat-main" }, fmt(c.main.value)),
      c.extra
        ? h(
            "small",
            { class: "heat-extra" },
            c.extra.value === null ? "exact undefined" : `exact ${fmt(c.extra.value)}`,
          )
        : null,
    );
  };
  const table =
    ids.length === 0
      ? h("p", { class: "muted" }, "Needs at least two annotators on the same documents.")
      : h(
          "table",
          { class: "heatmap", id },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, ""),
              ...ids.map((x) => h("th", { scope: "col" }, view.name(x))),
            ),
          ),
          h(
            "tbody",
            {},
            ...ids.map((a) =>
              h("tr", {}, h("th", { scope: "row" }, view.name(a)), ...ids.map((b) => cell(a, b))),
            ),
          ),
        );
  return h(
    "figure",
    { class: "chart-box" },
    h("figcaption", {}, title, " ", h("small", { class: "muted" }, hint)),
    table,
    ids.length ? scaleLegend() : null,
    reasons.length ? h("ul", { class: "note undefined-list" }, ...reasons) : null,
  );
}

function perAnnotator(view: DashboardView, a: DashboardAgreement): HTMLElement {
  const loo = new Map(a.leave_one_annotator_out.map((r) => [r.annotator, r]));
  const gold = new Map(a.gold.map((r) => [r.annotator, r]));
  const ids = [...new Set([...loo.keys(), ...gold.keys()])].sort((x, y) =>
    view.name(x).localeCompare(view.name(y)),
  );
  if (ids.length === 0) return h("p", { class: "muted" }, "No per-annotator figures yet.");
  const change = (r: { change: number | null } | undefined) => {
    if (!r || r.change === null) return "";
    const sign = r.change > 0 ? "+" : "";
    return h(
      "small",
      {
        class: r.change > 0 ? "delta up" : "delta down",
        title: "α without this annotator minus α with everyone",
      },
      ` (${sign}${fmt(r.change)})`,
    );
  };
  return h(
    "div",
    { class: "per-annotator" },
    h("h3", {}, "Each annotator"),
    h(
      "table",
      { class: "list", id: "per-annotator" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Annotator"),
          h("th", { title: "Project α computed without this annotator" }, "α without them"),
          h("th", { class: "num" }, "Gold: documents"),
          h("th", {}, "α with gold"),
          h("th", {}, "F1 with gold (overlap)"),
          h("th", {}, "F1 with gold (exact)"),
        ),
      ),
      h(
        "tbody",
        {},
        ...ids.map((id) => {
          const l = loo.get(id);
          const g = gold.get(id);
          return h(
            "tr",
            { "data-annotator": id },
            h("td", {}, view.name(id)),
            h("td", { class: "loo" }, l ? statEl(l) : "–", change(l)),
            h("td", { class: "num" }, g ? g.documents : 0),
            h("td", { class: "gold-alpha" }, g ? statEl(g.character_alpha) : noGold()),
            h("td", {}, g ? statEl(g.span_f1_overlap.f1) : noGold()),
            h("td", {}, g ? statEl(g.span_f1_exact.f1) : noGold()),
          );
        }),
      ),
    ),
    a.gold.length === 0
      ? h(
          "p",
          { class: "note" },
          "Agreement with the gold standard appears once documents are adjudicated.",
        )
      : null,
  );
}

function noGold(): HTMLElement {
  return h("span", { class: "muted" }, "–");
}
