// Who the page is signed in as, and a current access token on demand. Wraps the OIDC flow with
// the browser's storage, location and timers: a refresh is scheduled before expiry, and a token
// that is about to expire is refreshed before it is handed out (the WebSocket connect and every
// HTTP call ask here). A refresh that fails leaves the view as it is and asks to sign in again.
// A tab without tokens (a new tab, a link opened from elsewhere) first asks the realm silently
// (prompt=none, a top-level redirect: no iframe, no third-party cookie): a browser signed in to
// Keycloak stays signed in in every tab, as users expect, while each tab keeps its own tokens in
// its own sessionStorage. Once per tab, so a realm that says login_required shows Sign in.
import type { Discovery, OidcContext, OidcSettings, Tokens } from "./lib/oidc.ts";
import {
  authorizationUrl,
  clearTokens,
  completeLogin,
  discover,
  loadTokens,
  logoutUrl,
  refreshDelayMs,
  refreshTokens,
  tokenIdentity,
} from "./lib/oidc.ts";

export interface WebConfig {
  issuer: string;
  clientId: string;
  /** http(s) base URLs of the chat fleet; the page's own origin when empty. */
  endpoints: string[];
  models: string[];
  defaultModel: string;
}

/** Set when this tab has asked the realm silently; cleared by a sign-in, set by a sign-out. */
const SILENT_TRIED = "chat.oidc.silent-tried";

export class Session {
  readonly settings: OidcSettings;
  /** True while the page is on its way to the realm (the caller renders nothing more). */
  redirecting = false;
  readonly #d: Discovery;
  #tokens: Tokens | undefined;
  #issuedAt = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<Tokens> | undefined;
  onExpired: () => void = () => undefined;
  onChange: () => void = () => undefined;

  private constructor(settings: OidcSettings, d: Discovery) {
    this.settings = settings;
    this.#d = d;
  }

  /** Discovers the realm and finishes a login redirect if this load is one. */
  static async open(cfg: WebConfig): Promise<Session> {
    const settings: OidcSettings = {
      issuer: cfg.issuer,
      clientId: cfg.clientId,
      redirectUri: `${location.origin}/`,
    };
    const s = new Session(settings, await discover(cfg.issuer, (u, i) => fetch(u, i)));
    const q = new URLSearchParams(location.search);
    if (q.has("code") || q.has("error")) {
      const { tokens, returnTo } = await completeLogin(s.#ctx(), q);
      // The code must not stay in the address bar or the history.
      history.replaceState(null, "", returnTo);
      if (tokens !== undefined) s.#set(tokens);
    } else {
      const t = loadTokens(sessionStorage, Date.now());
      if (t !== undefined) s.#set(t);
      else if (sessionStorage.getItem(SILENT_TRIED) === null) await s.#silentSignIn();
    }
    return s;
  }

  async #silentSignIn(): Promise<void> {
    sessionStorage.setItem(SILENT_TRIED, "1");
    this.redirecting = true;
    location.assign(
      await authorizationUrl(
        this.settings,
        this.#d,
        sessionStorage,
        `${location.pathname}${location.hash}`,
        true,
      ),
    );
  }

  #ctx(): OidcContext {
    return {
      settings: this.settings,
      discovery: this.#d,
      store: sessionStorage,
      fetchFn: (u, i) => fetch(u, i),
      now: Date.now(),
    };
  }

  get signedIn(): boolean {
    return this.#tokens !== undefined;
  }

  get identity(): { sub: string; name: string } {
    return this.#tokens === undefined
      ? { sub: "", name: "" }
      : tokenIdentity(this.#tokens.accessToken);
  }

  async signIn(): Promise<void> {
    location.assign(
      await authorizationUrl(
        this.settings,
        this.#d,
        sessionStorage,
        `${location.pathname}${location.hash}`,
      ),
    );
  }

  signOut(): void {
    const url = logoutUrl(this.settings, this.#d, this.#tokens, `${location.origin}/`);
    clearTokens(sessionStorage);
    // Signed out on purpose: coming back must not sign in again silently.
    sessionStorage.setItem(SILENT_TRIED, "1");
    this.#tokens = undefined;
    clearTimeout(this.#timer);
    if (url !== undefined) location.assign(url);
    else this.onChange();
  }

  /** A token valid for at least a few more seconds, refreshing first when needed. */
  async token(): Promise<string> {
    const t = this.#tokens;
    if (t === undefined) throw new Error("not signed in");
    if (t.expiresAt - Date.now() > 10_000) return t.accessToken;
    return (await this.#refresh()).accessToken;
  }

  #set(t: Tokens): void {
    this.#tokens = t;
    // Signed in: should this tab lose its tokens later, it may ask the realm silently again.
    sessionStorage.removeItem(SILENT_TRIED);
    this.#issuedAt = Date.now();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        void this.#refresh().catch(() => undefined);
      },
      refreshDelayMs(t, this.#issuedAt, Date.now()),
    );
    this.onChange();
  }

  #refresh(): Promise<Tokens> {
    const t = this.#tokens;
    if (t === undefined) return Promise.reject(new Error("not signed in"));
    this.#refreshing ??= refreshTokens(this.#ctx(), t)
      .then(
        (fresh) => {
          this.#set(fresh);
          return fresh;
        },
        (err: unknown) => {
          this.onExpired();
          throw err;
        },
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }
}
