// The desired Keycloak realm of a Tenant, built purely from its spec (and secret values the
// reconciler read for it). Only fields listed here are managed: the steps compare and write these
// and nothing else, so settings Keycloak adds or an admin sets elsewhere are left alone.
import type {
  Tenant,
  TenantBruteForce,
  TenantClient,
  TenantIdentity,
  TenantIdentityProvider,
  TenantOtp,
  TenantPasswordPolicy,
  TenantTokenSettings,
  TenantWebAuthn,
} from "../../../crds/tenant/v1alpha1/index.ts";

/** Realm attribute naming the Tenant that owns the realm (the operator refuses realms without it). */
export const OWNER_ATTRIBUTE = "librechat.io/tenant";
/** Attribute on roles, groups and clients the operator created (only those are ever deleted). */
export const MANAGED_ATTRIBUTE = "librechat.io/managed";
/** Realm role that step-up members hold (through their roles' composites or their groups). */
export const STEP_UP_ROLE = "librechat-step-up";
export const DIRECT_GRANT_FLOW = "librechat-direct-grant";
export const STEP_UP_SUBFLOW = "librechat-direct-grant-step-up";
export const STEP_UP_FACTOR_SUBFLOW = "librechat-direct-grant-step-up-factor";

export type Settings = Record<string, unknown>;

export interface DesiredRole {
  name: string;
  description: string;
  /** Realm roles included, sorted. */
  composites: string[];
}

export interface DesiredGroup {
  name: string;
  realmRoles: string[];
  attributes: Record<string, string[]>;
}

export interface DesiredClient {
  clientId: string;
  /** Managed ClientRepresentation fields (lists sorted). */
  rep: Settings;
  confidential: boolean;
  /** Secret the client must have (from its Secret), undefined: keep what Keycloak has or generated. */
  secret: string | undefined;
  /** Audience mapper the client's access tokens carry (undefined: none wanted). */
  audienceMapper: DesiredProtocolMapper | undefined;
}

/** A protocol mapper of a client, by name (Keycloak's ProtocolMapperRepresentation without id). */
export interface DesiredProtocolMapper {
  name: string;
  protocol: "openid-connect";
  protocolMapper: string;
  config: Record<string, string>;
}

/** The chat fleets' audience (the ChatRegion operator's --chatregion-oidc-audience default). */
export const DEFAULT_TOKEN_AUDIENCE = "chat-gateway";

/** Name of the audience mapper the operator keeps on every declared client. */
export const AUDIENCE_MAPPER = "librechat-audience";

/**
 * Access tokens of the realm's clients name `audience` in `aud`: the chat fleets (and the
 * inference gateway) accept a realm token only for their own audience, and Keycloak puts none of
 * it there by itself. Not in ID tokens: those are for the client alone.
 */
export function audienceMapper(audience: string): DesiredProtocolMapper {
  return {
    name: AUDIENCE_MAPPER,
    protocol: "openid-connect",
    protocolMapper: "oidc-audience-mapper",
    config: {
      "access.token.claim": "true",
      "id.token.claim": "false",
      "included.custom.audience": audience,
      "introspection.token.claim": "true",
    },
  };
}

/** Settings of the realm that come from the operator, not the Tenant. */
export interface RealmOptions {
  /** Audience added to every declared client's access tokens; "" adds none. */
  tokenAudience: string;
}

export interface DesiredMapper {
  name: string;
  identityProviderMapper: string;
  config: Record<string, string>;
}

export interface DesiredIdp {
  alias: string;
  /** Managed IdentityProviderRepresentation fields; config holds string values only. */
  rep: Settings & { config: Record<string, string> };
  /** Written on create and when the value changes (Keycloak never shows it back). */
  clientSecret: string | undefined;
  mappers: DesiredMapper[];
}

export interface DesiredRequiredAction {
  alias: string;
  enabled: boolean;
  defaultAction: boolean;
}

export interface DesiredExecution {
  /** Authenticator provider id, or undefined for a sub-flow. */
  authenticator?: string;
  flowAlias?: string;
  requirement: "REQUIRED" | "CONDITIONAL" | "ALTERNATIVE" | "DISABLED";
  config?: Record<string, string>;
}

export interface DesiredFlow {
  alias: string;
  topLevel: boolean;
  executions: DesiredExecution[];
}

export interface DesiredStepUp {
  factor: "otp" | "webauthn";
  acrLevel: number;
  /** Flows to create (top-level first), and how the realm binds them. */
  flows: DesiredFlow[];
  bindings: { directGrantFlow: string };
}

export interface DesiredRealm {
  name: string;
  /** Managed RealmRepresentation fields (without attributes and smtpServer). */
  settings: Settings;
  attributes: Record<string, string>;
  smtp: { server: Record<string, string>; password: string | undefined } | undefined;
  roles: DesiredRole[];
  groups: DesiredGroup[];
  clients: DesiredClient[];
  idps: DesiredIdp[];
  requiredActions: DesiredRequiredAction[];
  stepUp: DesiredStepUp | undefined;
}

/** Secret values the reconciler read for the realm; absent when the Secret or key does not exist. */
export interface ResolvedSecrets {
  clients: Readonly<Record<string, string | undefined>>;
  idps: Readonly<Record<string, string | undefined>>;
  smtpPassword?: string | undefined;
}

const byName = <T extends { name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
const sorted = (xs: readonly string[] | undefined): string[] => [...(xs ?? [])].sort();

/** Seconds of a Go duration string ("1h30m", "45s", "500ms" → 0). */
export function durationSeconds(d: string): number {
  let ms = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    ms += m[2] === "h" ? n * 3_600_000 : m[2] === "m" ? n * 60_000 : m[2] === "s" ? n * 1000 : n;
  }
  return Math.floor(ms / 1000);
}

/** Keycloak's password policy string from the structured fields (order fixed). */
export function passwordPolicyString(p: TenantPasswordPolicy): string {
  const parts = [`length(${p.minLength})`];
  if (p.upperCase > 0) parts.push(`upperCase(${p.upperCase})`);
  if (p.lowerCase > 0) parts.push(`lowerCase(${p.lowerCase})`);
  if (p.digits > 0) parts.push(`digits(${p.digits})`);
  if (p.specialChars > 0) parts.push(`specialChars(${p.specialChars})`);
  if (p.notUsername) parts.push("notUsername(undefined)");
  if (p.passwordHistory > 0) parts.push(`passwordHistory(${p.passwordHistory})`);
  if (p.expireDays !== undefined) parts.push(`forceExpiredPasswordChange(${p.expireDays})`);
  return parts.join(" and ");
}

function bruteForceSettings(b: TenantBruteForce): Settings {
  return {
    bruteForceProtected: b.enabled,
    failureFactor: b.failureFactor,
    maxDeltaTimeSeconds: b.maxDeltaTimeSeconds,
    maxFailureWaitSeconds: b.maxFailureWaitSeconds,
    minimumQuickLoginWaitSeconds: b.minimumQuickLoginWaitSeconds,
    permanentLockout: b.permanentLockout,
    quickLoginCheckMilliSeconds: b.quickLoginCheckMilliSeconds,
    waitIncrementSeconds: b.waitIncrementSeconds,
  };
}

function otpSettings(o: TenantOtp): Settings {
  return {
    otpPolicyAlgorithm: o.algorithm,
    otpPolicyDigits: o.digits,
    otpPolicyLookAheadWindow: o.lookAheadWindow,
    otpPolicyPeriod: o.period,
    otpPolicyType: o.type,
    ...(o.initialCounter !== undefined ? { otpPolicyInitialCounter: o.initialCounter } : {}),
  };
}

function webAuthnSettings(w: TenantWebAuthn): Settings {
  const p = w.passwordless ? "webAuthnPolicyPasswordless" : "webAuthnPolicy";
  const out: Settings = {
    [`${p}AttestationConveyancePreference`]: w.attestationConveyancePreference,
    [`${p}AuthenticatorAttachment`]: w.authenticatorAttachment ?? "not specified",
    [`${p}RequireResidentKey`]: w.requireResidentKey ? "Yes" : "No",
    [`${p}SignatureAlgorithms`]: sorted(w.signatureAlgorithms ?? ["ES256", "RS256"]),
    [`${p}UserVerificationRequirement`]: w.userVerificationRequirement,
  };
  if (w.rpEntityName !== undefined) out[`${p}RpEntityName`] = w.rpEntityName;
  if (w.rpId !== undefined) out[`${p}RpId`] = w.rpId;
  return out;
}

function tokenSettings(t: TenantTokenSettings): Settings {
  const out: Settings = { revokeRefreshToken: t.revokeRefreshToken };
  if (t.accessTokenLifespan !== undefined)
    out["accessTokenLifespan"] = durationSeconds(t.accessTokenLifespan);
  if (t.ssoSessionIdleTimeout !== undefined)
    out["ssoSessionIdleTimeout"] = durationSeconds(t.ssoSessionIdleTimeout);
  if (t.ssoSessionMaxLifespan !== undefined)
    out["ssoSessionMaxLifespan"] = durationSeconds(t.ssoSessionMaxLifespan);
  if (t.offlineSessionIdleTimeout !== undefined)
    out["offlineSessionIdleTimeout"] = durationSeconds(t.offlineSessionIdleTimeout);
  return out;
}

function realmSettings(id: TenantIdentity): Settings {
  const r = id.realm;
  const out: Settings = { enabled: true };
  if (r.displayName !== undefined) out["displayName"] = r.displayName;
  if (r.passwordPolicy !== undefined)
    out["passwordPolicy"] = passwordPolicyString(r.passwordPolicy);
  return {
    ...out,
    ...(r.bruteForce !== undefined ? bruteForceSettings(r.bruteForce) : {}),
    ...(r.otp !== undefined ? otpSettings(r.otp) : {}),
    ...(r.webAuthn !== undefined ? webAuthnSettings(r.webAuthn) : {}),
    ...(r.tokenSettings !== undefined ? tokenSettings(r.tokenSettings) : {}),
  };
}

function roles(id: TenantIdentity): DesiredRole[] {
  const stepRoles = new Set(id.stepUp?.roles ?? []);
  const out = (id.roles ?? []).map((r) => ({
    name: r.name,
    description: r.description ?? "",
    composites: sorted([...(r.composites ?? []), ...(stepRoles.has(r.name) ? [STEP_UP_ROLE] : [])]),
  }));
  if (id.stepUp !== undefined) {
    out.push({
      name: STEP_UP_ROLE,
      description: "Members must present a second factor (managed by the Tenant's stepUp).",
      composites: [],
    });
  }
  return out.sort(byName);
}

function groups(t: Tenant, id: TenantIdentity): DesiredGroup[] {
  const stepGroups = new Set(id.stepUp?.groups ?? []);
  return (id.groups ?? [])
    .map((g) => ({
      name: g.name,
      realmRoles: sorted([
        ...(g.realmRoles ?? []),
        ...(stepGroups.has(g.name) ? [STEP_UP_ROLE] : []),
      ]),
      attributes: {
        [MANAGED_ATTRIBUTE]: ["true"],
        models: sorted(g.models ?? t.spec.models?.allowed ?? []),
      },
    }))
    .sort(byName);
}

function client(c: TenantClient, secrets: ResolvedSecrets, opts: RealmOptions): DesiredClient {
  const confidential = c.type === "confidential";
  return {
    clientId: c.clientId,
    confidential,
    secret: confidential ? secrets.clients[c.clientId] : undefined,
    audienceMapper: opts.tokenAudience === "" ? undefined : audienceMapper(opts.tokenAudience),
    rep: {
      attributes: { [MANAGED_ATTRIBUTE]: "true" },
      clientAuthenticatorType: "client-secret",
      directAccessGrantsEnabled: c.directAccessGrants,
      enabled: true,
      protocol: "openid-connect",
      publicClient: !confidential,
      redirectUris: sorted(c.redirectUris),
      serviceAccountsEnabled: false,
      standardFlowEnabled: true,
      webOrigins: sorted(c.webOrigins),
    },
  };
}

/** Keycloak mapper provider id of a declared mapper type for a provider type. */
export function mapperProvider(type: string, idpType: TenantIdentityProvider["type"]): string {
  switch (type) {
    case "HardcodedRole":
      return "hardcoded-role-idp-mapper";
    case "HardcodedGroup":
      return "hardcoded-group-idp-mapper";
    case "ClaimToRole":
      return "oidc-role-idp-mapper";
    default:
      return idpType === "oidc"
        ? "oidc-user-attribute-idp-mapper"
        : `${idpType}-user-attribute-mapper`;
  }
}

function idpConfig(p: TenantIdentityProvider): Record<string, string> {
  const cfg: Record<string, string> = { clientId: p.clientId };
  if (p.hostedDomain !== undefined) cfg["hostedDomain"] = p.hostedDomain;
  if (p.tenantId !== undefined) cfg["tenantId"] = p.tenantId;
  const o = p.oidc;
  if (o !== undefined) {
    cfg["authorizationUrl"] = o.authorizationUrl;
    cfg["tokenUrl"] = o.tokenUrl;
    cfg["clientAuthMethod"] = "client_secret_post";
    if (o.issuer !== undefined) cfg["issuer"] = o.issuer;
    if (o.userInfoUrl !== undefined) cfg["userInfoUrl"] = o.userInfoUrl;
    if (o.defaultScopes !== undefined) cfg["defaultScope"] = o.defaultScopes;
    cfg["validateSignature"] = o.jwksUrl !== undefined ? "true" : "false";
    if (o.jwksUrl !== undefined) {
      cfg["useJwksUrl"] = "true";
      cfg["jwksUrl"] = o.jwksUrl;
    }
  }
  return cfg;
}

function idp(p: TenantIdentityProvider, secrets: ResolvedSecrets): DesiredIdp {
  return {
    alias: p.alias,
    clientSecret: secrets.idps[p.alias],
    rep: {
      alias: p.alias,
      config: idpConfig(p),
      displayName: p.displayName ?? "",
      enabled: p.enabled,
      providerId: p.type,
      trustEmail: p.trustEmail,
    },
    mappers: (p.mappers ?? [])
      .map((m) => ({
        name: m.name,
        identityProviderMapper: mapperProvider(m.type, p.type),
        config: { syncMode: "INHERIT", ...(m.config ?? {}) },
      }))
      .sort(byName),
  };
}

function requiredActions(id: TenantIdentity): DesiredRequiredAction[] {
  const out: DesiredRequiredAction[] = [];
  const otp = id.realm.otp?.policy;
  if (otp !== undefined)
    out.push({
      alias: "CONFIGURE_TOTP",
      enabled: otp !== "Disabled",
      defaultAction: otp === "Required",
    });
  const wa = id.realm.webAuthn;
  if (wa !== undefined) {
    const alias = wa.passwordless ? "webauthn-register-passwordless" : "webauthn-register";
    out.push({ alias, enabled: wa.policy !== "Disabled", defaultAction: wa.policy === "Required" });
  }
  return out;
}

/**
 * Step-up in the direct grant: after username and password, a conditional sub-flow asks members
 * of the step-up role for a second factor. With factor otp that is a sub-flow of two alternatives:
 * the OTP code (for members who have OTP set up; a missing or wrong code is a 401 invalid_grant),
 * else deny access (401), so a member without OTP is refused instead of Keycloak failing on a
 * REQUIRED OTP that cannot be set up at the token endpoint. WebAuthn cannot be presented to the
 * token endpoint, so with factor webauthn those members are always refused there (they must use
 * the browser).
 */
function stepUp(id: TenantIdentity): DesiredStepUp | undefined {
  const s = id.stepUp;
  if (s === undefined) return undefined;
  const deny: DesiredExecution = {
    authenticator: "deny-access-authenticator",
    requirement: "REQUIRED",
  };
  const factor: DesiredExecution =
    s.factor === "otp" ? { flowAlias: STEP_UP_FACTOR_SUBFLOW, requirement: "REQUIRED" } : deny;
  const otpFlows: DesiredFlow[] =
    s.factor === "otp"
      ? [
          {
            alias: STEP_UP_FACTOR_SUBFLOW,
            topLevel: false,
            executions: [
              { authenticator: "direct-grant-validate-otp", requirement: "ALTERNATIVE" },
              { ...deny, requirement: "ALTERNATIVE" },
            ],
          },
        ]
      : [];
  return {
    factor: s.factor,
    acrLevel: s.acrLevel,
    bindings: { directGrantFlow: DIRECT_GRANT_FLOW },
    flows: [
      {
        alias: DIRECT_GRANT_FLOW,
        topLevel: true,
        executions: [
          { authenticator: "direct-grant-validate-username", requirement: "REQUIRED" },
          { authenticator: "direct-grant-validate-password", requirement: "REQUIRED" },
          { flowAlias: STEP_UP_SUBFLOW, requirement: "CONDITIONAL" },
        ],
      },
      {
        alias: STEP_UP_SUBFLOW,
        topLevel: false,
        executions: [
          {
            authenticator: "conditional-user-role",
            requirement: "REQUIRED",
            config: { condUserRole: STEP_UP_ROLE, negate: "false" },
          },
          factor,
        ],
      },
      ...otpFlows,
    ],
  };
}

/** The realm `t` declares; undefined when the Tenant has no identity block. */
export function desiredRealm(
  t: Tenant,
  secrets: ResolvedSecrets,
  opts: RealmOptions,
): DesiredRealm | undefined {
  const id = t.spec.identity;
  if (id === undefined) return undefined;
  const smtp = id.realm.smtp;
  return {
    name: id.realm.name,
    settings: realmSettings(id),
    attributes: { [OWNER_ATTRIBUTE]: t.metadata.name ?? "" },
    smtp:
      smtp === undefined
        ? undefined
        : {
            server: {
              auth: smtp.user !== undefined ? "true" : "false",
              from: smtp.from,
              host: smtp.host,
              port: String(smtp.port),
              starttls: smtp.port === 465 ? "false" : "true",
              ssl: smtp.port === 465 ? "true" : "false",
              ...(smtp.user !== undefined ? { user: smtp.user } : {}),
            },
            password: secrets.smtpPassword,
          },
    roles: roles(id),
    groups: groups(t, id),
    clients: (id.clients ?? [])
      .map((c) => client(c, secrets, opts))
      .sort((a, b) => (a.clientId < b.clientId ? -1 : 1)),
    idps: (id.identityProviders ?? [])
      .map((p) => idp(p, secrets))
      .sort((a, b) => (a.alias < b.alias ? -1 : 1)),
    requiredActions: requiredActions(id),
    stepUp: stepUp(id),
  };
}
