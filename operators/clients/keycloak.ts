// Keycloak admin REST client for the Tenant controller. Authenticates with the client-credentials
// grant of a confidential client in the master realm, caches the access token until shortly before
// it expires (refreshes once on a 401), counts admin API calls in keycloak_requests_total{method,code},
// and never puts a token, a secret or a request body into an error message or log line.

/** Counter surface (prom-client Counter) so the client does not depend on a registry. */
export interface RequestCounter {
  inc(labels: { method: string; code: string }): void;
}

export interface KeycloakAdminOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 (no trailing /admin). */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Realm the operator's client lives in; default master. */
  authRealm?: string;
  counter?: RequestCounter;
  /** Per-request timeout; default 30 s (creating a realm takes seconds on a busy Keycloak). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Keycloak answered with an error status. */
export class KeycloakError extends Error {
  override name = "KeycloakError";
  readonly status: number;
  constructor(method: string, path: string, status: number, detail: string) {
    super(`Keycloak ${method} ${path} answered ${status}${detail !== "" ? `: ${detail}` : ""}`);
    this.status = status;
  }
}

/** Keycloak could not be reached (connection refused, timeout, DNS). */
export class KeycloakUnreachableError extends Error {
  override name = "KeycloakUnreachableError";
}

export interface KeycloakResponse {
  status: number;
  body: unknown;
  location: string | undefined;
}

/** Short, secret-free detail of an error body (Keycloak's errorMessage / error fields only). */
function detailOf(text: string): string {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const m = j["errorMessage"] ?? j["error_description"] ?? j["error"];
    return typeof m === "string" ? m.slice(0, 200) : "";
  } catch {
    return "";
  }
}

export class KeycloakAdmin {
  readonly url: string;
  readonly #opts: KeycloakAdminOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  #token: { value: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(opts: KeycloakAdminOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
    this.#now = opts.now ?? Date.now;
  }

  /** Sends one request; `count` is false for token requests (the metric counts admin API calls). */
  async #send(method: string, url: string, init: RequestInit, count = true): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(url, {
        ...init,
        method,
        signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      if (count) this.#opts.counter?.inc({ method, code: "error" });
      const why =
        err instanceof Error
          ? err.cause instanceof Error
            ? err.cause.message
            : err.message
          : String(err);
      throw new KeycloakUnreachableError(`Keycloak at ${this.url} is unreachable: ${why}`);
    }
    if (count) this.#opts.counter?.inc({ method, code: String(res.status) });
    return res;
  }

  /** A valid access token (cached; one refresh in flight at a time). */
  async token(): Promise<string> {
    const t = this.#token;
    if (t !== undefined && t.expiresAt > this.#now()) return t.value;
    this.#pending ??= this.#fetchToken().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  async #fetchToken(): Promise<string> {
    const realm = encodeURIComponent(this.#opts.authRealm ?? "master");
    const path = `/realms/${realm}/protocol/openid-connect/token`;
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.#opts.clientId,
      client_secret: this.#opts.clientSecret,
    });
    const res = await this.#send(
      "POST",
      `${this.url}${path}`,
      { headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() },
      false,
    );
    const text = await res.text();
    if (!res.ok) throw new KeycloakError("POST", path, res.status, detailOf(text));
    const j = JSON.parse(text) as { access_token?: string; expires_in?: number };
    if (typeof j.access_token !== "string")
      throw new KeycloakError("POST", path, res.status, "no access_token in response");
    // Refresh 30 s early (or at half life for short-lived tokens) so a call never carries an expired one.
    const life = (j.expires_in ?? 60) * 1000;
    this.#token = {
      value: j.access_token,
      expiresAt: this.#now() + Math.max(life - 30_000, life / 2),
    };
    return j.access_token;
  }

  /** Forgets the cached token (e.g. after the credentials changed). */
  invalidate(): void {
    this.#token = undefined;
  }

  /**
   * Calls the admin API (`path` below /admin/realms). Throws KeycloakError on a non-2xx status
   * (404 included: callers that expect it catch it), KeycloakUnreachableError on network failure.
   */
  async request(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<KeycloakResponse> {
    const full = `/admin/realms${path}`;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${await this.token()}`,
        accept: "application/json",
      };
      const init: RequestInit = { headers };
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const res = await this.#send(method, `${this.url}${full}`, init);
      const text = await res.text();
      if (res.status === 401 && attempt === 0) {
        this.invalidate();
        continue;
      }
      if (!res.ok) throw new KeycloakError(method, full, res.status, detailOf(text));
      let parsed: unknown = undefined;
      if (text !== "") {
        try {
          parsed = JSON.parse(text) as unknown;
        } catch {
          parsed = text;
        }
      }
      return {
        status: res.status,
        body: parsed,
        location: res.headers.get("location") ?? undefined,
      };
    }
  }
}

/** True for errors that mean "try again later" (unreachable, 5xx, 429). */
export function isTransientKeycloakError(err: unknown): boolean {
  if (err instanceof KeycloakUnreachableError) return true;
  return err instanceof KeycloakError && (err.status >= 500 || err.status === 429);
}
