/**
 * The workspace's save queue (src/workspace/save-queue.ts) against the real `Api` with `fetch`
 * replaced: every request waits until the test answers it, so ordering, concurrency, failures and
 * conflicts are played out step by step. The expectations follow the queue's contract (README "In
 * the browser" and the module's comment): changes to one span go out one at a time, in order, each
 * on the version the previous answer returned; spans do not wait for each other; a failed change
 * stays at the head of its span's queue until retried or dropped; a 409 stale version or a 412
 * If-Match failure is a conflict that "keep mine" resends on top of the stored version.
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";

import { Api, ApiError } from "../src/shared/api";
import type { ServerSpan } from "../src/shared/api-types";
import type { SaveState } from "../src/shared/textview";
import { SaveQueue } from "../src/workspace/save-queue";
import { type LocalSpan, newCid } from "../src/workspace/spans";

const PROJECT = 3;
const DOCUMENT = 11;
const USER = 5;

interface Request {
  url: string;
  method: string;
  body: Record<string, unknown> | null;
  headers: Record<string, string>;
  /** Answer with this status and JSON body, then let the queue act on it. */
  respond(status: number, body?: unknown): Promise<void>;
  /** Fail as fetch does when the network is down. */
  fail(): Promise<void>;
  answered: boolean;
}

let requests: Request[] = [];
const realFetch = globalThis.fetch;

/** Let every pending promise callback run (the queue's `await`s, Response parsing). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

function fakeFetch(
  input: string | URL | globalThis.Request,
  init?: RequestInit,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const text = typeof init?.body === "string" ? init.body : null;
    const request: Request = {
      url: String(input),
      method: init?.method ?? "GET",
      body: text === null ? null : (JSON.parse(text) as Record<string, unknown>),
      headers: { ...(init?.headers as Record<string, string> | undefined) },
      answered: false,
      async respond(status, body) {
        request.answered = true;
        const payload = body === undefined || status === 204 ? null : JSON.stringify(body);
        resolve(new Response(payload, { status, headers: { "Content-Type": "application/json" } }));
        await settle();
      },
      async fail() {
        request.answered = true;
        reject(new TypeError("fetch failed"));
        await settle();
      },
    };
    requests.push(request);
  });
}

function span(overrides: Partial<LocalSpan> = {}): LocalSpan {
  return {
    cid: newCid(),
    id: null,
    annotator: USER,
    annotatorName: "ana",
    own: true,
    label: 1,
    status: 1,
    note: "",
    evidence: [],
    start: 0,
    end: 4,
    start16: 0,
    end16: 4,
    quote: "Text",
    version: 0,
    deleted: false,
    ...overrides,
  };
}

/** What the API answers for a span: `local`'s fields, with the id and version given. */
function stored(local: LocalSpan, id: number, version: number, changes: Partial<ServerSpan> = {}) {
  const server: ServerSpan = {
    id,
    document: DOCUMENT,
    annotator: local.annotator,
    annotator_username: local.annotatorName,
    label: local.label,
    label_key: "claim",
    start: local.start,
    end: local.end,
    quote: local.quote,
    status: local.status,
    status_key: "unverified",
    note: local.note,
    evidence: [],
    version,
    ...changes,
  };
  return server;
}

function spanUrl(id: number): string {
  return `/api/v1/projects/${PROJECT}/spans/${id}/`;
}

/** The span's save state each time the queue reports a change, repeats collapsed. */
function watchStates(queue: SaveQueue, watched: LocalSpan): SaveState[] {
  const states: SaveState[] = [];
  queue.onChange(() => {
    const state = queue.stateOf(watched);
    if (states[states.length - 1] !== state) states.push(state);
  });
  return states;
}

let queue: SaveQueue;

beforeEach(() => {
  requests = [];
  globalThis.fetch = fakeFetch as typeof fetch;
  queue = new SaveQueue(new Api("/api/v1/", "csrf-token"), PROJECT, DOCUMENT);
});

afterEach(async () => {
  // Answer what a test left waiting, so that no request's timeout timer outlives it.
  for (const request of requests) if (!request.answered) await request.fail();
  globalThis.fetch = realFetch;
});

describe("SaveQueue: one span", () => {
  it("creates the span with its fields and takes the id and version the server gives", async () => {
    const s = span({
      note: "why",
      evidence: [
        { url: " https://a.example/ ", note: "", stance: "refutes" },
        { url: "", note: "  ", stance: "supports" },
      ],
    });
    queue.enqueue(s, { kind: "create" }, "New span");
    assert.equal(requests.length, 1);
    const post = requests[0];
    assert.equal(post.method, "POST");
    assert.equal(post.url, `/api/v1/projects/${PROJECT}/spans/`);
    assert.equal(post.headers["X-CSRFToken"], "csrf-token");
    assert.deepEqual(post.body, {
      document: DOCUMENT,
      label: 1,
      start: 0,
      end: 4,
      quote: "Text",
      status: 1,
      note: "why",
      // Evidence is sent trimmed; empty items are left out.
      evidence: [{ url: "https://a.example/", note: "", stance: "refutes" }],
    });
    await post.respond(201, stored(s, 41, 1));
    assert.equal(s.id, 41);
    assert.equal(s.version, 1);
    assert.equal(queue.stateOf(s), "saved");
    assert.equal(queue.pendingCount(), 0);
  });

  it("sends one span's changes one at a time, in order, on the version the last returned", async () => {
    const s = span();
    queue.enqueue(s, { kind: "create" }, "New span");
    queue.enqueue(s, { kind: "update", changes: { status: 2 } }, "Status change");
    queue.enqueue(s, { kind: "delete" }, "Delete");
    assert.equal(requests.length, 1, "the update waits for the create");
    assert.equal(queue.pendingCount(), 3);

    await requests[0].respond(201, stored(s, 41, 1));
    assert.equal(requests.length, 2, "the update goes out once the create is answered");
    const patch = requests[1];
    assert.equal(patch.method, "PATCH");
    assert.equal(patch.url, spanUrl(41), "the PATCH uses the id the create returned");
    assert.deepEqual(patch.body, { status: 2, version: 1 });

    await patch.respond(200, stored(s, 41, 2, { status: 2 }));
    assert.equal(requests.length, 3);
    const del = requests[2];
    assert.equal(del.method, "DELETE");
    assert.equal(del.url, spanUrl(41));
    assert.equal(del.headers["If-Match"], '"2"', "the delete names the version the PATCH returned");

    await del.respond(204);
    assert.equal(requests.length, 3);
    assert.equal(queue.stateOf(s), "saved");
    assert.equal(queue.overall(), "saved");
  });

  it("does not merge queued changes: each is sent as it was made", async () => {
    const s = span({ id: 7, version: 3 });
    queue.enqueue(s, { kind: "update", changes: { note: "a" } }, "Note");
    queue.enqueue(s, { kind: "update", changes: { note: "ab" } }, "Note");
    queue.enqueue(s, { kind: "update", changes: { label: 2 } }, "Label change");
    await requests[0].respond(200, stored(s, 7, 4, { note: "a" }));
    await requests[1].respond(200, stored(s, 7, 5, { note: "ab" }));
    await requests[2].respond(200, stored(s, 7, 6, { note: "ab", label: 2 }));
    assert.deepEqual(
      requests.map((r) => r.body),
      [
        { note: "a", version: 3 },
        { note: "ab", version: 4 },
        { label: 2, version: 5 },
      ],
    );
  });

  it("keeps the newer local values while later changes wait, then takes the server's", async () => {
    // The page has already applied both edits to the span; the first answer is older than that.
    const s = span({ id: 7, version: 3, note: "second" });
    queue.enqueue(s, { kind: "update", changes: { note: "first" } }, "Note");
    queue.enqueue(s, { kind: "update", changes: { note: "second" } }, "Note");
    await requests[0].respond(200, stored(s, 7, 4, { note: "first" }));
    assert.equal(s.note, "second", "an older answer must not overwrite a newer edit");
    assert.equal(s.version, 4, "but its version is the one the next PATCH needs");
    await requests[1].respond(200, stored(s, 7, 5, { note: "second (server)" }));
    assert.equal(s.note, "second (server)", "the last answer is what is stored");
    assert.equal(s.version, 5);
  });

  it("treats a span already deleted elsewhere (404 on DELETE) as deleted", async () => {
    const s = span({ id: 7, version: 3 });
    queue.enqueue(s, { kind: "delete" }, "Delete");
    await requests[0].respond(404, { detail: "Not found." });
    assert.equal(queue.stateOf(s), "saved");
    assert.deepEqual(queue.failures(), []);
  });

  it("refuses to change a span that was never saved", async () => {
    const s = span({ id: null });
    queue.enqueue(s, { kind: "update", changes: { note: "x" } }, "Note");
    await settle();
    assert.equal(requests.length, 0);
    assert.equal(queue.stateOf(s), "failed");
    assert.equal(queue.failures()[0]?.error?.kind, "missing");
  });
});

describe("SaveQueue: several spans", () => {
  it("saves different spans independently: one's failure does not hold up another", async () => {
    const a = span({ id: 1, version: 1 });
    const b = span({ id: 2, version: 1 });
    queue.enqueue(a, { kind: "update", changes: { note: "a" } }, "Note");
    queue.enqueue(b, { kind: "update", changes: { note: "b" } }, "Note");
    assert.deepEqual(
      requests.map((r) => r.url),
      [spanUrl(1), spanUrl(2)],
      "both are sent before either is answered",
    );
    await requests[0].fail();
    assert.equal(queue.stateOf(a), "failed");
    assert.equal(queue.stateOf(b), "saving");
    assert.equal(queue.overall(), "failed", "one failure makes the page's state failed");
    await requests[1].respond(200, stored(b, 2, 2, { note: "b" }));
    assert.equal(queue.stateOf(b), "saved");
    assert.equal(queue.overall(), "failed");
  });

  it("lists failures oldest change first, with what failed and why", async () => {
    const a = span({ id: 1, version: 1, quote: "alpha" });
    const b = span({ id: 2, version: 1, quote: "beta" });
    queue.enqueue(a, { kind: "update", changes: { note: "x" } }, "Note");
    queue.enqueue(b, { kind: "update", changes: { status: 2 } }, "Status change");
    queue.enqueue(a, { kind: "delete" }, "Delete");
    await requests[0].respond(200, stored(a, 1, 2, { note: "x" }));
    // a's delete (made after b's change) fails first, then b's change.
    await requests[2].respond(500, { detail: "boom" });
    await requests[1].respond(400, { status: ["Retired status."] });
    const failures = queue.failures();
    assert.deepEqual(
      failures.map((f) => [f.span.quote, f.what, f.error?.kind, f.error?.status]),
      [
        ["beta", "Status change", "invalid", 400],
        ["alpha", "Delete", "server", 500],
      ],
    );
    assert.equal(failures[0].error?.message, "status: Retired status.");
  });
});

describe("SaveQueue: failures and retry", () => {
  it("holds a failed change and those after it until Retry, then sends them in order", async () => {
    const s = span({ id: 7, version: 3 });
    const states = watchStates(queue, s);
    queue.enqueue(s, { kind: "update", changes: { note: "a" } }, "Note");
    queue.enqueue(s, { kind: "update", changes: { status: 2 } }, "Status change");
    await requests[0].fail();
    assert.equal(queue.stateOf(s), "failed");
    assert.equal(queue.failures().length, 1);
    assert.equal(queue.failures()[0].what, "Note");
    assert.equal(queue.failures()[0].error?.kind, "network");
    assert.equal(queue.pendingCount(), 2, "nothing is dropped");
    await settle();
    assert.equal(requests.length, 1, "the later change waits behind the failed one");

    queue.retry(s);
    assert.equal(queue.stateOf(s), "saving");
    assert.equal(requests.length, 2);
    assert.deepEqual(requests[1].body, { note: "a", version: 3 }, "Retry resends the same change");
    await requests[1].respond(200, stored(s, 7, 4, { note: "a" }));
    assert.deepEqual(requests[2].body, { status: 2, version: 4 });
    await requests[2].respond(200, stored(s, 7, 5, { note: "a", status: 2 }));
    assert.equal(queue.stateOf(s), "saved");
    assert.deepEqual(states, ["saving", "failed", "saving", "saved"]);
  });

  it("Retry does nothing for a span whose save has not failed", async () => {
    const s = span({ id: 7, version: 3 });
    queue.enqueue(s, { kind: "update", changes: { note: "a" } }, "Note");
    queue.retry(s);
    assert.equal(requests.length, 1, "no second copy of a change in flight");
    await requests[0].respond(200, stored(s, 7, 4, { note: "a" }));
    queue.retry(s);
    assert.equal(requests.length, 1);
  });

  it("retries every failed span with Retry all", async () => {
    const a = span({ id: 1, version: 1 });
    const b = span({ id: 2, version: 1 });
    queue.enqueue(a, { kind: "update", changes: { note: "a" } }, "Note");
    queue.enqueue(b, { kind: "update", changes: { note: "b" } }, "Note");
    await requests[0].fail();
    await requests[1].fail();
    queue.retryAll();
    assert.deepEqual(
      requests.slice(2).map((r) => r.url),
      [spanUrl(1), spanUrl(2)],
    );
    assert.equal(queue.overall(), "saving");
  });

  it("idle() waits for every change; a failure keeps it waiting until the retry works", async () => {
    const s = span({ id: 7, version: 3 });
    let idle = false;
    queue.enqueue(s, { kind: "update", changes: { note: "a" } }, "Note");
    void queue.idle().then(() => {
      idle = true;
    });
    await requests[0].fail();
    assert.equal(idle, false);
    queue.retry(s);
    await requests[1].respond(200, stored(s, 7, 4, { note: "a" }));
    assert.equal(idle, true);
  });

  it("drop() forgets the span's unsaved changes", async () => {
    const s = span({ id: 7, version: 3 });
    queue.enqueue(s, { kind: "update", changes: { note: "a" } }, "Note");
    queue.enqueue(s, { kind: "update", changes: { note: "b" } }, "Note");
    await requests[0].fail();
    queue.drop(s);
    assert.equal(queue.stateOf(s), "saved");
    assert.equal(queue.pendingCount(), 0);
    assert.deepEqual(queue.failures(), []);
    await settle();
    assert.equal(requests.length, 1, "the dropped changes are never sent");
  });
});

describe("SaveQueue: conflicts", () => {
  it("reports a 409 stale version as a conflict; Keep mine resends on the stored version", async () => {
    const s = span({ id: 7, version: 3 });
    queue.enqueue(s, { kind: "update", changes: { note: "mine" } }, "Note");
    await requests[0].respond(409, {
      detail: "Changed elsewhere.",
      code: "stale_version",
      current_version: 6,
    });
    const failure = queue.failures()[0];
    assert.equal(queue.stateOf(s), "failed");
    assert.equal(failure.error?.kind, "conflict");
    assert.equal(failure.error?.isVersionConflict, true);

    const kept = queue.keepMine(s);
    await settle();
    assert.equal(requests[1].method, "GET", "Keep mine first asks for the stored span");
    assert.equal(requests[1].url, spanUrl(7));
    await requests[1].respond(200, stored(s, 7, 6, { note: "theirs" }));
    await kept;
    assert.equal(requests[2].method, "PATCH");
    assert.deepEqual(requests[2].body, { note: "mine", version: 6 });
    await requests[2].respond(200, stored(s, 7, 7, { note: "mine" }));
    assert.equal(queue.stateOf(s), "saved");
    assert.equal(s.note, "mine");
    assert.equal(s.version, 7);
  });

  it("reports a 412 on an If-Match delete as a conflict", async () => {
    const s = span({ id: 7, version: 3 });
    queue.enqueue(s, { kind: "delete" }, "Delete");
    await requests[0].respond(412, { detail: "Precondition failed." });
    assert.equal(queue.failures()[0]?.error?.isVersionConflict, true);
    const kept = queue.keepMine(s);
    await settle();
    await requests[1].respond(200, stored(s, 7, 9));
    await kept;
    assert.equal(requests[2].headers["If-Match"], '"9"');
  });

  it("does not call other failures conflicts", async () => {
    const s = span({ id: 7, version: 3 });
    queue.enqueue(s, { kind: "update", changes: { note: "x" } }, "Note");
    // A 409 that is not about versions (e.g. a uniqueness rule) is no version conflict.
    await requests[0].respond(409, { detail: "Duplicate span.", code: "duplicate" });
    assert.equal(queue.failures()[0]?.error?.kind, "conflict");
    assert.equal(queue.failures()[0]?.error?.isVersionConflict, false);
  });

  it("Keep mine fails, and keeps the change listed, when the span is deleted elsewhere", async () => {
    const s = span({ id: 7, version: 3 });
    queue.enqueue(s, { kind: "update", changes: { note: "mine" } }, "Note");
    await requests[0].respond(409, { detail: "Changed elsewhere.", code: "stale_version" });
    const kept = assert.rejects(
      queue.keepMine(s),
      (error: unknown) => error instanceof ApiError && error.kind === "missing",
    );
    await settle();
    await requests[1].respond(404, { detail: "Not found." });
    await kept;
    assert.equal(queue.stateOf(s), "failed");
    assert.equal(requests.length, 2, "nothing is resent");
  });
});
