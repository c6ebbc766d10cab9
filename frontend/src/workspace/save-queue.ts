/**
 * The queue that saves every change to the workspace's spans to the API at once. Changes to one
 * span are sent strictly in order (a PATCH needs the version its create or previous PATCH
 * returned); changes to different spans go out independently. A change that fails stays at the
 * head of its span's queue, visibly, until the user retries or discards it: nothing is ever dropped
 * silently. A version conflict (409 stale version, 412 If-Match) fails the same way; `keepMine`
 * resends the change on top of the stored version.
 */

import { Api, ApiError } from "../shared/api";
import type { ServerSpan, SpanCreateBody, SpanPatchBody } from "../shared/api-types";
import type { SaveState } from "../shared/textview";
import { applyServer, cleanEvidence, type Editable, type LocalSpan } from "./spans";

export type Change =
  | { kind: "create" }
  | { kind: "update"; changes: Partial<Editable> }
  | { kind: "delete" };

export interface QueuedChange {
  seq: number;
  span: LocalSpan;
  change: Change;
  state: "queued" | "saving" | "failed";
  error: ApiError | null;
  what: string;
}

export class SaveQueue {
  private readonly api: Api;
  private readonly projectId: number;
  private readonly documentId: number;
  private readonly chains = new Map<string, QueuedChange[]>();
  private seq = 0;
  private listeners: ((span: LocalSpan | null) => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(api: Api, projectId: number, documentId: number) {
    this.api = api;
    this.projectId = projectId;
    this.documentId = documentId;
  }

  onChange(listener: (span: LocalSpan | null) => void): void {
    this.listeners.push(listener);
  }

  private notify(span: LocalSpan | null): void {
    for (const listener of this.listeners) listener(span);
    if (this.pendingCount() === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private spanPath(span: LocalSpan): string {
    return `projects/${this.projectId}/spans/${span.id}/`;
  }

  enqueue(span: LocalSpan, change: Change, what: string): void {
    this.seq += 1;
    const item: QueuedChange = { seq: this.seq, span, change, state: "queued", error: null, what };
    const chain = this.chains.get(span.cid);
    if (chain) {
      chain.push(item);
      this.notify(span);
      return;
    }
    this.chains.set(span.cid, [item]);
    this.notify(span);
    void this.run(span.cid);
  }

  private async run(cid: string): Promise<void> {
    const chain = this.chains.get(cid);
    let last: LocalSpan | null = null;
    while (chain && chain.length > 0) {
      const head = chain[0];
      last = head.span;
      head.state = "saving";
      head.error = null;
      this.notify(head.span);
      try {
        const server = await this.send(head);
        chain.shift();
        // Copy the server's fields only when nothing newer is queued: a later change must not
        // flicker back to an older value.
        if (server && chain.length === 0) applyServer(head.span, server);
        else if (server) {
          head.span.id = server.id;
          head.span.version = server.version;
        }
      } catch (error) {
        head.state = "failed";
        head.error =
          error instanceof ApiError ? error : new ApiError("server", 0, String(error), null);
        this.notify(head.span);
        return;
      }
    }
    if (this.chains.get(cid) === chain) this.chains.delete(cid);
    this.notify(last);
  }

  private async send(item: QueuedChange): Promise<ServerSpan | null> {
    const span = item.span;
    const change = item.change;
    if (change.kind === "create") {
      return this.api.request<ServerSpan>(`projects/${this.projectId}/spans/`, {
        method: "POST",
        body: {
          document: this.documentId,
          label: span.label,
          start: span.start,
          end: span.end,
          quote: span.quote,
          status: span.status,
          note: span.note,
          evidence: cleanEvidence(span.evidence),
        } satisfies SpanCreateBody,
      });
    }
    if (span.id === null) {
      throw new ApiError("missing", 0, "The span was never saved, so it cannot be changed.");
    }
    if (change.kind === "update") {
      const body: SpanPatchBody = { ...change.changes, version: span.version };
      if (change.changes.evidence) body.evidence = cleanEvidence(change.changes.evidence);
      return this.api.request<ServerSpan>(this.spanPath(span), { method: "PATCH", body });
    }
    try {
      await this.api.request<void>(this.spanPath(span), {
        method: "DELETE",
        headers: { "If-Match": `"${span.version}"` },
      });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    return null;
  }

  /** The span's change being saved or waiting, and whether its queue is stuck on a failure. */
  stateOf(span: LocalSpan): SaveState {
    const chain = this.chains.get(span.cid);
    if (!chain || chain.length === 0) return "saved";
    return chain[0].state === "failed" ? "failed" : "saving";
  }

  overall(): SaveState {
    let saving = false;
    for (const chain of this.chains.values()) {
      if (chain[0]?.state === "failed") return "failed";
      if (chain.length) saving = true;
    }
    return saving ? "saving" : "saved";
  }

  failures(): QueuedChange[] {
    const out: QueuedChange[] = [];
    for (const chain of this.chains.values()) {
      if (chain[0]?.state === "failed") out.push(chain[0]);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  pendingCount(): number {
    let n = 0;
    for (const chain of this.chains.values()) n += chain.length;
    return n;
  }

  hasQueued(span: LocalSpan): boolean {
    return (this.chains.get(span.cid)?.length ?? 0) > 0;
  }

  /** Resolves once nothing is waiting or saving (failures count as waiting: they never resolve). */
  idle(): Promise<void> {
    if (this.pendingCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  retry(span: LocalSpan): void {
    const chain = this.chains.get(span.cid);
    if (chain && chain[0]?.state === "failed") void this.run(span.cid);
  }

  retryAll(): void {
    for (const failed of this.failures()) this.retry(failed.span);
  }

  /** Drop every queued change of the span (after the user chose the server's version). */
  drop(span: LocalSpan): void {
    this.chains.delete(span.cid);
    this.notify(span);
  }

  /** The span as stored now, or null when it no longer exists. */
  async fetchServer(span: LocalSpan): Promise<ServerSpan | null> {
    if (span.id === null) return null;
    try {
      return await this.api.request<ServerSpan>(this.spanPath(span));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** Conflict resolved in favour of the user: resend the failed change on top of the current
   * version. */
  async keepMine(span: LocalSpan): Promise<void> {
    const server = await this.fetchServer(span);
    const chain = this.chains.get(span.cid);
    if (!chain || chain[0]?.state !== "failed") return;
    if (server === null) {
      throw new ApiError("missing", 404, "The span was deleted elsewhere; there is nothing to keep.");
    }
    span.version = server.version;
    void this.run(span.cid);
  }
}
