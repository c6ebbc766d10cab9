/**
 * How codes are worded for people: evidence stances, a span shown as its quote, and the stance a
 * new evidence row starts with. Keys stay in `data-*` attributes and in exports; pages show these.
 */

import type { Stance } from "./api-types";

/** Every stance, in the order pickers list them, with the one word people read. */
export const STANCE_LABELS: Readonly<Record<Stance, string>> = {
  supports: "Supports",
  refutes: "Refutes",
  context: "Context",
};

export const STANCES = Object.keys(STANCE_LABELS) as Stance[];

export function stanceLabel(stance: string): string {
  return STANCE_LABELS[stance as Stance] ?? stance;
}

/** The part of a status that decides which stance new evidence starts with. */
export interface StatusLike {
  key?: string;
  name?: string;
  is_final?: boolean;
}

const REFUTING =
  /^(false|mostly[-_ ]?false|pants[-_ ]?on[-_ ]?fire|incorrect|wrong|refuted|fake)$/i;

/**
 * The stance a new evidence row starts with: a final "false"-like verdict is refuted by its
 * evidence; a final "true"-like verdict, and any other status, starts with "supports".
 */
export function defaultStance(status: StatusLike | null | undefined): Stance {
  if (!status?.is_final) return "supports";
  const words = [status.key ?? "", status.name ?? ""].map((w) => w.trim());
  if (words.some((w) => REFUTING.test(w))) return "refutes";
  return "supports";
}

/**
 * A quote on one line, cut to `max` characters (code points) with an ellipsis; the caller puts
 * the whole quote in `title`.
 */
export function truncateQuote(quote: string, max = 60): string {
  const text = quote.replace(/\s+/g, " ").trim();
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** `truncateQuote` between quotation marks, for running text (a `<q>` element adds its own). */
export function shortQuote(quote: string, max = 60): string {
  return `“${truncateQuote(quote, max)}”`;
}
