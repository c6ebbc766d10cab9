/** Shapes of the API's JSON and of the page's bootstrap data (annotations/views/pages.py). */

export type Stance = "supports" | "refutes" | "context";

export interface EvidenceItem {
  id?: number;
  url: string;
  note: string;
  stance: Stance;
}

export interface ServerSpan {
  id: number;
  document: number;
  annotator: number;
  annotator_username: string;
  label: number;
  label_key: string;
  start: number;
  end: number;
  quote: string;
  status: number;
  status_key: string;
  note: string;
  evidence: EvidenceItem[];
  version: number;
}

export interface Label {
  id: number;
  key: string;
  name: string;
  color: string;
  shortcut: string;
  order: number;
  retired: boolean;
}

export interface Status {
  id: number;
  key: string;
  name: string;
  color: string;
  is_initial: boolean;
  is_final: boolean;
  retired: boolean;
}

export interface Assignment {
  id: number;
  document: number;
  state: "assigned" | "in_progress" | "submitted" | "skipped";
  skip_reason: string;
  time_spent_seconds: number;
}

export interface Bootstrap {
  mode: "annotate" | "review";
  apiRoot: string;
  csrfToken: string;
  project: { id: number; name: string; blind: boolean };
  user: { id: number; username: string };
  role: string;
  labels: Label[];
  statuses: Status[];
  assignment: Assignment | null;
  document: { id: number; title: string; text: string; spans: ServerSpan[] };
  /** `documents` + id + "/" is a document's workspace. */
  urls: { project: string; documents: string };
}
