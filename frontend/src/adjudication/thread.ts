/** Discussion threads: on the document, on an annotator's span, or on a gold span. */

import type { CommentBody } from "../shared/api-types";
import { h } from "../shared/dom";
import { projectApi, showError, when } from "../shared/reviewer-pages";
import type { AdjudicationView } from "./page";

export function thread(
  view: AdjudicationView,
  key: string,
  target: { span?: number; gold_span?: number },
  title: string,
): HTMLElement {
  const comments = view.comments.filter((c) =>
    target.span !== undefined
      ? c.span === target.span
      : target.gold_span !== undefined
        ? c.gold_span === target.gold_span
        : c.span === null && c.gold_span === null,
  );
  const list = h(
    "ol",
    { class: "comments" },
    ...comments.map((c) =>
      h(
        "li",
        { "data-comment": c.id },
        h(
          "div",
          { class: "comment-meta" },
          h("b", {}, c.author),
          h("span", { class: "muted" }, ` · ${when(c.created_at)}`),
        ),
        h("div", { class: "comment-body" }, c.body),
      ),
    ),
  );
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const body = h("textarea", {
    rows: 2,
    class: "comment-input",
    placeholder: "Add a comment…",
    "aria-label": "Comment",
  });
  const post = h(
    "button",
    {
      type: "button",
      class: "small post-comment",
      onclick: async () => {
        const text = body.value.trim();
        if (!text) {
          showError(error, "Write something first.");
          return;
        }
        post.disabled = true;
        try {
          await view.api.request(projectApi(view.data, "comments/"), {
            method: "POST",
            body: { document: view.docId, body: text, ...target } satisfies CommentBody,
          });
          view.open.add(key);
          await view.reloadComments();
          view.render();
        } catch (e) {
          showError(error, (e as Error).message);
          post.disabled = false;
        }
      },
    },
    "Comment",
  );
  const content = [
    comments.length ? list : h("p", { class: "muted" }, "No comments yet."),
    h("div", { class: "comment-form" }, body, post),
    error,
  ];
  if (target.span !== undefined) {
    return h("div", { class: "thread", "data-thread": key }, ...content);
  }
  const details = h(
    "details",
    { class: "thread", "data-thread": key, open: view.open.has(key) || key === "document" },
    h("summary", {}, `${title} (${comments.length})`),
    ...content,
  );
  details.addEventListener("toggle", () => {
    if (details.open) view.open.add(key);
    else view.open.delete(key);
  });
  return details;
}
