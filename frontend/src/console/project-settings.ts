/**
 * Console page "console-project-settings" (annotations/views/console/projects.py): a new project
 * and a project's settings. The form works without script (the server renders the preview of the
 * guidelines as they were sent); here the preview follows the manager's typing. The text goes,
 * a moment after the last keystroke, to `POST /api/v1/markdown/`, which renders and sanitises it
 * with the function the pages use (annotations/markdown.py); only the latest answer is shown, and
 * only inside the preview element.
 */

import { Api, ApiError } from "../shared/api";
import type { MarkdownHtml, MarkdownInput } from "../shared/api-types";
import { h } from "../shared/dom";

interface SettingsData {
  apiRoot: string;
  csrfToken: string;
}

/** Milliseconds of quiet typing before the preview is asked for. */
export const PREVIEW_DELAY_MS = 300;

export function startProjectSettings(): void {
  const textarea = document.getElementById("id_guidelines");
  const preview = document.getElementById("guidelines-preview");
  const state = document.getElementById("preview-state");
  const dataEl = document.getElementById("project-settings-data");
  // The archive confirmation shares this page's script and has no form to enhance.
  if (textarea instanceof HTMLTextAreaElement && preview && state && dataEl?.textContent) {
    const data = JSON.parse(dataEl.textContent) as SettingsData;
    const live = new LivePreview(new Api(data.apiRoot, data.csrfToken), textarea, preview, state);
    live.start();
    (window as unknown as { workbench?: unknown }).workbench = live;
  }
  document.body.dataset.ready = "1";
}

export class LivePreview {
  private readonly api: Api;
  private readonly source: HTMLTextAreaElement;
  private readonly preview: HTMLElement;
  private readonly state: HTMLElement;
  private timer: number | undefined;
  /** Numbers the requests, so that a slow answer never replaces a newer one. */
  private latest = 0;

  constructor(api: Api, source: HTMLTextAreaElement, preview: HTMLElement, state: HTMLElement) {
    this.api = api;
    this.source = source;
    this.preview = preview;
    this.state = state;
  }

  start(): void {
    this.source.addEventListener("input", () => this.schedule());
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    this.preview.setAttribute("aria-busy", "true");
    this.timer = window.setTimeout(() => void this.refresh(), PREVIEW_DELAY_MS);
  }

  /** Ask for the preview of the text as it is now and show it, if no newer one was asked. */
  async refresh(): Promise<void> {
    const ticket = ++this.latest;
    const body: MarkdownInput = { text: this.source.value };
    try {
      const answer = await this.api.request<MarkdownHtml>("markdown/", { method: "POST", body });
      if (ticket !== this.latest) return;
      this.show(answer.html);
      this.state.textContent = "";
    } catch (error) {
      if (ticket !== this.latest) return;
      const reason = error instanceof ApiError ? error.message : String(error);
      this.state.textContent = `(not updated: ${reason})`;
    } finally {
      if (ticket === this.latest) this.preview.removeAttribute("aria-busy");
    }
  }

  private show(html: string): void {
    if (!html) {
      this.preview.replaceChildren(
        h("p", { class: "muted" }, "Nothing to show yet: write the guidelines on the left."),
      );
      return;
    }
    // The server sanitised the HTML (nh3 with an allow-list); it is parsed inert in a template
    // first, and anything active that should never be there is dropped once more before it
    // enters the page (the Content-Security-Policy would refuse to run it as well).
    const template = document.createElement("template");
    template.innerHTML = html;
    dropActiveContent(template.content);
    this.preview.replaceChildren(template.content);
  }
}

const ACTIVE_TAGS = "script, style, iframe, frame, object, embed, link, meta, base, form, svg, math";

/** Remove elements that run or load something, event handler attributes and non-web links. */
export function dropActiveContent(root: DocumentFragment): void {
  for (const el of root.querySelectorAll(ACTIVE_TAGS)) el.remove();
  for (const el of root.querySelectorAll("*")) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      const url = name === "href" || name === "src" || name === "action" || name === "formaction";
      if (name.startsWith("on") || name === "style" || (url && !isSafeUrl(attr.value))) {
        el.removeAttribute(attr.name);
      }
    }
  }
}

/** http, https, mailto and relative links (the schemes the server allows). */
function isSafeUrl(value: string): boolean {
  const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(value);
  return scheme === null || ["http", "https", "mailto"].includes(scheme[1].toLowerCase());
}
