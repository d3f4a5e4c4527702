// OpenID Connect for a public browser client: authorization code flow with PKCE (S256), refresh
// before expiry, and RP-initiated logout, against the tenant's Keycloak realm. No library: the flow
// is small, and every step is here to read. Storage and fetch are injected so the flow is testable
// in Node; tokens live in sessionStorage (per tab, gone with the tab), never in a URL after login.
// A new tab has no tokens of its own: it asks the realm silently (prompt=none), so a browser that
// is signed in to Keycloak gets the new tab signed in without a form, and one that is not gets the
// Sign in button. Tokens are never shared through localStorage or cookies of ours.

export interface OidcSettings {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scope?: string;
}

export interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
  /** Epoch ms at which the access token expires. */
  expiresAt: number;
  /** Epoch ms at which the refresh token expires (undefined: unknown). */
  refreshExpiresAt: number | undefined;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** What the token calls need besides their own arguments. */
export interface OidcContext {
  settings: OidcSettings;
  discovery: Discovery;
  store: KeyValueStore;
  fetchFn: FetchLike;
  now: number;
}

const PENDING = "chat.oidc.pending";
const TOKENS = "chat.oidc.tokens";

export class OidcError extends Error {
  override name = "OidcError";
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A random URL-safe string of `bytes` random bytes (verifier, state, nonce). */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** RFC 7636 S256 challenge of a verifier. */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export async function discover(issuer: string, fetchFn: FetchLike): Promise<Discovery> {
  const res = await fetchFn(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!res.ok) throw new OidcError(`discovery failed: HTTP ${res.status}`);
  const d = (await res.json()) as Partial<Discovery>;
  if (typeof d.authorization_endpoint !== "string" || typeof d.token_endpoint !== "string") {
    throw new OidcError("discovery document lacks authorization_endpoint or token_endpoint");
  }
  return d as Discovery;
}

/**
 * Builds the authorization URL and remembers verifier, state and where to return to. `silent`
 * asks the realm not to show anything (prompt=none): it answers with a code when its own session
 * (its cookie, on its origin) is signed in, else with `login_required`.
 */
export async function authorizationUrl(
  s: OidcSettings,
  d: Discovery,
  store: KeyValueStore,
  returnTo: string,
  silent = false,
): Promise<string> {
  const verifier = randomToken(48);
  const state = randomToken(16);
  const nonce = randomToken(16);
  store.setItem(PENDING, JSON.stringify({ verifier, state, nonce, returnTo, silent }));
  const q = new URLSearchParams({
    response_type: "code",
    client_id: s.clientId,
    redirect_uri: s.redirectUri,
    scope: s.scope ?? "openid",
    state,
    nonce,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: "S256",
  });
  if (silent) q.set("prompt", "none");
  return `${d.authorization_endpoint}?${q.toString()}`;
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  refresh_expires_in?: number;
  error?: string;
  error_description?: string;
}

async function tokenRequest(
  d: Discovery,
  body: URLSearchParams,
  fetchFn: FetchLike,
  now: number,
): Promise<Tokens> {
  const res = await fetchFn(d.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
  const t = (await res.json().catch(() => ({}))) as TokenResponse;
  if (!res.ok || typeof t.access_token !== "string") {
    throw new OidcError(`token endpoint refused: ${t.error ?? `HTTP ${res.status}`}`);
  }
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    idToken: t.id_token,
    expiresAt: now + (t.expires_in ?? 60) * 1000,
    refreshExpiresAt:
      t.refresh_expires_in === undefined || t.refresh_expires_in === 0
        ? undefined
        : now + t.refresh_expires_in * 1000,
  };
}

/** What a silent (prompt=none) request may answer when the realm would need the user (OIDC 3.1.2.6). */
const SILENT_REFUSALS = new Set([
  "login_required",
  "interaction_required",
  "consent_required",
  "account_selection_required",
]);

/**
 * Completes the login from the redirect URL's query; returns the tokens and where to go back to.
 * `tokens` is undefined only when a silent request found no usable realm session (then the page
 * shows Sign in); every other failure throws.
 */
export async function completeLogin(
  ctx: OidcContext,
  query: URLSearchParams,
): Promise<{ tokens: Tokens | undefined; returnTo: string }> {
  const { settings: s, discovery: d, store, fetchFn, now } = ctx;
  const raw = store.getItem(PENDING);
  store.removeItem(PENDING);
  if (raw === null) {
    const error = query.get("error");
    throw new OidcError(
      error === null ? "no login in progress in this tab" : `login failed: ${error}`,
    );
  }
  const pending = JSON.parse(raw) as {
    verifier: string;
    state: string;
    returnTo: string;
    silent?: boolean;
  };
  if (query.get("state") !== pending.state)
    throw new OidcError("state mismatch: the login response is not for this tab");
  const error = query.get("error");
  if (error !== null) {
    if (pending.silent === true && SILENT_REFUSALS.has(error))
      return { tokens: undefined, returnTo: pending.returnTo };
    throw new OidcError(`login failed: ${error}`);
  }
  const code = query.get("code");
  if (code === null) throw new OidcError("no authorization code in the response");
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: s.redirectUri,
    client_id: s.clientId,
    code_verifier: pending.verifier,
  });
  const tokens = await tokenRequest(d, body, fetchFn, now);
  saveTokens(store, tokens);
  return { tokens, returnTo: pending.returnTo };
}

/** Exchanges the refresh token for new tokens (silent refresh). */
export async function refreshTokens(ctx: OidcContext, t: Tokens): Promise<Tokens> {
  const { settings: s, discovery: d, store, fetchFn, now } = ctx;
  if (t.refreshToken === undefined) throw new OidcError("no refresh token");
  const body = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: t.refreshToken,
    client_id: s.clientId,
  });
  const tokens = await tokenRequest(d, body, fetchFn, now);
  saveTokens(store, tokens);
  return tokens;
}

/** When to refresh: a little before expiry (a fifth of the lifetime left, at least 5 s). */
export function refreshDelayMs(t: Tokens, issuedAt: number, now: number): number {
  const lifetime = t.expiresAt - issuedAt;
  const margin = Math.max(5_000, lifetime / 5);
  return Math.max(0, t.expiresAt - margin - now);
}

export function saveTokens(store: KeyValueStore, t: Tokens): void {
  store.setItem(TOKENS, JSON.stringify(t));
}

export function loadTokens(store: KeyValueStore, now: number): Tokens | undefined {
  const raw = store.getItem(TOKENS);
  if (raw === null) return undefined;
  try {
    const t = JSON.parse(raw) as Tokens;
    const refreshable =
      t.refreshToken !== undefined &&
      (t.refreshExpiresAt === undefined || t.refreshExpiresAt > now);
    return t.expiresAt > now || refreshable ? t : undefined;
  } catch {
    return undefined;
  }
}

export function clearTokens(store: KeyValueStore): void {
  store.removeItem(TOKENS);
}

/** RP-initiated logout URL (ends the Keycloak session too), or undefined when not offered. */
export function logoutUrl(
  s: OidcSettings,
  d: Discovery,
  t: Tokens | undefined,
  postLogout: string,
): string | undefined {
  if (d.end_session_endpoint === undefined) return undefined;
  const q = new URLSearchParams({ client_id: s.clientId, post_logout_redirect_uri: postLogout });
  if (t?.idToken !== undefined) q.set("id_token_hint", t.idToken);
  return `${d.end_session_endpoint}?${q.toString()}`;
}

/** The `sub` and `preferred_username` of an access token (display only; never trusted). */
export function tokenIdentity(accessToken: string): { sub: string; name: string } {
  try {
    const part = accessToken.split(".")[1] ?? "";
    const json = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as Record<
      string,
      unknown
    >;
    const sub = typeof json["sub"] === "string" ? json["sub"] : "";
    const name = typeof json["preferred_username"] === "string" ? json["preferred_username"] : sub;
    return { sub, name };
  } catch {
    return { sub: "", name: "" };
  }
}
