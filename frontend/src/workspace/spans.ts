/**
 * The spans of the open document as the workspace holds them: the server's fields plus a client id
 * and UTF-16 offsets for the DOM, and the conversions to and from the API's JSON.
 */

import type { EvidenceItem, ServerSpan } from "../shared/api-types";
import type { OffsetMap } from "../shared/offsets";

export interface LocalSpan {
  /** Client id, stable for the life of the page (the server id changes when undo recreates). */
  cid: string;
  id: number | null;
  annotator: number;
  annotatorName: string;
  own: boolean;
  label: number;
  status: number;
  note: string;
  evidence: EvidenceItem[];
  /** Code points, as stored by the server. */
  start: number;
  end: number;
  /** UTF-16 units, as the DOM counts; derived from start/end by OffsetMap only. */
  start16: number;
  end16: number;
  quote: string;
  version: number;
  deleted: boolean;
}

export interface Editable {
  label: number;
  status: number;
  note: string;
  evidence: EvidenceItem[];
}

let cidCounter = 0;
export function newCid(): string {
  cidCounter += 1;
  return `c${cidCounter}`;
}

export function cleanEvidence(items: readonly EvidenceItem[]): EvidenceItem[] {
  return items
    .map((i) => ({ url: i.url.trim(), note: i.note, stance: i.stance }))
    .filter((i) => i.url !== "" || i.note.trim() !== "");
}

export function spanFromServer(server: ServerSpan, map: OffsetMap, userId: number): LocalSpan {
  const [start16, end16] = map.rangeToUtf16(server.start, server.end);
  return {
    cid: newCid(),
    id: server.id,
    annotator: server.annotator,
    annotatorName: server.annotator_username,
    own: server.annotator === userId,
    label: server.label,
    status: server.status,
    note: server.note,
    evidence: server.evidence.map((e) => ({ url: e.url, note: e.note, stance: e.stance })),
    start: server.start,
    end: server.end,
    start16,
    end16,
    quote: server.quote,
    version: server.version,
    deleted: false,
  };
}

/** Copy the server's view of a span onto the local one (offsets never change in this page). */
export function applyServer(span: LocalSpan, server: ServerSpan): void {
  span.id = server.id;
  span.version = server.version;
  span.label = server.label;
  span.status = server.status;
  span.note = server.note;
  span.evidence = server.evidence.map((e) => ({ url: e.url, note: e.note, stance: e.stance }));
  span.quote = server.quote;
}
