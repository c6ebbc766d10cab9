/**
 * The workspace's left column: one button per label (with its shortcut and the number of spans),
 * the selection hint, and the annotators whose spans can be shown or hidden. Labels come in the
 * order the server lists them, hotkey order (`annotations/selectors/projects.py`,
 * `label_hotkey_order`); a label's one-line description is the button's tooltip.
 */

import type { Label } from "../shared/api-types";
import { byId, h } from "../shared/dom";
import type { OffsetMap } from "../shared/offsets";
import type { LocalSpan } from "./spans";

export interface SidebarHost {
  readonly mode: "annotate" | "review";
  readonly labels: Map<number, Label>;
  readonly map: OffsetMap;
  /** Every span of the page, deleted ones included. */
  spans(): Iterable<LocalSpan>;
  isHidden(annotator: number): boolean;
  /** The annotator's colour in the review view (bands and legend swatch), if any. */
  annotatorColor(annotator: number): string | undefined;
  canEdit(): boolean;
  /** The selection waiting for a label, in code points. */
  selection(): { start: number; end: number } | null;
  createSpan(label: Label): void;
  toggleAnnotator(id: number, visible: boolean): void;
}

/** A label button's tooltip: its description (what the manager wrote), else what it does. */
export function labelTitle(label: Label): string {
  const about = label.description || `Tag the selection as ${label.name}`;
  return label.retired ? `Retired label. ${label.description}`.trim() : about;
}

export class Sidebar {
  private readonly host: SidebarHost;
  private countEls = new Map<number, HTMLElement>();
  private annotatorEls = new Map<number, HTMLElement>();

  constructor(host: SidebarHost) {
    this.host = host;
  }

  render(): void {
    const host = this.host;
    const sidebar = byId("sidebar");
    const editable = host.canEdit();
    const labelButtons = [...host.labels.values()]
      .filter((label) => !label.retired || [...host.spans()].some((s) => s.label === label.id))
      .map((label) => {
        const count = h("span", { class: "count", "data-label-count": label.key }, "0");
        this.countEls.set(label.id, count);
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "label-btn",
              "data-label": label.key,
              disabled: !editable || label.retired,
              title: labelTitle(label),
              onclick: () => host.createSpan(label),
            },
            h("span", { class: "swatch", style: `background:${label.color}` }),
            h("span", { class: "name" }, label.name),
            label.shortcut ? h("kbd", {}, label.shortcut) : null,
            count,
          ),
        );
      });
    const sections: Node[] = [
      h("h2", {}, host.mode === "review" ? "Labels (visible spans)" : "Labels (your spans)"),
      h("ul", { class: "labels" }, ...labelButtons),
      h("p", { class: "selection-hint", id: "selection-hint", "aria-live": "polite" }),
    ];
    const annotators = new Map<number, string>();
    for (const span of host.spans()) {
      if (host.mode === "review" || !span.own) annotators.set(span.annotator, span.annotatorName);
    }
    if (annotators.size > 0) {
      const items = [...annotators.entries()]
        .sort((a, b) => a[1].localeCompare(b[1]))
        .map(([id, name]) => {
          const count = h("span", { class: "count" }, "0");
          this.annotatorEls.set(id, count);
          const box = h("input", {
            type: "checkbox",
            checked: !host.isHidden(id),
            "data-annotator": name,
            onchange: () => host.toggleAnnotator(id, box.checked),
          });
          const color = host.annotatorColor(id);
          const swatch = color
            ? h("span", {
                class: "swatch annotator-swatch",
                style: `background:${color}`,
                "aria-hidden": "true",
                "data-color": color,
              })
            : null;
          return h(
            "li",
            {},
            h("label", { class: "annotator" }, box, swatch, ` ${name} `, count),
          );
        });
      sections.push(
        h("h2", {}, host.mode === "review" ? "Annotators" : "Other annotators (read only)"),
        ...(host.mode === "review"
          ? [
              h(
                "p",
                { class: "legend-hint muted", id: "annotator-legend-hint" },
                "Under each span: its label's band, then its annotator's colour.",
              ),
            ]
          : []),
        h("ul", { class: "annotators", id: "annotator-toggles" }, ...items),
      );
    }
    sidebar.replaceChildren(...sections);
    this.renderCounts();
    this.renderSelectionHint();
  }

  /** The spans the label counts add up: your own while annotating, the visible ones in review. */
  private countedSpans(): LocalSpan[] {
    const out: LocalSpan[] = [];
    for (const span of this.host.spans()) {
      if (span.deleted) continue;
      if (this.host.mode === "annotate" ? span.own : !this.host.isHidden(span.annotator)) {
        out.push(span);
      }
    }
    return out;
  }

  renderCounts(): void {
    const counts = new Map<number, number>();
    for (const span of this.countedSpans()) counts.set(span.label, (counts.get(span.label) ?? 0) + 1);
    for (const [id, el] of this.countEls) el.textContent = String(counts.get(id) ?? 0);
    const perAnnotator = new Map<number, number>();
    for (const span of this.host.spans()) {
      if (!span.deleted) perAnnotator.set(span.annotator, (perAnnotator.get(span.annotator) ?? 0) + 1);
    }
    for (const [id, el] of this.annotatorEls) el.textContent = `(${perAnnotator.get(id) ?? 0})`;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    byId("span-total").textContent = `${total} span${total === 1 ? "" : "s"}`;
  }

  /** The hint under the labels: the selection, how to make one, or a notice. */
  renderSelectionHint(message?: string): void {
    const hint = byId("selection-hint");
    if (message) {
      hint.textContent = message;
      hint.dataset.kind = "notice";
      return;
    }
    delete hint.dataset.kind;
    const selection = this.host.selection();
    if (!selection) {
      hint.textContent = this.host.canEdit()
        ? "Select text (mouse, or Shift+→ from the text), then press a label key."
        : "";
      return;
    }
    const quote = this.host.map.sliceCodePoints(selection.start, selection.end);
    const shown = quote.length > 80 ? `${quote.slice(0, 77)}…` : quote;
    hint.textContent = `Selected “${shown}”`;
  }
}
