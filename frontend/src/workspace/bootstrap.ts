/**
 * The workspace page's data, embedded by the server as JSON in `#workspace-data`
 * (`annotations/views/pages.py`). Not an API response, so not in the OpenAPI schema; its labels,
 * statuses, assignment and spans are the API's own serializations.
 */

import type { Assignment, Label, ServerSpan, Status } from "../shared/api-types";

export interface Bootstrap {
  mode: "annotate" | "review";
  apiRoot: string;
  csrfToken: string;
  /** `archived`: the project is read only (a manager can unarchive it). */
  project: { id: number; name: string; blind: boolean; archived: boolean };
  user: { id: number; username: string };
  role: string;
  labels: Label[];
  statuses: Status[];
  assignment: Assignment | null;
  document: { id: number; title: string; text: string; spans: ServerSpan[] };
  /** `documents` + id + "/" is a document's workspace. */
  urls: { project: string; documents: string };
}

export function readBootstrap(): Bootstrap {
  const el = document.getElementById("workspace-data");
  if (!el?.textContent) throw new Error("the page has no #workspace-data");
  return JSON.parse(el.textContent) as Bootstrap;
}
