// Raw JSON transport to the API server, authenticated through KubeConfig. We bypass the generated
// clients so every object stays plain JSON (no Date conversion, no model-based field dropping) and
// so watches can be streamed and aborted by our own watchdog.
//
// Memory/CPU: client-node's `applySecurityAuthentication` builds a new undici Agent (a new
// connection pool, so a new TCP + TLS handshake and TLS context) for every request. We still ask
// it for headers and TLS settings on every request (exec/OIDC/file tokens keep refreshing), but
// reuse one dispatcher for `dispatcherTtlMs` (default 5 min) so connections are kept alive;
// after the TTL the next request takes client-node's fresh dispatcher (rotated client
// certificates are picked up) and the old one is closed once its in-flight requests end.
// RequestContext/HttpMethod come from the generated http module directly: importing the package
// root would load every generated API and model (~50 MB RSS), see kubeconfig.ts.
import { HttpMethod, RequestContext } from "@kubernetes/client-node/dist/gen/http/http.js";
import type { KubeConfig } from "@kubernetes/client-node";
import { fetch } from "undici";
import type { Dispatcher, Response } from "undici";

/** A metav1.Status body as returned by the API server on errors. */
export interface ApiStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** Non-2xx answer from the API server. Branch on `code` (404, 409, 410, 422, 429), never on text. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  readonly status: ApiStatus | undefined;
  /** From a 429/503 `Retry-After` header, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: number,
    status: ApiStatus | undefined,
    method: string,
    path: string,
    retryAfterMs?: number,
  ) {
    super(`${method} ${path}: ${code} ${status?.reason ?? ""} ${status?.message ?? ""}`.trim());
    this.name = "KubeApiError";
    this.code = code;
    this.reason = status?.reason;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** True if `err` is an API error with the given HTTP status code. */
export function isApiError(err: unknown, code?: number): err is KubeApiError {
  return err instanceof KubeApiError && (code === undefined || err.code === code);
}

/** One request to the API server. */
export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialized as JSON unless already a string. */
  body?: unknown;
  contentType?: string;
  /** Accept header; default application/json (e.g. PartialObjectMetadata for metadata-only GETs). */
  accept?: string;
  signal?: AbortSignal;
}

/** Decoded JSON response. */
export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
  /** Texts of the API server's `Warning` headers (e.g. admission warnings), when there are any. */
  warnings?: string[];
}

/** `299 - "text"` warning header values → texts (RFC 7234 warn-text, as the API server sends them). */
export function parseWarnings(header: string | null): string[] {
  if (header === null) return [];
  return [...header.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((m) =>
    (m[1] ?? "").replace(/\\(.)/g, "$1"),
  );
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const secs = Number(value);
  return Number.isFinite(secs) && secs >= 0 ? secs * 1000 : undefined;
}

/** Options for `KubeHttp`. */
export interface KubeHttpOptions {
  /** Bounds every `request` (not `raw`, which streams watches); default 60 s. */
  requestTimeoutMs?: number;
  /** How long one connection pool is reused before client-node's current one replaces it; default 5 min. */
  dispatcherTtlMs?: number;
  /** Monotonic milliseconds (tests). */
  now?: () => number;
}

/** Minimal authenticated HTTP client over undici; use for list/watch and generic CRUD. */
export class KubeHttp {
  readonly #kc: KubeConfig;
  readonly #timeoutMs: number;
  readonly #dispatcherTtlMs: number;
  readonly #now: () => number;
  #dispatcher: { value: Dispatcher | undefined; at: number } | undefined;

  /**
   * `requestTimeoutMs` (default 60 s) bounds every `request` (not `raw`, which streams watches),
   * so a black-holed API server cannot hang a reconcile forever.
   */
  constructor(kc: KubeConfig, opts: KubeHttpOptions = {}) {
    this.#kc = kc;
    this.#timeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.#dispatcherTtlMs = opts.dispatcherTtlMs ?? 5 * 60_000;
    this.#now = opts.now ?? ((): number => performance.now());
  }

  /** Closes the pooled connections (after in-flight requests end). */
  async close(): Promise<void> {
    const d = this.#dispatcher?.value;
    this.#dispatcher = undefined;
    await d?.close();
  }

  /** The pooled dispatcher, or `fresh` (client-node's per-request one) when the TTL expired. */
  #pooled(fresh: Dispatcher | undefined): Dispatcher | undefined {
    const now = this.#now();
    const cur = this.#dispatcher;
    if (cur !== undefined && now - cur.at < this.#dispatcherTtlMs) {
      // The one client-node just built has no connections yet; nothing to close.
      return cur.value;
    }
    this.#dispatcher = { value: fresh, at: now };
    // Graceful: waits for in-flight requests (including open watches) on the old pool.
    cur?.value?.close().catch(() => undefined);
    return fresh;
  }

  /** Builds the URL and auth headers; auth is applied per request so exec/OIDC tokens refresh. */
  async #prepare(
    req: KubeRequest,
  ): Promise<{ url: URL; headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const cluster = this.#kc.getCurrentCluster();
    if (cluster === null) throw new Error("No current cluster in kubeconfig");
    const url = new URL(cluster.server.replace(/\/+$/, "") + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const ctx = new RequestContext(url.toString(), HttpMethod[req.method]);
    await this.#kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = {
      ...ctx.getHeaders(),
      accept: req.accept ?? "application/json",
    };
    if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
    return { url, headers, dispatcher: this.#pooled(ctx.getDispatcher()) };
  }

  /** Sends the request and returns the raw response; the caller must consume or cancel the body. */
  async raw(req: KubeRequest): Promise<Response> {
    const { url, headers, dispatcher } = await this.#prepare(req);
    const body =
      req.body === undefined
        ? undefined
        : typeof req.body === "string"
          ? req.body
          : JSON.stringify(req.body);
    const init: Parameters<typeof fetch>[1] = { method: req.method, headers };
    if (body !== undefined) init.body = body;
    if (dispatcher !== undefined) init.dispatcher = dispatcher;
    if (req.signal !== undefined) init.signal = req.signal;
    return fetch(url, init);
  }

  /** Sends the request, decodes JSON, and throws `KubeApiError` on non-2xx. */
  async request<T = unknown>(req: KubeRequest): Promise<KubeResponse<T>> {
    const timeout = AbortSignal.timeout(Math.ceil(this.#timeoutMs));
    const signal = req.signal === undefined ? timeout : AbortSignal.any([req.signal, timeout]);
    const res = await this.raw({ ...req, signal });
    const text = await res.text();
    let body: unknown = undefined;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = { message: text.slice(0, 500) };
      }
    }
    if (res.status < 200 || res.status > 299) {
      throw new KubeApiError(
        res.status,
        body as ApiStatus | undefined,
        req.method,
        req.path,
        parseRetryAfter(res.headers.get("retry-after")),
      );
    }
    const warnings = parseWarnings(res.headers.get("warning"));
    return { status: res.status, body: body as T, ...(warnings.length > 0 ? { warnings } : {}) };
  }

  /** Throws a `KubeApiError` for a non-2xx streamed response after reading its body. */
  static async errorFrom(res: Response, req: KubeRequest): Promise<KubeApiError> {
    let status: ApiStatus | undefined;
    try {
      status = (await res.json()) as ApiStatus;
    } catch {
      status = undefined;
    }
    return new KubeApiError(
      res.status,
      status,
      req.method,
      req.path,
      parseRetryAfter(res.headers.get("retry-after")),
    );
  }
}
