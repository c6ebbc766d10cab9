/**
 * Members page (`/projects/<id>/members/`, console/members.html). The page works without script;
 * this adds the "Copy link" button beside a set-password link that was just made, and selects the
 * link when its field gets focus so that it can be copied by hand too.
 */

export function startMembers(): void {
  const field = document.getElementById("new-link-url") as HTMLInputElement | null;
  if (field) enhanceLink(field);
  document.body.dataset.ready = "1";
}

function enhanceLink(field: HTMLInputElement): void {
  field.addEventListener("focus", () => field.select());
  const button = document.getElementById("copy-link") as HTMLButtonElement | null;
  const status = document.getElementById("copy-status");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    void copy(field).then((copied) => {
      if (status) {
        status.textContent = copied
          ? "Copied. Hand it over by a private channel: whoever opens it first sets the password."
          : "Copying is not allowed here: the link is selected, press Ctrl+C (⌘C) to copy it.";
      }
      if (copied) button.textContent = "Copied";
    });
  });
}

/** The clipboard API where the browser allows it (a secure context), else the selection. */
async function copy(field: HTMLInputElement): Promise<boolean> {
  field.focus();
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(field.value);
      return true;
    } catch {
      // Refused (no permission): fall back to the selection below.
    }
  }
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}
