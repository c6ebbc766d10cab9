/**
 * The adjudication page's cluster cards: one per cluster of overlapping spans of one label, with
 * the proposal and one lane per annotator (their version, how it differs, a discussion), each
 * acceptable into the gold standard.
 */

import type {
  AcceptBody,
  Cluster,
  ClusterKind,
  GoldSpan,
  ServerSpan,
} from "../shared/api-types";
import { byId, h, safeColor } from "../shared/dom";
import { projectApi } from "../shared/reviewer-pages";
import { shortQuote, truncateQuote } from "../shared/wording";
import type { AdjudicationView } from "./page";
import { thread } from "./thread";

const KIND_HELP: Record<ClusterKind, string> = {
  unanimous: "every annotator marked exactly this",
  majority: "more than half the annotators agree on the boundaries",
  disputed: "no boundaries held by a majority, or too few annotators marked it",
};

function goldFor(view: AdjudicationView, cluster: Cluster): GoldSpan | undefined {
  const members = new Set(cluster.spans);
  return view.detail!.gold_spans.find(
    (g) =>
      g.source_spans.some((id) => members.has(id)) ||
      (g.label === cluster.label &&
        g.start === cluster.proposal.start &&
        g.end === cluster.proposal.end),
  );
}

/**
 * Whether a cluster is settled: a gold span was accepted from it (or has its proposal), or a gold
 * span overlaps it, whatever its label (the reviewer decided differently).
 */
export function isResolved(view: AdjudicationView, cluster: Cluster): boolean {
  if (goldFor(view, cluster)) return true;
  return view.detail!.gold_spans.some((g) => g.start < cluster.end && cluster.start < g.end);
}

/** How a cluster is named to people and screen readers: its label and a short quote. */
export function clusterName(view: AdjudicationView, cluster: Cluster): string {
  return `${view.labelName(cluster.label)}, ${shortQuote(view.quoteOf(cluster.start, cluster.end), 40)}`;
}

export function renderClusters(view: AdjudicationView): void {
  const d = view.detail!;
  const target = byId("clusters");
  if (d.annotators.length === 0) {
    target.replaceChildren(h("p", { class: "muted" }, "Nobody has submitted this document yet."));
    return;
  }
  if (d.clusters.length === 0) {
    target.replaceChildren(
      h("p", { class: "muted" }, "The annotators who submitted marked nothing."),
    );
    return;
  }
  const spans = view.spanById();
  target.replaceChildren(...d.clusters.map((c, i) => clusterCard(view, c, i, spans)));
}

function clusterCard(
  view: AdjudicationView,
  c: Cluster,
  index: number,
  spans: Map<number, ServerSpan>,
): HTMLElement {
  const d = view.detail!;
  const gold = goldFor(view, c);
  const name = clusterName(view, c);
  const width = Math.max(1, c.end - c.start);
  const bar = (start: number, end: number, cls: string) =>
    h(
      "span",
      { class: "lane-track" },
      h("span", {
        class: cls,
        style:
          `left:${((start - c.start) / width) * 100}%;` +
          `width:${Math.max(((end - start) / width) * 100, 1.5)}%;` +
          `background:${view.labelColor(c.label)}`,
      }),
    );
  const members = c.spans.map((id) => spans.get(id)).filter((s): s is ServerSpan => !!s);
  const lanes: HTMLElement[] = [
    h(
      "div",
      { class: "lane proposal-lane" },
      h("span", { class: "lane-name" }, "proposal"),
      bar(c.proposal.start, c.proposal.end, "lane-bar proposal-bar"),
      h(
        "span",
        { class: "lane-info", title: view.quoteOf(c.proposal.start, c.proposal.end) },
        shortQuote(view.quoteOf(c.proposal.start, c.proposal.end), 40),
      ),
      h(
        "button",
        {
          type: "button",
          class: "primary small accept-proposal",
          title: "Accept the cluster's most common version as a gold span",
          "aria-label": `Accept cluster: ${name}`,
          onclick: () =>
            void view.act(
              () =>
                view.api.request(projectApi(view.data, `adjudication/${view.docId}/accept/`), {
                  method: "POST",
                  body: {
                    spans: c.spans,
                    start: c.proposal.start,
                    end: c.proposal.end,
                  } satisfies AcceptBody,
                }),
              "Cluster accepted into the gold standard",
            ),
        },
        "Accept",
      ),
    ),
  ];
  for (const annotator of d.annotators) {
    const theirs = members.filter((s) => s.annotator === annotator.id);
    if (theirs.length === 0) {
      lanes.push(
        h(
          "div",
          { class: "lane missing", "data-annotator": annotator.username },
          h("span", { class: "lane-name" }, annotator.username),
          h("span", { class: "lane-track empty" }),
          h("span", { class: "lane-info muted" }, "no span here"),
          h("span", {}),
        ),
      );
      continue;
    }
    for (const span of theirs) lanes.push(lane(view, c, span, bar));
  }
  const key = `cluster:${c.label}:${c.start}`;
  return h(
    "article",
    {
      class: "cluster",
      "data-cluster": index,
      "data-kind": c.kind,
      "data-label": view.labelKey(c.label),
      "data-in-gold": gold ? "1" : "0",
      "data-resolved": isResolved(view, c) ? "1" : "0",
      "data-key": key,
    },
    h(
      "header",
      { class: "cluster-head" },
      h("span", { class: `kind kind-${c.kind}`, title: KIND_HELP[c.kind] }, c.kind),
      h("span", { class: "swatch", style: `background:${view.labelColor(c.label)}` }),
      h("b", {}, view.labelName(c.label)),
      h(
        "span",
        { class: "muted" },
        " ",
        h(
          "q",
          { class: "span-quote", title: view.quoteOf(c.start, c.end) },
          truncateQuote(view.quoteOf(c.start, c.end)),
        ),
        ` · ${c.annotators.length}/${d.annotators.length} annotators`,
      ),
      h("span", { class: "spacer" }),
      gold
        ? h(
            "span",
            { class: "in-gold", title: `Gold span: ${view.quoteOf(gold.start, gold.end)}` },
            "✓ in gold",
          )
        : null,
      h(
        "button",
        {
          type: "button",
          class: "link",
          title: "Show in the text",
          "aria-label": `Show cluster in the text: ${name}`,
          onclick: () => view.showInText(c.start, c.end),
        },
        "show",
      ),
    ),
    h("p", { class: "quote small-quote" }, view.quoteOf(c.proposal.start, c.proposal.end)),
    h("div", { class: "lanes" }, ...lanes),
  );
}

function lane(
  view: AdjudicationView,
  c: Cluster,
  span: ServerSpan,
  bar: (start: number, end: number, cls: string) => HTMLElement,
): HTMLElement {
  const status = view.status(span.status);
  const diff: string[] = [];
  if (span.start !== c.proposal.start)
    diff.push(
      `starts ${Math.abs(span.start - c.proposal.start)} ${span.start < c.proposal.start ? "earlier" : "later"}`,
    );
  if (span.end !== c.proposal.end)
    diff.push(
      `ends ${Math.abs(span.end - c.proposal.end)} ${span.end < c.proposal.end ? "earlier" : "later"}`,
    );
  const threadKey = `span:${span.id}`;
  const spanName = `${span.annotator_username}'s ${view.labelName(span.label)}, ${shortQuote(span.quote, 40)}`;
  const count = view.comments.filter((m) => m.span === span.id).length;
  const discussion = thread(view, threadKey, { span: span.id }, "Discussion of this span");
  const info = h(
    "span",
    { class: "lane-info", title: span.quote },
    h(
      "span",
      { class: "lane-label", "data-label": span.label_key },
      view.labelName(span.label),
    ),
    " · ",
    h(
      "span",
      { class: "status-chip", style: `border-color:${safeColor(status?.color ?? "#888888")}` },
      status?.name ?? span.status_key,
    ),
    " · ",
    shortQuote(span.quote, 40),
    diff.length ? h("small", { class: "muted" }, ` (${diff.join(", ")})`) : null,
    span.evidence.length
      ? h("small", { class: "muted" }, ` · ${span.evidence.length} evidence`)
      : null,
    span.note ? h("small", { class: "muted", title: span.note }, " · note") : null,
  );
  const toggle = h(
    "button",
    {
      type: "button",
      class: "link comments-toggle",
      title: "Discuss this span",
      "aria-label": count ? `Discuss (${count}): ${spanName}` : `Discuss: ${spanName}`,
      "aria-expanded": String(view.open.has(threadKey)),
      onclick: () => {
        const open = discussion.hidden;
        discussion.hidden = !open;
        if (open) view.open.add(threadKey);
        else view.open.delete(threadKey);
      },
    },
    count ? `Discuss (${count})` : "Discuss",
  );
  discussion.hidden = !view.open.has(threadKey);
  return h(
    "div",
    { class: "lane-wrap" },
    h(
      "div",
      { class: "lane", "data-annotator": span.annotator_username, "data-span": span.id },
      h("span", { class: "lane-name" }, span.annotator_username),
      bar(span.start, span.end, "lane-bar"),
      info,
      h(
        "span",
        { class: "lane-actions" },
        toggle,
        h(
          "button",
          {
            type: "button",
            class: "small accept-version",
            title: `Accept ${span.annotator_username}'s version (${view.labelName(span.label)}: “${span.quote}”) as a gold span`,
            "aria-label": `Accept this version: ${spanName}`,
            onclick: () =>
              void view.act(
                () =>
                  view.api.request(projectApi(view.data, `adjudication/${view.docId}/accept/`), {
                    method: "POST",
                    body: { spans: [span.id] } satisfies AcceptBody,
                  }),
                `${span.annotator_username}'s version accepted`,
              ),
          },
          "Accept this",
        ),
      ),
    ),
    h("div", { class: "lane-quote" }, span.quote),
    discussion,
  );
}
