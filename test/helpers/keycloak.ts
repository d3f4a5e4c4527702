// Admin REST helpers for the real Keycloak of the test environment (KEYCLOAK_URL, started by
// hack/services/keycloak.sh), used by the chat-gateway and inference-gateway OIDC tests.
// Plain fetch; a fresh admin token per call (master-realm tokens live 60 s).
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import { keycloakEnv } from "./testenv.ts";

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
  token_type: string;
  scope?: string;
}

function baseUrl(): string {
  return keycloakEnv().url.replace(/\/+$/, "");
}

/** The OIDC issuer of a realm, e.g. http://127.0.0.1:PORT/realms/acme */
export function issuerUrl(realm: string): string {
  return `${baseUrl()}/realms/${encodeURIComponent(realm)}`;
}

/** The JWKS endpoint of a realm (signing keys of its tokens). */
export function jwksUrl(realm: string): string {
  return `${issuerUrl(realm)}/protocol/openid-connect/certs`;
}

export function tokenUrl(realm: string): string {
  return `${issuerUrl(realm)}/protocol/openid-connect/token`;
}

async function tokenRequest(realm: string, form: Record<string, string>): Promise<TokenResponse> {
  const res = await fetch(tokenUrl(realm), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`token request to realm ${realm} failed: ${res.status} ${text}`);
  return JSON.parse(text) as TokenResponse;
}

/** An access token of the bootstrap admin (master realm, admin-cli). */
export async function adminToken(): Promise<string> {
  const env = keycloakEnv();
  const t = await tokenRequest("master", {
    grant_type: "password",
    client_id: "admin-cli",
    username: env.adminUser,
    password: env.adminPassword,
  });
  return t.access_token;
}

/** Calls the admin REST API (path below /admin/realms); throws on a non-2xx status. */
export async function adminFetch(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${await adminToken()}` };
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${baseUrl()}/admin/realms${path}`, init);
  if (!res.ok) {
    throw new Error(`Keycloak admin ${method} ${path} failed: ${res.status} ${await res.text()}`);
  }
  return res;
}

/** The last path segment of the Location header of a 201 (the new object's id). */
function createdId(res: Response): string {
  const loc = res.headers.get("location") ?? "";
  const id = loc.split("/").pop() ?? "";
  if (id === "") throw new Error("Keycloak did not return a Location header");
  return id;
}

export interface RealmOptions {
  displayName?: string;
  /** Access token lifetime in seconds (Keycloak default 300). */
  accessTokenLifespan?: number;
  /** Accept user attributes that the user profile does not declare (e.g. tenant). Default true. */
  unmanagedAttributes?: boolean;
  /** Any further RealmRepresentation fields. */
  extra?: Record<string, unknown>;
}

/** Creates an enabled realm. Unmanaged user attributes are enabled so `attributes` on users stick. */
export async function createRealm(name: string, opts: RealmOptions = {}): Promise<void> {
  const rep: Record<string, unknown> = { realm: name, enabled: true, ...opts.extra };
  if (opts.displayName !== undefined) rep["displayName"] = opts.displayName;
  if (opts.accessTokenLifespan !== undefined) rep["accessTokenLifespan"] = opts.accessTokenLifespan;
  await adminFetch("POST", "", rep);
  if (opts.unmanagedAttributes ?? true) {
    // Keycloak >= 24 drops attributes that the declarative user profile does not know, unless the
    // unmanaged-attribute policy allows them.
    const path = `/${encodeURIComponent(name)}/users/profile`;
    const profile = (await (await adminFetch("GET", path)).json()) as Record<string, unknown>;
    await adminFetch("PUT", path, { ...profile, unmanagedAttributePolicy: "ENABLED" });
  }
}

export async function deleteRealm(name: string): Promise<void> {
  const res = await fetch(`${baseUrl()}/admin/realms/${encodeURIComponent(name)}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${await adminToken()}` },
  });
  if (!res.ok && res.status !== 404)
    throw new Error(`deleting realm ${name} failed: ${res.status} ${await res.text()}`);
}

/** Creates a realm with a unique name `<prefix>-<random>`; deleted after the test when `t` is given. */
export async function createTestRealm(
  prefix: string,
  t?: TestContext,
  opts: RealmOptions = {},
): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  await createRealm(name, opts);
  if (t !== undefined) t.after(() => deleteRealm(name));
  return name;
}

export interface ClientOptions {
  clientId: string;
  /** Public client (no secret). Default false: confidential, with `secret` or a generated one. */
  publicClient?: boolean;
  /** Resource-owner password grant (grant_type=password). Default true. */
  directAccessGrants?: boolean;
  /** Authorization-code flow. Default false. */
  standardFlow?: boolean;
  /** Client-credentials grant via a service account (confidential clients only). Default false. */
  serviceAccounts?: boolean;
  secret?: string;
  redirectUris?: string[];
  webOrigins?: string[];
  /** Adds an audience mapper so access tokens carry `aud: <audience>`. */
  audience?: string | string[];
  /** User attributes copied into access/id tokens as claims of the same name (e.g. ["tenant"]). */
  userAttributeClaims?: string[];
  /** Any further ClientRepresentation fields. */
  extra?: Record<string, unknown>;
}

export interface CreatedClient {
  /** Keycloak's internal id (UUID) for admin API paths. */
  id: string;
  clientId: string;
  /** The client secret (confidential clients). */
  secret?: string;
}

function audienceMapper(aud: string): Record<string, unknown> {
  return {
    name: `audience-${aud}`,
    protocol: "openid-connect",
    protocolMapper: "oidc-audience-mapper",
    config: {
      "included.custom.audience": aud,
      "access.token.claim": "true",
      "id.token.claim": "false",
      "introspection.token.claim": "true",
    },
  };
}

function attributeMapper(attr: string): Record<string, unknown> {
  return {
    name: `attribute-${attr}`,
    protocol: "openid-connect",
    protocolMapper: "oidc-usermodel-attribute-mapper",
    config: {
      "user.attribute": attr,
      "claim.name": attr,
      "jsonType.label": "String",
      "access.token.claim": "true",
      "id.token.claim": "true",
      "userinfo.token.claim": "true",
      "introspection.token.claim": "true",
      multivalued: "false",
    },
  };
}

export async function createClient(realm: string, opts: ClientOptions): Promise<CreatedClient> {
  const publicClient = opts.publicClient ?? false;
  const auds =
    opts.audience === undefined
      ? []
      : Array.isArray(opts.audience)
        ? opts.audience
        : [opts.audience];
  const rep: Record<string, unknown> = {
    clientId: opts.clientId,
    enabled: true,
    protocol: "openid-connect",
    publicClient,
    directAccessGrantsEnabled: opts.directAccessGrants ?? true,
    standardFlowEnabled: opts.standardFlow ?? false,
    serviceAccountsEnabled: !publicClient && (opts.serviceAccounts ?? false),
    redirectUris: opts.redirectUris ?? [],
    webOrigins: opts.webOrigins ?? [],
    protocolMappers: [
      ...auds.map(audienceMapper),
      ...(opts.userAttributeClaims ?? []).map(attributeMapper),
    ],
    ...opts.extra,
  };
  if (!publicClient) {
    rep["clientAuthenticatorType"] = "client-secret";
    if (opts.secret !== undefined) rep["secret"] = opts.secret;
  }
  const r = encodeURIComponent(realm);
  const id = createdId(await adminFetch("POST", `/${r}/clients`, rep));
  if (publicClient) return { id, clientId: opts.clientId };
  const s = (await (await adminFetch("GET", `/${r}/clients/${id}/client-secret`)).json()) as {
    value?: string;
  };
  const created: CreatedClient = { id, clientId: opts.clientId };
  if (s.value !== undefined) created.secret = s.value;
  return created;
}

export interface UserOptions {
  username: string;
  password: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** e.g. { tenant: "acme" } (needs unmanaged attributes, the createRealm default). */
  attributes?: Record<string, string | string[]>;
  enabled?: boolean;
}

/**
 * Creates a user with a non-temporary password and no pending required actions. Email, first and
 * last name get defaults because Keycloak's default user profile requires them for a complete
 * account (the password grant fails with "Account is not fully set up" otherwise). Returns its id.
 */
export async function createUser(realm: string, opts: UserOptions): Promise<string> {
  const attributes: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(opts.attributes ?? {}))
    attributes[k] = Array.isArray(v) ? v : [v];
  const rep = {
    username: opts.username,
    enabled: opts.enabled ?? true,
    email: opts.email ?? `${opts.username}@example.test`,
    emailVerified: true,
    firstName: opts.firstName ?? opts.username,
    lastName: opts.lastName ?? "Test",
    attributes,
    requiredActions: [],
    credentials: [{ type: "password", value: opts.password, temporary: false }],
  };
  return createdId(await adminFetch("POST", `/${encodeURIComponent(realm)}/users`, rep));
}

/** Resource-owner password grant; returns the whole token response. */
export function passwordGrant(
  realm: string,
  clientId: string,
  username: string,
  password: string,
  clientSecret?: string,
): Promise<TokenResponse> {
  const form: Record<string, string> = {
    grant_type: "password",
    client_id: clientId,
    username,
    password,
    scope: "openid",
  };
  if (clientSecret !== undefined) form["client_secret"] = clientSecret;
  return tokenRequest(realm, form);
}

/** Resource-owner password grant; returns the access token (a JWT signed by the realm). */
export async function passwordGrantToken(
  realm: string,
  clientId: string,
  username: string,
  password: string,
  clientSecret?: string,
): Promise<string> {
  return (await passwordGrant(realm, clientId, username, password, clientSecret)).access_token;
}

/** Client-credentials grant (client created with serviceAccounts: true); returns the access token. */
export async function clientCredentialsToken(
  realm: string,
  clientId: string,
  clientSecret: string,
): Promise<string> {
  const t = await tokenRequest(realm, {
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: clientSecret,
  });
  return t.access_token;
}

/** Decodes (does not verify) the payload of a JWT, for assertions on claims. */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const part = jwt.split(".")[1];
  if (part === undefined) throw new Error("not a JWT");
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}
