// Unit tests of the /metrics authorizer: decisions from TokenReview and SubjectAccessReview
// answers, what is sent, per-token caching with expiry and bound, failures surfacing as errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetricsAuthorizer, bearerToken } from "./metrics-auth.ts";
import type { ReviewPoster } from "./metrics-auth.ts";

/** Answers reviews from two tables: token → user, user → allowed. Records every call. */
function reviewer(users: Record<string, string>, allowed: Set<string>) {
  const calls: { path: string; body: unknown }[] = [];
  const post: ReviewPoster = (path, body) => {
    calls.push({ path, body });
    if (path.endsWith("/tokenreviews")) {
      const token = (body as { spec: { token: string } }).spec.token;
      const user = users[token];
      return Promise.resolve({
        status: 201,
        body: {
          status:
            user === undefined
              ? { authenticated: false }
              : { authenticated: true, user: { username: user, groups: ["g"] } },
        },
      });
    }
    const user = (body as { spec: { user: string } }).spec.user;
    return Promise.resolve({ status: 201, body: { status: { allowed: allowed.has(user) } } });
  };
  return { post, calls };
}

const cases = [
  { name: "no token", token: undefined, want: "unauthenticated", calls: 0 },
  { name: "empty token", token: "", want: "unauthenticated", calls: 0 },
  { name: "unknown token", token: "forged", want: "unauthenticated", calls: 1 },
  { name: "user without get /metrics", token: "t-nobody", want: "forbidden", calls: 2 },
  { name: "user with get /metrics", token: "t-prom", want: "allowed", calls: 2 },
] as const;
for (const c of cases) {
  test(`MetricsAuthorizer: ${c.name} → ${c.want}`, async () => {
    const r = reviewer({ "t-nobody": "nobody", "t-prom": "prom" }, new Set(["prom"]));
    const a = new MetricsAuthorizer(r.post);
    assert.equal(await a.decide(c.token), c.want);
    assert.equal(r.calls.length, c.calls);
  });
}

test("the SubjectAccessReview asks for get on the non-resource URL /metrics for the reviewed user", async () => {
  const r = reviewer({ t: "prom" }, new Set(["prom"]));
  await new MetricsAuthorizer(r.post).decide("t");
  assert.deepEqual((r.calls[1]?.body as { spec: unknown }).spec, {
    user: "prom",
    groups: ["g"],
    nonResourceAttributes: { path: "/metrics", verb: "get" },
  });
});

test("decisions are cached per token until the TTL, and the cache is bounded", async () => {
  let now = 0;
  const r = reviewer({ a: "prom", b: "prom", c: "prom" }, new Set(["prom"]));
  const auth = new MetricsAuthorizer(r.post, { ttlMs: 1000, maxEntries: 2, now: () => now });
  await auth.decide("a");
  await auth.decide("a");
  assert.equal(r.calls.length, 2, "second scrape answered from the cache");
  now = 1000;
  await auth.decide("a");
  assert.equal(r.calls.length, 4, "expired: reviewed again");
  await auth.decide("b");
  await auth.decide("c"); // evicts "a", the oldest
  const before: number = r.calls.length;
  await auth.decide("a");
  assert.equal(r.calls.length, before + 2, "evicted token reviewed again");
});

test("a failing review is an error (the handler answers 503), not a decision", async () => {
  const auth = new MetricsAuthorizer(() => Promise.resolve({ status: 500, body: {} }));
  await assert.rejects(auth.decide("t"), /TokenReview failed with HTTP 500/);
});

test("bearerToken reads only the Bearer scheme", () => {
  assert.equal(bearerToken({ headers: { authorization: "Bearer abc.def" } }), "abc.def");
  assert.equal(bearerToken({ headers: { authorization: "bearer x" } }), "x");
  assert.equal(bearerToken({ headers: { authorization: "Basic YTpi" } }), undefined);
  assert.equal(bearerToken({ headers: {} }), undefined);
});
