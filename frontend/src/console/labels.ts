/**
 * Console page "console-labels" (annotations/views/console/labels.py). The page works without
 * script: every change is a form posted to the server. Here: the colour swatches of the tables
 * (through the CSSOM, which the Content-Security-Policy allows where a style attribute is not),
 * and a confirmation before a label or status is deleted.
 */

import { safeColor } from "../shared/dom";

export function startLabels(): void {
  for (const swatch of document.querySelectorAll<HTMLElement>(".swatch[data-color]")) {
    swatch.style.background = safeColor(swatch.dataset.color ?? "");
  }
  for (const form of document.querySelectorAll<HTMLFormElement>("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm ?? "Are you sure?")) event.preventDefault();
    });
  }
  document.body.dataset.ready = "1";
}
