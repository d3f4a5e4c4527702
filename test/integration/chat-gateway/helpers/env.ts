// Environment of the chat-gateway integration tests: they FAIL (never skip) without a service.

/** Returns a required environment variable or throws a message saying what to start. */
export function requireEnv(name: "DATABASE_URL" | "REDIS_URL" | "KEYCLOAK_URL"): string {
  const v = process.env[name];
  if (v === undefined || v === "") {
    throw new Error(
      `${name} is not set: the chat-gateway integration tests need real PostgreSQL 15 (+pgvector), Redis and Keycloak; run them through hack/test.sh (or export DATABASE_URL, REDIS_URL, KEYCLOAK_URL)`,
    );
  }
  return v;
}

/** A short random suffix for names that must not collide between runs. */
export function suffix(): string {
  return Math.random().toString(36).slice(2, 8);
}

/** Polls `fn` until it returns something other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const cause = lastErr instanceof Error ? `: last error ${lastErr.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
