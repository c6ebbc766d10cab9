/**
 * The dashboard page's bootstrap data (`#page-data`). Its API answers are the schema's types:
 * `Dashboard`, `DashboardAgreement` and `AdjudicationQueueRow` in `../shared/api-types`.
 */

import type { Label } from "../shared/api-types";
import type { ReviewBootstrap } from "../shared/reviewer-pages";

export interface DashboardBootstrap extends ReviewBootstrap {
  labels: Label[];
}
