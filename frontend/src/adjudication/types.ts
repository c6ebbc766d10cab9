/**
 * The adjudication pages' bootstrap data (`#page-data`). Their API answers are the schema's
 * types: `AdjudicationDocument`, `Cluster`, `GoldSpan` and `AdjudicationQueueRow` in
 * `../shared/api-types`.
 */

import type { Label, Status } from "../shared/api-types";
import type { ReviewBootstrap } from "../shared/reviewer-pages";

export interface AdjudicationBootstrap extends ReviewBootstrap {
  document: { id: number; title: string };
  labels: Label[];
  statuses: Status[];
  evidenceDocuments: { id: number; title: string }[];
  evidenceDocumentsComplete: boolean;
}
