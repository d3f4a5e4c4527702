// Authentication and authorisation of /metrics, as controller-runtime's
// filters.WithAuthenticationAndAuthorization does it: the caller's bearer token is checked with a
// TokenReview, then the user it names must be allowed `get` on the non-resource URL /metrics by a
// SubjectAccessReview (Prometheus gets that through a ClusterRole such as
// librechat-operators-metrics-reader). Answers are cached per token hash for a short time, as the
// API server's own delegating authenticator and authorizer do, so a scrape every few seconds costs
// two API calls per minute, not two per scrape. Tokens never reach logs or the cache in clear.
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** What the filter decided: 401 without a valid token, 403 when the user may not read metrics. */
export type MetricsDecision = "allowed" | "unauthenticated" | "forbidden";

/** The two API calls the filter makes (KubeHttp.request in production, a stand-in in unit tests). */
export type ReviewPoster = (
  path: string,
  body: unknown,
) => Promise<{ status: number; body: unknown }>;

export interface MetricsAuthOptions {
  /** How long a decision is reused for the same token; default 60 s. */
  ttlMs?: number;
  /** Cache bound (oldest entries go first); default 1,000 tokens. */
  maxEntries?: number;
  now?: () => number;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

/** The bearer token of a request, or undefined. */
export function bearerToken(req: Pick<IncomingMessage, "headers">): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** Decides whether a token may read /metrics; memoised per token hash. */
export class MetricsAuthorizer {
  readonly #post: ReviewPoster;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { decision: MetricsDecision; at: number }>();

  constructor(post: ReviewPoster, opts: MetricsAuthOptions = {}) {
    this.#post = post;
    this.#ttlMs = opts.ttlMs ?? 60_000;
    this.#max = opts.maxEntries ?? 1_000;
    this.#now = opts.now ?? Date.now;
  }

  async decide(token: string | undefined): Promise<MetricsDecision> {
    if (token === undefined || token === "") return "unauthenticated";
    const key = createHash("sha256").update(token).digest("hex");
    const hit = this.#cache.get(key);
    if (hit !== undefined && this.#now() - hit.at < this.#ttlMs) return hit.decision;
    const decision = await this.#review(token);
    this.#cache.delete(key);
    this.#cache.set(key, { decision, at: this.#now() });
    while (this.#cache.size > this.#max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    return decision;
  }

  async #review(token: string): Promise<MetricsDecision> {
    const tr = await this.#post("/apis/authentication.k8s.io/v1/tokenreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token },
    });
    if (tr.status >= 300) throw new Error(`TokenReview failed with HTTP ${String(tr.status)}`);
    const user = (tr.body as { status?: TokenReviewStatus }).status;
    if (user?.authenticated !== true || user.user?.username === undefined) return "unauthenticated";
    const sar = await this.#post("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: user.user.username,
        ...(user.user.uid !== undefined ? { uid: user.user.uid } : {}),
        groups: user.user.groups ?? [],
        ...(user.user.extra !== undefined ? { extra: user.user.extra } : {}),
        nonResourceAttributes: { path: "/metrics", verb: "get" },
      },
    });
    if (sar.status >= 300)
      throw new Error(`SubjectAccessReview failed with HTTP ${String(sar.status)}`);
    const allowed = (sar.body as { status?: { allowed?: boolean } }).status?.allowed === true;
    return allowed ? "allowed" : "forbidden";
  }
}
