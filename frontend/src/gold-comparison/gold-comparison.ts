/**
 * Gold comparison (`/projects/<id>/documents/<doc>/gold/`): the table is server-rendered; each of
 * the annotator's spans has a comment form, posted here through the API, after which the page
 * reloads to show the thread.
 */

import { Api, type ApiError } from "../shared/api";

export function startGoldComparison(): void {
  // Absent until the document is adjudicated: then there is nothing to comment on.
  const table = document.getElementById("gold-comparison");
  if (table) {
    const api = new Api("/", table.dataset.csrfToken ?? "");
    const url = table.dataset.commentsUrl ?? "";
    for (const form of table.querySelectorAll<HTMLFormElement>("form.comment-form")) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        void postComment(api, url, form);
      });
    }
  }
  document.body.dataset.ready = "1";
}

async function postComment(api: Api, url: string, form: HTMLFormElement): Promise<void> {
  const status = form.querySelector<HTMLElement>(".comment-status");
  const body = form.querySelector<HTMLInputElement>("input[name='body']");
  if (!status || !body) return;
  status.textContent = "Saving…";
  try {
    await api.request(url, {
      method: "POST",
      body: {
        document: Number(form.dataset.document),
        span: Number(form.dataset.span),
        body: body.value,
      },
    });
  } catch (e) {
    status.textContent = `Not saved: ${(e as ApiError).message}`;
    return;
  }
  window.location.reload();
}
