/** Talking to the REST API with the session cookie and the CSRF token; errors become ApiError. */

export type ErrorKind = "network" | "conflict" | "invalid" | "forbidden" | "missing" | "server";

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly body: unknown;

  constructor(kind: ErrorKind, status: number, message: string, body: unknown = null) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.body = body;
  }

  /** A version conflict (409 stale version, 412 If-Match): someone else changed the object. */
  get isVersionConflict(): boolean {
    if (this.status === 412) return true;
    const code = (this.body as { code?: unknown } | null)?.code;
    return this.status === 409 && code === "stale_version";
  }
}

/** A one-line summary of a DRF error body: `field: message; field: message`. */
export function describeErrorBody(body: unknown): string {
  if (body === null || body === undefined) return "";
  if (typeof body === "string") return body.slice(0, 300);
  if (Array.isArray(body)) return body.map(describeErrorBody).join("; ");
  if (typeof body === "object") {
    const parts: string[] = [];
    for (const [field, value] of Object.entries(body as Record<string, unknown>)) {
      if (field === "code" || field === "current_version" || field === "constraint") continue;
      const text = describeErrorBody(value);
      parts.push(field === "detail" || field === "non_field_errors" ? text : `${field}: ${text}`);
    }
    return parts.join("; ");
  }
  return String(body);
}

function kindOf(status: number): ErrorKind {
  if (status === 409 || status === 412) return "conflict";
  if (status === 400) return "invalid";
  if (status === 401 || status === 403) return "forbidden";
  if (status === 404) return "missing";
  return "server";
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export class Api {
  private readonly root: string;
  private readonly csrfToken: string;

  constructor(root: string, csrfToken: string) {
    this.root = root.endsWith("/") ? root : `${root}/`;
    this.csrfToken = csrfToken;
  }

  url(path: string): string {
    return path.startsWith("/") ? path : this.root + path;
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const method = options.method ?? "GET";
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = this.csrfToken;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 20000);
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers,
        body,
        credentials: "same-origin",
        signal: controller.signal,
      });
    } catch (error) {
      // The browser's own text ("TypeError: Failed to fetch") means nothing to people: say what
      // happened and what to do next.
      const message = controller.signal.aborted
        ? "The server did not answer in time. Try again in a moment."
        : "Could not reach the server. Check your connection and try again.";
      throw new ApiError("network", 0, message, { cause: String(error) });
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 204) return undefined as T;
    let data: unknown = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!response.ok) {
      if (response.redirected || response.status === 401) {
        throw new ApiError("forbidden", response.status, "Your session has ended: log in again.");
      }
      const detail = describeErrorBody(data) || response.statusText;
      throw new ApiError(kindOf(response.status), response.status, detail, data);
    }
    return data as T;
  }
}
