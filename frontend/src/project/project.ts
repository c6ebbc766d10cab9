/** Project page: "n" opens the next assigned document (the page's form does the work). */

import { isTyping } from "../shared/dom";

export function enhanceProjectPage(): void {
  const form = document.getElementById("next-form") as HTMLFormElement | null;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (event.key === "n" && form) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "g") {
      document.getElementById("guidelines")?.toggleAttribute("open");
    }
  });
  document.body.dataset.ready = "1";
}
