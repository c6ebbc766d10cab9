/**
 * The workspace's keyboard shortcuts (the page's help dialog lists them). Keys typed into a form
 * field belong to the field, except Escape, and Ctrl+Z in a <select>.
 */

import type { Label } from "../shared/api-types";
import { byId, isTyping } from "../shared/dom";
import type { LocalSpan } from "./spans";

export interface KeyboardHost {
  readonly labels: Map<number, Label>;
  /** The document text's element: arrow keys move the selection when it (or nothing) has focus. */
  readonly textRoot: HTMLElement;
  activeSpan(): LocalSpan | undefined;
  canEdit(): boolean;
  createSpan(label: Label, eventTime: number): void;
  deleteSpan(span: LocalSpan): void;
  undo(): void;
  submit(): Promise<void>;
  next(): Promise<void>;
  moveSelection(key: "ArrowRight" | "ArrowLeft", extend: boolean, byChar: boolean): void;
  clearSelection(): void;
  activate(cid: string | null): void;
  stepSpan(direction: 1 | -1): void;
  focusPanel(): void;
  toggleGuidelines(): void;
  notice(message: string): void;
}

export function onKeyDown(host: KeyboardHost, event: KeyboardEvent): void {
  if (event.defaultPrevented || event.isComposing) return;
  if (document.querySelector("dialog[open]")) return;
  // A <select> has no text of its own to undo: Ctrl+Z there undoes the last change too.
  const inSelect = event.target instanceof HTMLSelectElement;
  const typing = isTyping(event.target) && !(inSelect && (event.ctrlKey || event.metaKey));
  if (event.key === "Escape") {
    if (typing) {
      (event.target as HTMLElement).blur();
      host.textRoot.focus({ preventScroll: true });
    } else {
      host.clearSelection();
      host.activate(null);
      byId("guidelines").hidden = true;
    }
    return;
  }
  if (typing) return;
  const ctrl = event.ctrlKey || event.metaKey;
  if (ctrl && event.key.toLowerCase() === "z" && !event.shiftKey) {
    event.preventDefault();
    host.undo();
    return;
  }
  if (ctrl && event.key === "Enter") {
    event.preventDefault();
    void host.submit();
    return;
  }
  if (ctrl) return; // leave copy, find, reload... to the browser
  if (!event.altKey) {
    const label = [...host.labels.values()].find(
      (l) => !l.retired && l.shortcut !== "" && l.shortcut === event.key,
    );
    if (label) {
      event.preventDefault();
      host.createSpan(label, event.timeStamp);
      return;
    }
  }
  if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
    const focus = document.activeElement;
    if (focus === document.body || focus === host.textRoot || focus === null) {
      event.preventDefault();
      host.moveSelection(event.key, event.shiftKey, event.altKey);
    }
    return;
  }
  const active = host.activeSpan();
  switch (event.key) {
    case "Delete":
    case "Backspace":
      if (active) {
        event.preventDefault();
        if (active.own && host.canEdit()) host.deleteSpan(active);
        else host.notice("You can delete only your own spans while the document is open.");
      }
      return;
    case "j":
      host.stepSpan(1);
      return;
    case "k":
      host.stepSpan(-1);
      return;
    case "e":
      if (active?.own && host.canEdit()) {
        event.preventDefault();
        host.focusPanel();
      }
      return;
    case "n":
      void host.next();
      return;
    case "g":
      host.toggleGuidelines();
      return;
    case "?":
      byId<HTMLDialogElement>("help").showModal();
      return;
    default:
  }
}
