// Tests for the OIDC code flow pieces: the RFC 7636 S256 vector, the authorization request, the
// state check, the token exchange and refresh (token endpoint stubbed: Keycloak itself is driven
// in the browser tests), and token lifetime handling.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { Discovery, KeyValueStore, OidcContext, Tokens } from "./oidc.ts";
import {
  authorizationUrl,
  completeLogin,
  loadTokens,
  logoutUrl,
  pkceChallenge,
  refreshDelayMs,
  refreshTokens,
} from "./oidc.ts";

class MemStore implements KeyValueStore {
  readonly m = new Map<string, string>();
  getItem(k: string): string | null {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.m.set(k, v);
  }
  removeItem(k: string): void {
    this.m.delete(k);
  }
}

const d: Discovery = {
  authorization_endpoint: "http://kc/realms/a/protocol/openid-connect/auth",
  token_endpoint: "http://kc/realms/a/protocol/openid-connect/token",
  end_session_endpoint: "http://kc/realms/a/protocol/openid-connect/logout",
};
const settings = { issuer: "http://kc/realms/a", clientId: "chat-web", redirectUri: "http://app/" };

function tokenEndpoint(
  seen: URLSearchParams[],
  answer: Record<string, unknown>,
  status = 200,
): OidcContext["fetchFn"] {
  return (_url, init) => {
    seen.push(new URLSearchParams(init?.body as string));
    return Promise.resolve(
      new Response(JSON.stringify(answer), {
        status,
        headers: { "content-type": "application/json" },
      }),
    );
  };
}

test("S256 challenge matches RFC 7636 appendix B", async () => {
  assert.equal(
    await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
});

test("authorization request carries PKCE, state and nonce; the exchange sends the verifier", async () => {
  const store = new MemStore();
  const url = new URL(await authorizationUrl(settings, d, store, "/#/c/1"));
  const q = url.searchParams;
  assert.equal(url.origin + url.pathname, d.authorization_endpoint);
  assert.deepEqual(
    [
      q.get("response_type"),
      q.get("client_id"),
      q.get("redirect_uri"),
      q.get("code_challenge_method"),
      q.get("scope"),
    ],
    ["code", "chat-web", "http://app/", "S256", "openid"],
  );
  const pending = JSON.parse(store.getItem("chat.oidc.pending") ?? "{}") as {
    verifier: string;
    state: string;
  };
  assert.equal(q.get("code_challenge"), await pkceChallenge(pending.verifier));

  const seen: URLSearchParams[] = [];
  const ctx: OidcContext = {
    settings,
    discovery: d,
    store,
    now: 1_000,
    fetchFn: tokenEndpoint(seen, {
      access_token: "AT",
      refresh_token: "RT",
      id_token: "IT",
      expires_in: 300,
      refresh_expires_in: 1800,
    }),
  };
  const { tokens, returnTo } = await completeLogin(
    ctx,
    new URLSearchParams({ code: "C", state: pending.state }),
  );
  assert.equal(returnTo, "/#/c/1");
  assert.deepEqual(tokens, {
    accessToken: "AT",
    refreshToken: "RT",
    idToken: "IT",
    expiresAt: 301_000,
    refreshExpiresAt: 1_801_000,
  });
  assert.deepEqual(Object.fromEntries(seen[0]!), {
    grant_type: "authorization_code",
    code: "C",
    redirect_uri: "http://app/",
    client_id: "chat-web",
    code_verifier: pending.verifier,
  });
  assert.equal(store.getItem("chat.oidc.pending"), null, "the verifier is single use");
});

test("a response for another tab (state mismatch) or an error is refused", async () => {
  const store = new MemStore();
  await authorizationUrl(settings, d, store, "/");
  const ctx: OidcContext = {
    settings,
    discovery: d,
    store,
    now: 0,
    fetchFn: tokenEndpoint([], {}),
  };
  await assert.rejects(
    completeLogin(ctx, new URLSearchParams({ code: "C", state: "forged" })),
    /state mismatch/,
  );
  await assert.rejects(
    completeLogin(ctx, new URLSearchParams({ error: "access_denied" })),
    /login failed: access_denied/,
  );
});

test("a silent request (new tab) asks prompt=none; no realm session means Sign in, not an error", async () => {
  const store = new MemStore();
  const ctx: OidcContext = {
    settings,
    discovery: d,
    store,
    now: 0,
    fetchFn: tokenEndpoint([], { access_token: "AT", expires_in: 60 }),
  };
  const interactive = new URL(await authorizationUrl(settings, d, store, "/"));
  assert.equal(interactive.searchParams.get("prompt"), null, "the Sign in button shows the form");

  const url = new URL(await authorizationUrl(settings, d, store, "/#/c/2", true));
  assert.equal(url.searchParams.get("prompt"), "none");
  const state = url.searchParams.get("state") ?? "";
  assert.deepEqual(
    await completeLogin(ctx, new URLSearchParams({ error: "login_required", state })),
    { tokens: undefined, returnTo: "/#/c/2" },
  );

  // A realm that is signed in answers with a code, exchanged like any other.
  const again = new URL(await authorizationUrl(settings, d, store, "/#/c/2", true));
  const done = await completeLogin(
    ctx,
    new URLSearchParams({ code: "C", state: again.searchParams.get("state") ?? "" }),
  );
  assert.equal(done.tokens?.accessToken, "AT");

  // Other errors, a forged state, and refusals to an interactive request still fail.
  const forged = new URL(await authorizationUrl(settings, d, store, "/", true));
  assert.ok(forged.searchParams.get("state"));
  await assert.rejects(
    completeLogin(ctx, new URLSearchParams({ error: "login_required", state: "forged" })),
    /state mismatch/,
  );
  const denied = new URL(await authorizationUrl(settings, d, store, "/", true));
  await assert.rejects(
    completeLogin(
      ctx,
      new URLSearchParams({
        error: "access_denied",
        state: denied.searchParams.get("state") ?? "",
      }),
    ),
    /login failed: access_denied/,
  );
  const loud = new URL(await authorizationUrl(settings, d, store, "/"));
  await assert.rejects(
    completeLogin(
      ctx,
      new URLSearchParams({ error: "login_required", state: loud.searchParams.get("state") ?? "" }),
    ),
    /login failed: login_required/,
  );
});

test("refresh uses the refresh token; a refused refresh is an error; lifetimes decide what loads", async () => {
  const store = new MemStore();
  const seen: URLSearchParams[] = [];
  const old: Tokens = {
    accessToken: "A1",
    refreshToken: "R1",
    idToken: undefined,
    expiresAt: 100_000,
    refreshExpiresAt: 500_000,
  };
  const fresh = await refreshTokens(
    {
      settings,
      discovery: d,
      store,
      now: 90_000,
      fetchFn: tokenEndpoint(seen, { access_token: "A2", refresh_token: "R2", expires_in: 60 }),
    },
    old,
  );
  assert.equal(fresh.accessToken, "A2");
  assert.deepEqual(Object.fromEntries(seen[0]!), {
    grant_type: "refresh_token",
    refresh_token: "R1",
    client_id: "chat-web",
  });
  await assert.rejects(
    refreshTokens(
      {
        settings,
        discovery: d,
        store,
        now: 0,
        fetchFn: tokenEndpoint([], { error: "invalid_grant" }, 400),
      },
      old,
    ),
    /invalid_grant/,
  );

  assert.equal(loadTokens(store, 100_000)?.accessToken, "A2");
  assert.equal(
    loadTokens(store, 200_000)?.refreshToken,
    "R2",
    "expired, but its refresh token (lifetime not stated) may still work",
  );
  const dead = new MemStore();
  dead.setItem("chat.oidc.tokens", JSON.stringify({ ...old, refreshExpiresAt: 150_000 }));
  assert.equal(loadTokens(dead, 120_000)?.accessToken, "A1", "refreshable");
  assert.equal(
    loadTokens(dead, 160_000),
    undefined,
    "access and refresh token both expired: sign in again",
  );
  // Refresh at 4/5 of the lifetime, never less than 5 s before expiry.
  assert.equal(refreshDelayMs({ ...old, expiresAt: 300_000 }, 0, 0), 240_000);
  assert.equal(refreshDelayMs({ ...old, expiresAt: 20_000 }, 0, 0), 15_000);
  assert.equal(refreshDelayMs({ ...old, expiresAt: 20_000 }, 0, 19_000), 0);
});

test("logout ends the realm session and comes back", () => {
  const u = new URL(
    logoutUrl(
      settings,
      d,
      {
        accessToken: "A",
        refreshToken: undefined,
        idToken: "IT",
        expiresAt: 0,
        refreshExpiresAt: undefined,
      },
      "http://app/",
    ) ?? "",
  );
  assert.deepEqual(Object.fromEntries(u.searchParams), {
    client_id: "chat-web",
    post_logout_redirect_uri: "http://app/",
    id_token_hint: "IT",
  });
});
