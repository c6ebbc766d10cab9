/**
 * The dashboard's data: `GET /api/v1/projects/{id}/dashboard/` and the rows of the adjudication
 * queue it lists. Hand-written for now, while the endpoint's declared response components
 * settle; then `DashboardBody` becomes the schema's `Dashboard`, `AgreementSection` its
 * `DashboardAgreement`, `AnnotatorRow` `AnnotatorProgress`, `GoldRow` `GoldAgreementRow`, the
 * trend's points `TrendPoint`, and `QueueRow` `AdjudicationQueueRow`.
 */

import type { Label } from "../shared/api-types";
import type { ReviewBootstrap, Stat } from "../shared/reviewer-pages";

export interface DashboardBootstrap extends ReviewBootstrap {
  labels: Label[];
}

export interface AnnotatorRow {
  annotator: number;
  username: string | null;
  assignments: number;
  assigned: number;
  in_progress: number;
  submitted: number;
  skipped: number;
  median_seconds_per_document: number | null;
  spans: number;
  spans_per_document: number | null;
  labels: Record<string, number>;
}

export interface GoldRow {
  annotator: number;
  documents: number;
  character_alpha: Stat;
  span_f1_exact: { f1: Stat };
  span_f1_overlap: { f1: Stat };
}

export interface AgreementSection {
  report_id: number;
  created_at: string;
  documents_counted: number;
  alpha: Stat;
  bootstrap:
    | (Stat & { low: number | null; high: number | null; level: number; resamples: number })
    | null;
  per_label_alpha: (Stat & { label: number })[];
  leave_one_annotator_out: (Stat & {
    annotator: number;
    change: number | null;
    documents: number;
  })[];
  pairs: { annotators: [number, number]; span_f1_exact: Stat; span_f1_overlap: Stat }[];
  cohen_kappa: (Stat & { annotators: [number, number] })[];
  fleiss_kappa: Stat;
  status_agreement: Stat & {
    units?: number;
    coverage?: Stat & { spans?: number; matched_spans?: number };
  };
  gold: GoldRow[];
  queue: { document_id: number; alpha: number | null; reason: string | null }[];
}

export interface DashboardBody {
  project: { id: number; name: string; annotators_per_document: number };
  workers: { mode: string; alive: boolean; workers: string[]; detail: string };
  documents: Record<
    "total" | "unassigned" | "not_started" | "partly_submitted" | "complete" | "adjudicated",
    number
  >;
  annotators: AnnotatorRow[];
  agreement: AgreementSection | null;
  agreement_stale: boolean;
  trend: {
    report_id: number;
    created_at: string;
    documents_counted: number;
    alpha: number | null;
  }[];
  names: {
    labels: Record<string, string>;
    statuses: Record<string, string>;
    annotators: Record<string, string>;
  };
}

export interface QueueRow {
  document: number;
  title: string;
  state: string;
}
