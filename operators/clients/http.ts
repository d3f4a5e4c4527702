// Raw JSON transport to the API server, authenticated through KubeConfig. We bypass the generated
// clients so every object stays plain JSON (no Date conversion, no model-based field dropping) and
// so watches can be streamed and aborted by our own watchdog.
import { HttpMethod, RequestContext } from "@kubernetes/client-node";
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
  details?: { name?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** Non-2xx answer from the API server. Branch on `code` (404, 409, 410, 422, 429), never on text. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  readonly status: ApiStatus | undefined;
  /** From a 429/503 `Retry-After` header, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(code: number, status: ApiStatus | undefined, method: string, path: string, retryAfterMs?: number) {
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
  signal?: AbortSignal;
}

/** Decoded JSON response. */
export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const secs = Number(value);
  return Number.isFinite(secs) && secs >= 0 ? secs * 1000 : undefined;
}

/** Minimal authenticated HTTP client over undici; use for list/watch and generic CRUD. */
export class KubeHttp {
  readonly #kc: KubeConfig;
  readonly #timeoutMs: number;

  /**
   * `requestTimeoutMs` (default 60 s) bounds every `request` (not `raw`, which streams watches),
   * so a black-holed API server cannot hang a reconcile forever.
   */
  constructor(kc: KubeConfig, opts: { requestTimeoutMs?: number } = {}) {
    this.#kc = kc;
    this.#timeoutMs = opts.requestTimeoutMs ?? 60_000;
  }

  /** Builds the URL and auth headers; auth is applied per request so exec/OIDC tokens refresh. */
  async #prepare(req: KubeRequest): Promise<{ url: URL; headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const cluster = this.#kc.getCurrentCluster();
    if (cluster === null) throw new Error("No current cluster in kubeconfig");
    const url = new URL(cluster.server.replace(/\/+$/, "") + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const ctx = new RequestContext(url.toString(), HttpMethod[req.method]);
    await this.#kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { ...ctx.getHeaders(), accept: "application/json" };
    if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
    return { url, headers, dispatcher: ctx.getDispatcher() };
  }

  /** Sends the request and returns the raw response; the caller must consume or cancel the body. */
  async raw(req: KubeRequest): Promise<Response> {
    const { url, headers, dispatcher } = await this.#prepare(req);
    const body = req.body === undefined ? undefined : typeof req.body === "string" ? req.body : JSON.stringify(req.body);
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
      throw new KubeApiError(res.status, body as ApiStatus | undefined, req.method, req.path, parseRetryAfter(res.headers.get("retry-after")));
    }
    return { status: res.status, body: body as T };
  }

  /** Throws a `KubeApiError` for a non-2xx streamed response after reading its body. */
  static async errorFrom(res: Response, req: KubeRequest): Promise<KubeApiError> {
    let status: ApiStatus | undefined;
    try {
      status = (await res.json()) as ApiStatus;
    } catch {
      status = undefined;
    }
    return new KubeApiError(res.status, status, req.method, req.path, parseRetryAfter(res.headers.get("retry-after")));
  }
}
