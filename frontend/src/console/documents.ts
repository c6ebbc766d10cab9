/**
 * Documents table (`/projects/<id>/documents/`, console/documents.html). The page works without
 * script: the filters are a GET form, the bulk bar a POST form whose "Apply to" choice names the
 * documents (the ticked ones, the page, or every match). This adds the selection conveniences:
 * a header checkbox that ticks the whole page, the live count of ticked rows, "select all N
 * matching" once the page is ticked, and action buttons that stay off while nothing is chosen.
 */

export function startDocumentsTable(): void {
  const form = document.getElementById("bulk-form") as HTMLFormElement | null;
  if (form) new Selection(form).start();
  document.body.dataset.ready = "1";
}

class Selection {
  private readonly rows: HTMLInputElement[];
  private readonly pageBox: HTMLInputElement | null;
  private readonly scopes: HTMLInputElement[];
  private readonly count: HTMLElement | null;
  private readonly matching: HTMLElement | null;
  private readonly actions: HTMLButtonElement[];
  private readonly hint: HTMLElement | null;

  constructor(private readonly form: HTMLFormElement) {
    this.rows = [...form.querySelectorAll<HTMLInputElement>("input[name='documents'][type='checkbox']")];
    this.pageBox = form.querySelector<HTMLInputElement>("#select-page");
    this.scopes = [...form.querySelectorAll<HTMLInputElement>("input[name='scope']")];
    this.count = form.querySelector<HTMLElement>("#ticked-count");
    this.matching = form.querySelector<HTMLElement>("#select-matching");
    this.actions = [...form.querySelectorAll<HTMLButtonElement>("button[name='action']")];
    this.hint = form.querySelector<HTMLElement>("#bulk-hint");
  }

  start(): void {
    if (this.pageBox && this.rows.length) {
      this.pageBox.hidden = false;
      this.pageBox.addEventListener("change", () => {
        for (const row of this.rows) row.checked = this.pageBox?.checked ?? false;
        this.choose("ticked");
        this.update();
      });
    }
    for (const row of this.rows) {
      row.addEventListener("change", () => {
        if (row.checked) this.choose("ticked");
        this.update();
      });
    }
    for (const scope of this.scopes) scope.addEventListener("change", () => this.update());
    this.matching?.querySelector("button")?.addEventListener("click", () => {
      this.choose("matching");
      this.update();
      this.form.querySelector<HTMLInputElement>("input[name='scope'][value='matching']")?.focus();
    });
    this.update();
  }

  private scope(): string {
    return this.scopes.find((s) => s.checked)?.value ?? "ticked";
  }

  private choose(value: string): void {
    for (const scope of this.scopes) scope.checked = scope.value === value;
  }

  private update(): void {
    const ticked = this.rows.filter((row) => row.checked).length;
    if (this.count) this.count.textContent = String(ticked);
    if (this.pageBox) {
      this.pageBox.checked = ticked > 0 && ticked === this.rows.length;
      this.pageBox.indeterminate = ticked > 0 && ticked < this.rows.length;
    }
    const scope = this.scope();
    if (this.matching) {
      // Gmail's offer: the whole page is ticked, and more documents match than it shows.
      this.matching.hidden = !(scope === "ticked" && ticked > 0 && ticked === this.rows.length);
    }
    const nothing = scope === "ticked" && ticked === 0;
    for (const button of this.actions) button.disabled = nothing;
    if (this.hint) this.hint.hidden = !nothing;
    this.form.dataset.scope = scope;
    this.form.dataset.ticked = String(ticked);
  }
}
