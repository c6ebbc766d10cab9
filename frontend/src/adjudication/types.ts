/**
 * The adjudication pages' data. Gold spans are the schema's; the document's answer
 * (`GET …/adjudication/{id}/`) and the queue's rows are hand-written for now, while their declared
 * response components settle; then `Detail` becomes the schema's `AdjudicationDocument`, `Cluster`
 * its `Cluster` and `QueueRow` its `AdjudicationQueueRow`.
 */

import type { components } from "../shared/api-schema";
import type { Label, Sent, ServerSpan, Status } from "../shared/api-types";
import type { ReviewBootstrap } from "../shared/reviewer-pages";

export interface AdjudicationBootstrap extends ReviewBootstrap {
  document: { id: number; title: string };
  labels: Label[];
  statuses: Status[];
  evidenceDocuments: { id: number; title: string }[];
  evidenceDocumentsComplete: boolean;
}

export type ClusterKind = "unanimous" | "majority" | "disputed";

export interface Cluster {
  label: number;
  start: number;
  end: number;
  kind: ClusterKind;
  proposal: { start: number; end: number };
  spans: number[];
  annotators: number[];
}

/**
 * A gold span's evidence item as the API sends it (`GoldSpanEvidence`); the verdict form sends
 * items of the same shape (`GoldEvidenceRequest`).
 */
export type GoldEvidence = Sent<components["schemas"]["GoldSpanEvidence"]>;

export type GoldSpan = Sent<components["schemas"]["GoldSpan"]>;

export interface Detail {
  document: { id: number; title: string; text: string };
  state: "open" | "adjudicated";
  annotators: { id: number; username: string }[];
  spans: ServerSpan[];
  clusters: Cluster[];
  gold_spans: GoldSpan[];
}

export interface QueueRow {
  document: number;
  title: string;
  alpha: number | null;
  alpha_reason: string | null;
  state: "open" | "adjudicated";
}
