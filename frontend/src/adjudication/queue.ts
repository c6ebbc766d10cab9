/** The adjudication queue (`/projects/<id>/adjudicate/`): the submitted documents, by pages. */

import type { AdjudicationQueueRow, Page } from "../shared/api-types";
import { byId, h } from "../shared/dom";
import {
  apiFor,
  pageData,
  projectApi,
  type ReviewBootstrap,
  rowStatEl,
  showError,
} from "../shared/reviewer-pages";

const QUEUE_PAGE_SIZE = 50;

/** The API query of one page: the page's own search and filters (its GET form, in the address
 * bar) with the empty values left out, as the API wants them. */
function queueQuery(page: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of new URLSearchParams(window.location.search)) {
    if (value !== "" && key !== "page" && key !== "page_size") params.set(key, value);
  }
  params.set("page_size", String(QUEUE_PAGE_SIZE));
  params.set("page", String(page));
  return params.toString();
}

export function startAdjudicationQueue(): void {
  const data = pageData<ReviewBootstrap>();
  const api = apiFor(data);
  const tbody = byId("queue").querySelector("tbody")!;
  const pager = byId("queue-pager");
  const load = async (page: number): Promise<void> => {
    let rows: Page<AdjudicationQueueRow>;
    try {
      rows = await api.request<Page<AdjudicationQueueRow>>(
        projectApi(data, `adjudication/?${queueQuery(page)}`),
      );
    } catch (e) {
      showError(byId("load-error"), `Could not load the queue: ${(e as Error).message}`);
      return;
    }
    if (rows.results.length === 0) {
      tbody.replaceChildren(
        h(
          "tr",
          {},
          h(
            "td",
            { colspan: 5, class: "muted" },
            window.location.search.length > 1
              ? "No submitted document matches the search and filters."
              : "No document has been submitted yet.",
          ),
        ),
      );
    } else {
      tbody.replaceChildren(
        ...rows.results.map((row) => {
          const href = `${data.urls.adjudicate}${row.document}/`;
          return h(
            "tr",
            { "data-document": row.document, "data-state": row.state },
            h("td", {}, h("a", { href }, row.title || `Document ${row.document}`)),
            h(
              "td",
              { class: "num" },
              rowStatEl(row.alpha, row.alpha_reason, "not in a report yet"),
            ),
            h(
              "td",
              { class: "num unitizing-cell" },
              rowStatEl(row.unitizing_alpha, row.unitizing_alpha_reason, "not computed yet"),
            ),
            h("td", {}, h("span", { class: "badge", "data-state": row.state }, row.state)),
            h(
              "td",
              {},
              h(
                "a",
                { href, class: "button-link" },
                row.state === "adjudicated" ? "Review" : "Adjudicate →",
              ),
            ),
          );
        }),
      );
    }
    const pages = Math.max(1, Math.ceil(rows.count / QUEUE_PAGE_SIZE));
    pager.replaceChildren(
      ...(pages > 1
        ? [
            rows.previous
              ? h(
                  "button",
                  { type: "button", class: "link", onclick: () => void load(page - 1) },
                  "← Previous",
                )
              : "",
            ` Page ${page} of ${pages} `,
            rows.next
              ? h(
                  "button",
                  { type: "button", class: "link", onclick: () => void load(page + 1) },
                  "Next →",
                )
              : "",
          ]
        : []),
    );
  };
  void load(1).then(() => {
    document.body.dataset.ready = "1";
  });
}
