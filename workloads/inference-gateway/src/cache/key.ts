/**
 * Request normalisation for the response cache: which requests are deterministic, and a key
 * that is equal for requests that must produce the same answer.
 */
import { createHash } from "node:crypto";

/** Fields that do not change the answer and are dropped from the key. */
const IGNORED = new Set(["stream", "stream_options", "user", "metadata", "store", "service_tier"]);

/** A chat request is cacheable when it is deterministic: temperature 0 and one choice. */
export function isCacheable(body: Record<string, unknown>): boolean {
  if (body["temperature"] !== 0) return false;
  const n = body["n"];
  if (n !== undefined && n !== null && n !== 1) return false;
  return body["logprobs"] !== true;
}

/** Canonical JSON: object keys sorted recursively, `undefined` and ignored top-level fields dropped. */
export function canonicalJSON(value: unknown, top = true): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJSON(v, false))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => v !== undefined && !(top && IGNORED.has(k)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v, false)}`).join(",")}}`;
  }
  const s = JSON.stringify(value) as string | undefined;
  return s ?? "null";
}

/**
 * Cache key of a request: tenant, endpoint and canonical model (aliases resolved) plus the
 * SHA-256 of the normalised body. The tenant is a Redis hash tag so a tenant's keys share a slot.
 */
export function cacheKey(
  tenant: string,
  endpoint: string,
  model: string,
  body: Record<string, unknown>,
): string {
  const digest = createHash("sha256")
    .update(canonicalJSON({ ...body, model }))
    .digest("hex");
  return `igw:{${tenant}}:cache:${endpoint}:${digest}`;
}
