/**
 * The API's JSON as the pages use it, taken from the types generated from the OpenAPI schema
 * (`api-schema.d.ts`: `npm run gen:api-types` after regenerating `frontend/openapi.json`), so
 * that a serializer change shows up here as a type error. The pages' own bootstrap data (the
 * `#page-data` JSON a server-rendered shell embeds) is not part of the API: its types stay next to
 * the page that reads it.
 */

import type { components } from "./api-schema";

type Schemas = components["schemas"];

/**
 * A response object as the API sends it: every field present. drf-spectacular leaves a writable
 * field that has a default (a label's `color`, an evidence item's `url`) out of the response
 * component's `required` list although the serializer always writes it. Applied to arrays of
 * objects too; a no-op for components that already list every field.
 */
export type Sent<T> = {
  [K in keyof T]-?: T[K] extends readonly (infer Item)[]
    ? Item extends object
      ? Sent<Item>[]
      : T[K]
    : T[K];
};

export type Stance = Schemas["StanceEnum"];

/** An evidence item as the workspace edits and sends it (`EvidenceRequest`, defaults filled). */
export type EvidenceItem = Sent<Schemas["EvidenceRequest"]>;

/**
 * A span (`Span`). The workspace page embeds its spans without the timestamps
 * (`annotations/views/pages.py: page_spans`), and nothing here reads them.
 */
export type ServerSpan = Omit<Sent<Schemas["Span"]>, "created_at" | "updated_at">;

export type Label = Sent<Schemas["Label"]>;

export type Status = Sent<Schemas["VerificationStatus"]>;

/** `POST /markdown/`: Markdown in (`MarkdownInputRequest`), sanitised HTML out (`MarkdownHtml`). */
export type MarkdownInput = Schemas["MarkdownInputRequest"];
export type MarkdownHtml = Sent<Schemas["MarkdownHtml"]>;

export type Assignment = Sent<Schemas["Assignment"]>;

/** `Comment`: a comment on a document, an annotator's span or a gold span. */
export type Comment = Sent<Schemas["Comment"]>;

/**
 * A background job (`Job`). `params` and `result` are JSON fields, `unknown` in the schema; what
 * the pages read from them is an object of the job kind's own keys.
 */
export type Job = Omit<Sent<Schemas["Job"]>, "params" | "result"> & {
  readonly params: Record<string, unknown>;
  readonly result: Record<string, unknown> | null;
};

/** One page of a list (every `Paginated…List` component has this envelope). */
export type Page<T> = Omit<Sent<Schemas["PaginatedJobList"]>, "results"> & { results: T[] };

/** The body of `POST …/exports/` (`ExportRequestRequest`). */
export type ExportRequest = Schemas["ExportRequestRequest"];

/** A coefficient (`Statistic`): `value`, or `null` with the `reason` it is undefined. */
export type Stat = Schemas["Statistic"];

/** `GET …/dashboard/` (`Dashboard`). */
export type Dashboard = Sent<Schemas["Dashboard"]>;

/** The dashboard's agreement section (`DashboardAgreement`), from the latest report. */
export type DashboardAgreement = Sent<Schemas["DashboardAgreement"]>;

/** One document of the adjudication queue (`AdjudicationQueueRow`), `GET …/adjudication/`. */
export type AdjudicationQueueRow = Sent<Schemas["AdjudicationQueueRow"]>;

/** `GET …/adjudication/{id}/` (`AdjudicationDocument`): a document's spans in clusters. */
export type AdjudicationDocument = Sent<Schemas["AdjudicationDocument"]>;

/** Overlapping spans of one label from the submitted annotators (`Cluster`). */
export type Cluster = Sent<Schemas["Cluster"]>;

export type ClusterKind = Schemas["ClusterKindEnum"];

/** `POST …/adjudication/{id}/accept-unanimous/` (`AcceptUnanimousResult`). */
export type AcceptUnanimousResult = Schemas["AcceptUnanimousResult"];

export type GoldSpan = Sent<Schemas["GoldSpan"]>;

/**
 * A gold span's evidence item as the API sends it (`GoldSpanEvidence`); the verdict form sends
 * items of the same shape (`GoldEvidenceRequest`).
 */
export type GoldEvidence = Sent<Schemas["GoldSpanEvidence"]>;

// Request bodies, checked with `satisfies` where they are sent.
export type SpanCreateBody = Schemas["SpanInputRequest"];
export type SpanPatchBody = Schemas["PatchedSpanUpdateRequest"];
export type AssignmentActionBody = Schemas["AssignmentActionRequest"];
export type AcceptBody = Schemas["AcceptRequest"];
export type AdjudicationStateBody = Schemas["AdjudicationStateRequest"];
export type GoldCreateBody = Schemas["GoldCreateRequest"];
export type GoldPatchBody = Schemas["PatchedGoldUpdateRequest"];
export type VerdictBody = Schemas["VerdictRequest"];
export type CommentBody = Schemas["CommentRequest"];
