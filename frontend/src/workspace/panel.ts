/** The side panel: edit one span (own spans) or read it (others' spans, review mode). */

import type { EvidenceItem, Label, Stance, Status } from "../shared/api-types";
import { h, isWebUrl, safeColor } from "../shared/dom";
import { defaultStance, STANCE_LABELS, stanceLabel } from "../shared/wording";
import type { SaveState } from "../shared/textview";
import { cleanEvidence, type Editable, type LocalSpan } from "./spans";

const STANCES = Object.entries(STANCE_LABELS) as [Stance, string][];

export interface PanelHost {
  labels: Map<number, Label>;
  statuses: Map<number, Status>;
  edit(span: LocalSpan, changes: Partial<Editable>, what: string): void;
  remove(span: LocalSpan): void;
  activate(cid: string): void;
  stateOf(span: LocalSpan): SaveState;
  spanByCid(cid: string): LocalSpan | undefined;
}

const STATE_TEXT: Record<SaveState, string> = {
  saved: "Saved",
  saving: "Saving…",
  failed: "Not saved",
};

export class SpanPanel {
  private readonly root: HTMLElement;
  private readonly host: PanelHost;
  private span: LocalSpan | null = null;
  private draft: EvidenceItem[] = [];
  private noteTimer: number | undefined;
  private stateEl: HTMLElement | null = null;

  constructor(root: HTMLElement, host: PanelHost) {
    this.root = root;
    this.host = host;
  }

  get current(): LocalSpan | null {
    return this.span;
  }

  /** Show a span (or the empty state); `others` are the other spans under the same click. */
  show(span: LocalSpan | null, editable: boolean, others: string[] = []): void {
    this.flushNote();
    this.span = span;
    this.draft = span ? span.evidence.map((e) => ({ ...e })) : [];
    if (!span) {
      this.root.replaceChildren(
        h(
          "div",
          { class: "panel-empty" },
          h("h2", {}, "No span selected"),
          h(
            "p",
            {},
            editable
              ? "Select text, then press a label's key or click the label. Click a highlight to edit it."
              : "Click a highlight to read it.",
          ),
        ),
      );
      this.stateEl = null;
      return;
    }
    const label = this.host.labels.get(span.label);
    this.stateEl = h("span", { class: "span-state", "data-state": this.host.stateOf(span) });
    this.updateState();
    const header = h(
      "div",
      { class: "panel-head" },
      h(
        "span",
        { class: "swatch", style: `background:${safeColor(label?.color ?? "")}` },
        "",
      ),
      h("h2", { title: label?.description || null }, label?.name ?? "Span"),
      this.stateEl,
    );
    const quote = h("blockquote", { class: "quote", id: "panel-quote" }, span.quote);
    const meta = h(
      "p",
      { class: "meta" },
      span.own ? "Your span" : `By ${span.annotatorName}`,
    );
    const others_ =
      others.length > 1
        ? h(
            "div",
            { class: "also-here" },
            "Spans here: ",
            ...others.map((cid) => {
              const other = this.host.spanByCid(cid);
              if (!other) return null;
              const otherLabel = this.host.labels.get(other.label);
              return h(
                "button",
                {
                  type: "button",
                  class: cid === span.cid ? "chip current" : "chip",
                  onclick: () => this.host.activate(cid),
                },
                `${otherLabel?.name ?? "?"}${other.own ? "" : ` (${other.annotatorName})`}`,
              );
            }),
          )
        : null;
    const body = editable ? this.editor(span) : this.reader(span);
    this.root.replaceChildren(header, quote, meta, others_ ?? "", body);
  }

  updateState(): void {
    if (!this.span || !this.stateEl) return;
    const state = this.host.stateOf(this.span);
    this.stateEl.dataset.state = state;
    this.stateEl.textContent = STATE_TEXT[state];
  }

  /** Save a note being typed before the panel changes or the page leaves. */
  flushNote(): void {
    if (this.noteTimer !== undefined) {
      window.clearTimeout(this.noteTimer);
      this.noteTimer = undefined;
      const textarea = this.root.querySelector<HTMLTextAreaElement>("#panel-note");
      if (textarea && this.span) this.commitNote(this.span, textarea.value);
    }
  }

  focusStatus(): void {
    this.root.querySelector<HTMLSelectElement>("#panel-status")?.focus();
  }

  private reader(span: LocalSpan): HTMLElement {
    const status = this.host.statuses.get(span.status);
    return h(
      "div",
      { class: "reader" },
      h(
        "p",
        {},
        h("strong", {}, "Status: "),
        h("span", { title: status?.description || null }, status?.name ?? "?"),
      ),
      span.note ? h("p", { class: "note" }, h("strong", {}, "Note: "), span.note) : null,
      h("h3", {}, `Evidence (${span.evidence.length})`),
      h(
        "ul",
        { class: "evidence-read" },
        ...span.evidence.map((item) =>
          h(
            "li",
            {},
            h("span", { class: `stance ${item.stance}` }, stanceLabel(item.stance)),
            " ",
            item.url
              ? isWebUrl(item.url)
                ? h(
                    "a",
                    { href: item.url, target: "_blank", rel: "noopener noreferrer nofollow" },
                    item.url,
                  )
                : item.url
              : null,
            item.note ? h("span", { class: "ev-note" }, ` ${item.note}`) : null,
          ),
        ),
      ),
    );
  }

  private editor(span: LocalSpan): HTMLElement {
    const labelSelect = h("select", {
      id: "panel-label",
      onchange: () => {
        const value = Number(labelSelect.value);
        if (value !== span.label) this.host.edit(span, { label: value }, "Label change");
      },
    });
    for (const label of this.host.labels.values()) {
      if (label.retired && label.id !== span.label) continue;
      labelSelect.append(
        h(
          "option",
          { value: label.id, selected: label.id === span.label, title: label.description || null },
          `${label.name}${label.shortcut ? ` (${label.shortcut})` : ""}`,
        ),
      );
    }
    const statusSelect = h("select", {
      id: "panel-status",
      onchange: () => {
        const value = Number(statusSelect.value);
        if (value !== span.status) this.host.edit(span, { status: value }, "Status change");
      },
    });
    for (const status of this.host.statuses.values()) {
      if (status.retired && status.id !== span.status) continue;
      statusSelect.append(
        h(
          "option",
          { value: status.id, selected: status.id === span.status, title: status.description || null },
          status.name,
        ),
      );
    }
    const note = h("textarea", {
      id: "panel-note",
      rows: 3,
      placeholder: "Why this span, what to check…",
      oninput: () => {
        window.clearTimeout(this.noteTimer);
        this.noteTimer = window.setTimeout(() => {
          this.noteTimer = undefined;
          this.commitNote(span, note.value);
        }, 600);
      },
      onchange: () => this.flushNote(),
    });
    note.value = span.note;
    const evidenceList = h("div", { class: "evidence-edit", id: "panel-evidence" });
    const renderEvidence = () => {
      evidenceList.replaceChildren(
        ...this.draft.map((item, index) => this.evidenceRow(span, item, index, renderEvidence)),
      );
    };
    renderEvidence();
    return h(
      "div",
      { class: "editor" },
      h("label", { for: "panel-label" }, "Label"),
      labelSelect,
      h("label", { for: "panel-status" }, "Verification status"),
      statusSelect,
      h("label", { for: "panel-note" }, "Note"),
      note,
      h("h3", {}, "Evidence"),
      evidenceList,
      h(
        "button",
        {
          type: "button",
          id: "panel-add-evidence",
          class: "secondary",
          onclick: () => {
            this.draft.push({
              url: "",
              note: "",
              stance: defaultStance(this.host.statuses.get(Number(statusSelect.value))),
            });
            renderEvidence();
            evidenceList.querySelector<HTMLInputElement>(".evidence-row:last-child .ev-url")?.focus();
          },
        },
        "+ Add evidence",
      ),
      h(
        "div",
        { class: "danger-zone" },
        h(
          "button",
          {
            type: "button",
            id: "panel-delete",
            class: "danger",
            onclick: () => this.host.remove(span),
          },
          "Delete span (Del)",
        ),
      ),
    );
  }

  private evidenceRow(
    span: LocalSpan,
    item: EvidenceItem,
    index: number,
    rerender: () => void,
  ): HTMLElement {
    const stance = h("select", {
      class: "ev-stance",
      "aria-label": "Stance",
      onchange: () => {
        item.stance = stance.value as Stance;
        this.commitEvidence(span);
      },
    });
    for (const [value, name] of STANCES) {
      stance.append(h("option", { value, selected: value === item.stance }, name));
    }
    const url = h("input", {
      type: "url",
      class: "ev-url",
      placeholder: "https://…",
      "aria-label": "Evidence URL",
      value: item.url,
      onchange: () => {
        item.url = url.value;
        this.commitEvidence(span);
      },
    });
    const note = h("input", {
      type: "text",
      class: "ev-note-input",
      placeholder: "What it shows",
      "aria-label": "Evidence note",
      value: item.note,
      onchange: () => {
        item.note = note.value;
        this.commitEvidence(span);
      },
    });
    const incomplete = item.url.trim() === "" && item.note.trim() === "";
    return h(
      "div",
      { class: incomplete ? "evidence-row incomplete" : "evidence-row", "data-index": index },
      stance,
      url,
      note,
      h(
        "button",
        {
          type: "button",
          class: "ev-remove",
          title: "Remove this evidence",
          "aria-label": "Remove evidence",
          onclick: () => {
            this.draft.splice(index, 1);
            rerender();
            this.commitEvidence(span);
          },
        },
        "×",
      ),
    );
  }

  private commitNote(span: LocalSpan, value: string): void {
    if (value !== span.note) this.host.edit(span, { note: value }, "Note");
  }

  private commitEvidence(span: LocalSpan): void {
    const items = cleanEvidence(this.draft);
    if (JSON.stringify(items) !== JSON.stringify(cleanEvidence(span.evidence))) {
      this.host.edit(span, { evidence: items }, "Evidence");
    }
    for (const row of this.root.querySelectorAll<HTMLElement>(".evidence-row")) {
      const item = this.draft[Number(row.dataset.index)];
      row.classList.toggle("incomplete", !!item && !item.url.trim() && !item.note.trim());
    }
  }
}
