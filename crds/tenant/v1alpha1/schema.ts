/**
 * Tenant (librechat.io/v1alpha1, cluster-scoped): one customer of the chat platform. Owns a set of
 * prefixed namespaces with quota and network isolation, the models it may use with rate limits and
 * a budget, and a Keycloak realm (password, brute-force, OTP and WebAuthn policy, roles, groups,
 * clients, social identity providers) kept in sync by the tenant operator.
 */
import { Type } from "@sinclair/typebox";
import type { TInteger, TString, TUnsafe } from "@sinclair/typebox";
import {
  Conditions,
  Currency,
  Decimal,
  Duration,
  LabelName,
  NamespacedSecretKeyRef,
  ObservedGeneration,
  Quantity,
  Resource,
  StringEnum,
  StringMap,
  Timestamp,
} from "../../shared/schema.ts";
import type { CelRule } from "../../shared/schema.ts";

export const TENANT_LABEL = "librechat.io/tenant";
export const TENANT_PHASES = ["Provisioning", "Ready", "Degraded", "Terminating"] as const;
export const PLATFORM_COMPONENTS = [
  "ingress",
  "monitoring",
  "chat-gateway",
  "inference-gateway",
] as const;
export const IDP_TYPES = ["google", "github", "microsoft", "oidc"] as const;
export const STEP_UP_FACTORS = ["otp", "webauthn"] as const;
export const SYNC_MODES = ["Enforce", "CreateOnly", "Observe"] as const;
export const POLICY_LEVELS = ["Disabled", "Optional", "Required"] as const;

const RoleName = (description: string): TString =>
  Type.String({
    description,
    minLength: 1,
    maxLength: 63,
    pattern: "^[A-Za-z0-9][-A-Za-z0-9_.:]*$",
  });
const ModelName = (description: string): TString =>
  Type.String({
    description,
    minLength: 1,
    maxLength: 128,
    pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.:/]*[A-Za-z0-9])?$",
  });
const Url = (description: string): TString =>
  Type.String({ description, format: "uri", maxLength: 2048, pattern: "^https?://" });
const Count = (description: string, max: number, dflt?: number): TInteger =>
  Type.Integer({
    description,
    minimum: 0,
    maximum: max,
    ...(dflt === undefined ? {} : { default: dflt }),
  });

export const OwnerSchema = Type.Object(
  {
    kind: StringEnum(["User", "Group", "ServiceAccount"] as const, {
      description: "Kind of RBAC subject.",
    }),
    name: Type.String({
      description: "Name of the user, group or service account.",
      minLength: 1,
      maxLength: 253,
    }),
    namespace: Type.Optional(
      LabelName(
        "Namespace of the service account; required for ServiceAccount, forbidden otherwise.",
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      "An RBAC subject that administers the tenant (bound to the tenant-admin role in every tenant namespace).",
    "x-kubernetes-validations": [
      {
        rule: "(self.kind == 'ServiceAccount') == has(self.namespace)",
        message: "namespace is required for ServiceAccount owners and forbidden for User and Group",
        fieldPath: ".namespace",
      },
    ] satisfies CelRule[],
  },
);

export const TenantNamespaceSchema = Type.Object(
  {
    name: LabelName("Namespace name; must start with '<tenant name>-' while prefix is Enforced."),
    labels: Type.Optional(
      StringMap(Type.String({ description: "Label value.", maxLength: 63 }), {
        description:
          "Extra labels for the namespace. The librechat.io/tenant label is managed by the operator and cannot be set here.",
        maxProperties: 32,
        "x-kubernetes-validations": [
          {
            rule: "!('librechat.io/tenant' in self)",
            message: "the librechat.io/tenant label is managed by the operator and must not be set",
          },
        ] satisfies CelRule[],
      }),
    ),
  },
  { additionalProperties: false, description: "A namespace owned by the tenant." },
);

export const NamespacesSchema = Type.Object(
  {
    maxCount: Type.Integer({
      description: "Most namespaces the tenant may own.",
      minimum: 1,
      maximum: 100,
      default: 10,
    }),
    prefix: StringEnum(["Enforced", "Disabled"] as const, {
      description: "Enforced requires every namespace name to start with '<tenant name>-'.",
      default: "Enforced",
    }),
    items: Type.Optional(
      Type.Array(TenantNamespaceSchema, {
        description: "Namespaces the operator creates and labels for the tenant.",
        maxItems: 100,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "Namespaces of the tenant.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.items) || size(self.items) <= self.maxCount",
        message: "the number of namespaces must not exceed maxCount",
        fieldPath: ".items",
      },
    ] satisfies CelRule[],
  },
);

const ResourceList = (description: string): TUnsafe<Record<string, string>> =>
  StringMap(Quantity({ description: "Quantity, e.g. 4, 500m, 16Gi." }), {
    description,
    maxProperties: 32,
  });

export const QuotaSchema = Type.Object(
  {
    perNamespace: Type.Optional(
      Type.Object(
        {
          hard: ResourceList(
            "ResourceQuota hard limits applied to each tenant namespace (e.g. requests.cpu, requests.nvidia.com/gpu, pods).",
          ),
        },
        {
          additionalProperties: false,
          description: "ResourceQuota written into every tenant namespace.",
        },
      ),
    ),
    limitRange: Type.Optional(
      Type.Object(
        {
          default: Type.Optional(ResourceList("Default container limits.")),
          defaultRequest: Type.Optional(ResourceList("Default container requests.")),
          max: Type.Optional(ResourceList("Maximum container limits.")),
        },
        {
          additionalProperties: false,
          description: "LimitRange container defaults written into every tenant namespace.",
        },
      ),
    ),
  },
  { additionalProperties: false, description: "Compute quota of the tenant." },
);

export const NetworkSchema = Type.Object(
  {
    isolation: StringEnum(["DenyAllExceptSameTenant", "None"] as const, {
      description:
        "DenyAllExceptSameTenant writes NetworkPolicies that admit traffic only from the tenant's own namespaces and allowFrom components.",
      default: "DenyAllExceptSameTenant",
    }),
    allowFrom: Type.Optional(
      Type.Array(
        StringEnum(PLATFORM_COMPONENTS, { description: "Platform component allowed in." }),
        {
          description: "Platform components admitted into tenant namespaces despite isolation.",
          maxItems: PLATFORM_COMPONENTS.length,
          "x-kubernetes-list-type": "set",
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "Network isolation between tenants.",
    "x-kubernetes-validations": [
      {
        rule: "self.isolation != 'None' || !has(self.allowFrom)",
        message: "allowFrom has no effect when isolation is None",
        fieldPath: ".allowFrom",
      },
    ] satisfies CelRule[],
  },
);

export const ModelsSchema = Type.Object(
  {
    allowed: Type.Optional(
      Type.Array(ModelName("AIModel spec.modelName the tenant may call."), {
        description: "Models the tenant may call; absent allows none.",
        maxItems: 64,
        "x-kubernetes-list-type": "set",
      }),
    ),
    rateLimits: Type.Optional(
      Type.Object(
        {
          requestsPerMinute: Type.Optional(
            Type.Integer({
              description: "Requests per minute across the tenant.",
              minimum: 1,
              maximum: 10000000,
            }),
          ),
          tokensPerMinute: Type.Optional(
            Type.Integer({
              description: "Tokens per minute across the tenant.",
              minimum: 1,
              maximum: 1000000000,
            }),
          ),
          maxParallel: Type.Optional(
            Type.Integer({
              description: "Concurrent in-flight requests across the tenant.",
              minimum: 1,
              maximum: 100000,
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "Rate limits enforced by the inference gateway.",
        },
      ),
    ),
    budget: Type.Optional(
      Type.Object(
        {
          amount: Decimal({ description: "Spend allowed per period." }),
          currency: Currency("Currency of amount."),
          period: StringEnum(["Daily", "Monthly"] as const, {
            description: "Budget period (UTC calendar day or month).",
            default: "Monthly",
          }),
        },
        {
          additionalProperties: false,
          description:
            "Spend budget; requests are refused once it is used up (cost reserved before each call).",
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "Model access, rate limits and budget of the tenant.",
  },
);

export const PasswordPolicySchema = Type.Object(
  {
    minLength: Type.Integer({
      description: "Minimum password length.",
      minimum: 8,
      maximum: 128,
      default: 12,
    }),
    upperCase: Count("Minimum upper-case letters.", 32, 1),
    lowerCase: Count("Minimum lower-case letters.", 32, 1),
    digits: Count("Minimum digits.", 32, 1),
    specialChars: Count("Minimum special characters.", 32, 0),
    notUsername: Type.Boolean({
      description: "Refuse passwords equal to the username.",
      default: true,
    }),
    passwordHistory: Count("Previous passwords that may not be reused.", 50, 3),
    expireDays: Type.Optional(
      Type.Integer({
        description: "Days after which a password must be changed; absent never expires.",
        minimum: 1,
        maximum: 3650,
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "Keycloak password policy of the realm.",
    "x-kubernetes-validations": [
      {
        rule: "self.upperCase + self.lowerCase + self.digits + self.specialChars <= self.minLength",
        message: "upperCase + lowerCase + digits + specialChars must not exceed minLength",
        fieldPath: ".minLength",
      },
    ] satisfies CelRule[],
  },
);

export const BruteForceSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: "Enable brute-force detection.", default: true }),
    failureFactor: Type.Integer({
      description: "Login failures before a temporary lockout.",
      minimum: 1,
      maximum: 1000,
      default: 30,
    }),
    waitIncrementSeconds: Type.Integer({
      description: "Lockout added per failureFactor failures, in seconds.",
      minimum: 1,
      maximum: 86400,
      default: 60,
    }),
    maxFailureWaitSeconds: Type.Integer({
      description: "Longest temporary lockout, in seconds.",
      minimum: 1,
      maximum: 86400,
      default: 900,
    }),
    quickLoginCheckMilliSeconds: Type.Integer({
      description: "Failures closer together than this count as a quick login.",
      minimum: 1,
      maximum: 60000,
      default: 1000,
    }),
    minimumQuickLoginWaitSeconds: Type.Integer({
      description: "Lockout after a quick login failure, in seconds.",
      minimum: 1,
      maximum: 86400,
      default: 60,
    }),
    maxDeltaTimeSeconds: Type.Integer({
      description: "Seconds after which the failure count resets.",
      minimum: 1,
      maximum: 604800,
      default: 43200,
    }),
    permanentLockout: Type.Boolean({
      description: "Lock the user permanently (until an admin unlocks) instead of temporarily.",
      default: false,
    }),
  },
  {
    additionalProperties: false,
    description: "Keycloak brute-force detection of the realm.",
    "x-kubernetes-validations": [
      {
        rule: "self.waitIncrementSeconds <= self.maxFailureWaitSeconds",
        message: "waitIncrementSeconds must not exceed maxFailureWaitSeconds",
        fieldPath: ".waitIncrementSeconds",
      },
      {
        rule: "self.minimumQuickLoginWaitSeconds <= self.maxFailureWaitSeconds",
        message: "minimumQuickLoginWaitSeconds must not exceed maxFailureWaitSeconds",
        fieldPath: ".minimumQuickLoginWaitSeconds",
      },
    ] satisfies CelRule[],
  },
);

export const OtpSchema = Type.Object(
  {
    policy: StringEnum(POLICY_LEVELS, {
      description:
        "Disabled hides OTP, Optional lets users enrol, Required forces enrolment (CONFIGURE_TOTP required action).",
      default: "Optional",
    }),
    type: StringEnum(["totp", "hotp"] as const, {
      description: "Time-based or counter-based one-time passwords.",
      default: "totp",
    }),
    algorithm: StringEnum(["HmacSHA1", "HmacSHA256", "HmacSHA512"] as const, {
      description: "HMAC algorithm (most authenticator apps support only HmacSHA1).",
      default: "HmacSHA1",
    }),
    digits: Type.Unsafe<6 | 8>({
      type: "integer",
      enum: [6, 8],
      default: 6,
      description: "Code length: 6 or 8.",
    }),
    period: Type.Integer({
      description: "Seconds a totp code is valid; ignored for hotp.",
      minimum: 15,
      maximum: 120,
      default: 30,
    }),
    initialCounter: Type.Optional(
      Type.Integer({
        description: "Initial counter of hotp; only for type hotp.",
        minimum: 0,
        maximum: 1000000,
      }),
    ),
    lookAheadWindow: Type.Integer({
      description: "Codes before or after the current one that are accepted (clock skew).",
      minimum: 0,
      maximum: 10,
      default: 1,
    }),
  },
  {
    additionalProperties: false,
    description: "One-time password policy of the realm.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.initialCounter) || self.type == 'hotp'",
        message: "initialCounter is only allowed when type is hotp",
        fieldPath: ".initialCounter",
      },
    ] satisfies CelRule[],
  },
);

export const WebAuthnSchema = Type.Object(
  {
    policy: StringEnum(POLICY_LEVELS, {
      description:
        "Disabled, Optional (users may register a security key or passkey) or Required (webauthn-register required action).",
      default: "Disabled",
    }),
    rpEntityName: Type.Optional(
      Type.String({
        description:
          "Relying-party name shown by authenticators; required unless policy is Disabled.",
        minLength: 1,
        maxLength: 128,
      }),
    ),
    rpId: Type.Optional(
      Type.String({
        description: "Relying-party ID (the effective domain); absent uses the Keycloak host.",
        minLength: 1,
        maxLength: 253,
        pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
      }),
    ),
    signatureAlgorithms: Type.Optional(
      Type.Array(
        StringEnum(["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "Ed25519"] as const, {
          description: "COSE algorithm name.",
        }),
        {
          description: "Accepted signature algorithms; absent means ES256 and RS256.",
          maxItems: 7,
          "x-kubernetes-list-type": "set",
        },
      ),
    ),
    userVerificationRequirement: StringEnum(["required", "preferred", "discouraged"] as const, {
      description: "Whether the authenticator must verify the user (PIN, biometrics).",
      default: "preferred",
    }),
    attestationConveyancePreference: StringEnum(["none", "indirect", "direct"] as const, {
      description: "Attestation requested from authenticators.",
      default: "none",
    }),
    authenticatorAttachment: Type.Optional(
      StringEnum(["platform", "cross-platform"] as const, {
        description:
          "Restrict to built-in (platform) or roaming (cross-platform) authenticators; absent allows both.",
      }),
    ),
    requireResidentKey: Type.Boolean({
      description: "Require discoverable credentials (passkeys).",
      default: false,
    }),
    passwordless: Type.Boolean({
      description:
        "Configure the passwordless WebAuthn policy (passkey login) instead of the second-factor policy.",
      default: false,
    }),
  },
  {
    additionalProperties: false,
    description: "WebAuthn (security keys, passkeys) policy of the realm.",
    "x-kubernetes-validations": [
      {
        rule: "self.policy == 'Disabled' || has(self.rpEntityName)",
        message: "rpEntityName is required unless policy is Disabled",
        fieldPath: ".rpEntityName",
        reason: "FieldValueRequired",
      },
      {
        rule: "!self.passwordless || self.requireResidentKey",
        message: "passwordless WebAuthn requires requireResidentKey: true",
        fieldPath: ".requireResidentKey",
      },
    ] satisfies CelRule[],
  },
);

export const TokenSettingsSchema = Type.Object(
  {
    accessTokenLifespan: Type.Optional(Duration({ description: "Lifetime of access tokens." })),
    ssoSessionIdleTimeout: Type.Optional(
      Duration({ description: "Idle time before an SSO session expires." }),
    ),
    ssoSessionMaxLifespan: Type.Optional(Duration({ description: "Longest SSO session." })),
    offlineSessionIdleTimeout: Type.Optional(
      Duration({ description: "Idle time before an offline session expires." }),
    ),
    revokeRefreshToken: Type.Boolean({
      description: "Refresh tokens are single-use.",
      default: false,
    }),
  },
  {
    additionalProperties: false,
    description: "Token and session lifetimes of the realm.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.ssoSessionIdleTimeout) || !has(self.ssoSessionMaxLifespan) || duration(self.ssoSessionIdleTimeout) <= duration(self.ssoSessionMaxLifespan)",
        message: "ssoSessionIdleTimeout must not exceed ssoSessionMaxLifespan",
        fieldPath: ".ssoSessionIdleTimeout",
      },
      {
        rule: "!has(self.accessTokenLifespan) || duration(self.accessTokenLifespan) <= duration('24h')",
        message: "accessTokenLifespan must be at most 24h",
        fieldPath: ".accessTokenLifespan",
      },
    ] satisfies CelRule[],
  },
);

export const RealmSchema = Type.Object(
  {
    name: Type.String({
      description:
        "Keycloak realm name. Immutable: renaming a realm would orphan users and sessions.",
      minLength: 1,
      maxLength: 63,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
      "x-kubernetes-validations": [
        { rule: "self == oldSelf", message: "realm.name is immutable" },
      ] satisfies CelRule[],
    }),
    displayName: Type.Optional(
      Type.String({ description: "Realm display name on the login page.", maxLength: 128 }),
    ),
    passwordPolicy: Type.Optional(PasswordPolicySchema),
    bruteForce: Type.Optional(BruteForceSchema),
    otp: Type.Optional(OtpSchema),
    webAuthn: Type.Optional(WebAuthnSchema),
    tokenSettings: Type.Optional(TokenSettingsSchema),
    smtp: Type.Optional(
      Type.Object(
        {
          host: Type.String({ description: "SMTP server host.", minLength: 1, maxLength: 253 }),
          port: Type.Integer({
            description: "SMTP server port.",
            minimum: 1,
            maximum: 65535,
            default: 587,
          }),
          from: Type.String({ description: "Sender address.", format: "email", maxLength: 254 }),
          user: Type.Optional(Type.String({ description: "SMTP user name.", maxLength: 253 })),
          passwordSecretRef: Type.Optional(
            NamespacedSecretKeyRef("Secret key holding the SMTP password."),
          ),
        },
        {
          additionalProperties: false,
          description: "Mail server for verification and password-reset mail.",
        },
      ),
    ),
  },
  { additionalProperties: false, description: "The tenant's Keycloak realm." },
);

export const RoleSchema = Type.Object(
  {
    name: RoleName("Realm role name."),
    description: Type.Optional(Type.String({ description: "Role description.", maxLength: 255 })),
    composites: Type.Optional(
      Type.Array(RoleName("Realm role included in this one."), {
        description: "Realm roles this role includes.",
        maxItems: 8,
        "x-kubernetes-list-type": "set",
      }),
    ),
  },
  { additionalProperties: false, description: "A realm role." },
);

export const GroupSchema = Type.Object(
  {
    name: Type.String({ description: "Group name.", minLength: 1, maxLength: 63 }),
    realmRoles: Type.Optional(
      Type.Array(
        RoleName(
          "Realm role granted to members (declared in identity.roles or a Keycloak default role).",
        ),
        {
          description: "Realm roles granted to members.",
          maxItems: 16,
          "x-kubernetes-list-type": "set",
        },
      ),
    ),
    models: Type.Optional(
      Type.Array(ModelName("Model name from spec.models.allowed."), {
        description:
          "Models members may use (a subset of spec.models.allowed); absent allows all of them.",
        maxItems: 32,
        "x-kubernetes-list-type": "set",
      }),
    ),
  },
  { additionalProperties: false, description: "A realm group with its roles and model access." },
);

export const ClientSchema = Type.Object(
  {
    clientId: Type.String({
      description: "OIDC client ID.",
      minLength: 1,
      maxLength: 255,
      pattern: "^[A-Za-z0-9][-A-Za-z0-9_.:]*$",
    }),
    type: StringEnum(["public", "confidential"] as const, {
      description: "public clients (SPAs, CLIs) have no secret; confidential clients do.",
    }),
    redirectUris: Type.Optional(
      Type.Array(
        Type.String({
          description: "Allowed redirect URI; a trailing * is allowed, a bare * is not.",
          minLength: 1,
          maxLength: 2048,
        }),
        {
          description: "Allowed redirect URIs.",
          maxItems: 32,
          "x-kubernetes-list-type": "set",
          "x-kubernetes-validations": [
            {
              rule: "self.all(u, u != '*' && u != '/*')",
              message: "redirectUris must not contain a bare wildcard",
            },
          ] satisfies CelRule[],
        },
      ),
    ),
    webOrigins: Type.Optional(
      Type.Array(
        Type.String({
          description: "Allowed CORS origin, or + for the redirect URIs' origins.",
          minLength: 1,
          maxLength: 2048,
        }),
        {
          description: "Allowed CORS origins.",
          maxItems: 32,
          "x-kubernetes-list-type": "set",
        },
      ),
    ),
    directAccessGrants: Type.Boolean({
      description:
        "Allow the resource-owner password grant (for CLIs and tests; off by default, OAuth 2.1 drops it).",
      default: false,
    }),
    secretRef: Type.Optional(
      NamespacedSecretKeyRef(
        "Client secret (confidential clients only): taken from this Secret key when it exists, otherwise generated by Keycloak and written there. Absent on a confidential client: generated and written to Secret <tenant>-<clientId>-oidc in the operator namespace, named in status.",
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "An OIDC client of the realm (e.g. the LibreChat web app).",
    "x-kubernetes-validations": [
      {
        rule: "self.type == 'confidential' || !has(self.secretRef)",
        message: "secretRef is only allowed for confidential clients",
        fieldPath: ".secretRef",
        reason: "FieldValueForbidden",
      },
    ] satisfies CelRule[],
  },
);

export const MapperSchema = Type.Object(
  {
    name: Type.String({ description: "Mapper name.", minLength: 1, maxLength: 63 }),
    type: StringEnum(
      ["HardcodedRole", "HardcodedGroup", "AttributeImporter", "ClaimToRole"] as const,
      {
        description:
          "Mapper type (Keycloak hardcoded-role, hardcoded-group, user-attribute importer, claim-to-role).",
      },
    ),
    config: Type.Optional(
      StringMap(Type.String({ description: "Mapper setting value.", maxLength: 1024 }), {
        description: "Mapper settings (e.g. role, group, claim, claim.value, user.attribute).",
        maxProperties: 16,
      }),
    ),
  },
  { additionalProperties: false, description: "An identity-provider mapper." },
);

export const IdentityProviderSchema = Type.Object(
  {
    alias: LabelName("Identity provider alias, unique in the realm."),
    type: StringEnum(IDP_TYPES, {
      description: "Provider type (oidc: any OpenID Connect provider).",
    }),
    displayName: Type.Optional(
      Type.String({ description: "Button label on the login page.", maxLength: 128 }),
    ),
    enabled: Type.Boolean({ description: "Show and accept this provider.", default: true }),
    clientId: Type.String({
      description: "OAuth client ID registered at the provider.",
      minLength: 1,
      maxLength: 512,
    }),
    clientSecretRef: NamespacedSecretKeyRef(
      "Secret key holding the OAuth client secret registered at the provider.",
    ),
    tenantId: Type.Optional(
      Type.String({
        description:
          "Microsoft Entra tenant ID or domain; only for type microsoft. Absent allows any tenant (common).",
        minLength: 1,
        maxLength: 128,
      }),
    ),
    hostedDomain: Type.Optional(
      Type.String({
        description: "Google Workspace domain users must belong to; only for type google.",
        minLength: 1,
        maxLength: 253,
      }),
    ),
    trustEmail: Type.Boolean({
      description: "Treat e-mail addresses from the provider as verified.",
      default: false,
    }),
    oidc: Type.Optional(
      Type.Object(
        {
          authorizationUrl: Url("Authorization endpoint of the provider."),
          tokenUrl: Url("Token endpoint of the provider."),
          issuer: Type.Optional(Url("Issuer the provider's tokens carry (checked when set).")),
          jwksUrl: Type.Optional(Url("JWKS endpoint; set it to have token signatures verified.")),
          userInfoUrl: Type.Optional(Url("UserInfo endpoint.")),
          defaultScopes: Type.Optional(
            Type.String({
              description: "Scopes requested, space separated (default openid).",
              maxLength: 512,
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "Endpoints of a generic OpenID Connect provider; only for type oidc.",
        },
      ),
    ),
    mappers: Type.Optional(
      Type.Array(MapperSchema, {
        description: "Mappers applied to users from this provider.",
        maxItems: 16,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "An identity provider (Google, GitHub, Microsoft or a generic OpenID Connect one).",
    "x-kubernetes-validations": [
      {
        rule: "self.type == 'microsoft' || !has(self.tenantId)",
        message: "tenantId is only allowed for type microsoft",
        fieldPath: ".tenantId",
        reason: "FieldValueForbidden",
      },
      {
        rule: "self.type == 'google' || !has(self.hostedDomain)",
        message: "hostedDomain is only allowed for type google",
        fieldPath: ".hostedDomain",
        reason: "FieldValueForbidden",
      },
      {
        rule: "(self.type == 'oidc') == has(self.oidc)",
        message: "oidc endpoints are required for type oidc and forbidden otherwise",
        fieldPath: ".oidc",
      },
    ] satisfies CelRule[],
  },
);

export const StepUpSchema = Type.Object(
  {
    factor: StringEnum(STEP_UP_FACTORS, {
      description:
        "Second factor required on top of the password: otp (authenticator app) or webauthn (security key / passkey).",
    }),
    roles: Type.Optional(
      Type.Array(
        RoleName("Realm role (declared in identity.roles) whose members need the factor."),
        {
          description: "Members of these realm roles must present the second factor.",
          maxItems: 16,
          "x-kubernetes-list-type": "set",
        },
      ),
    ),
    groups: Type.Optional(
      Type.Array(
        Type.String({
          description: "Group (declared in identity.groups) whose members need the factor.",
          minLength: 1,
          maxLength: 63,
        }),
        {
          description: "Members of these groups must present the second factor.",
          maxItems: 16,
          "x-kubernetes-list-type": "set",
        },
      ),
    ),
    acrLevel: Type.Integer({
      description:
        "Authentication level (acr claim) a login with the second factor reaches; password alone is level 1.",
      minimum: 2,
      maximum: 9,
      default: 2,
    }),
  },
  {
    additionalProperties: false,
    description:
      "Step-up authentication: Keycloak's conditional flows demand a second factor from members of the listed roles or groups, and their tokens carry acr = acrLevel.",
    "x-kubernetes-validations": [
      {
        rule: "(has(self.roles) && size(self.roles) > 0) || (has(self.groups) && size(self.groups) > 0)",
        message: "stepUp needs at least one role or group",
      },
    ] satisfies CelRule[],
  },
);

export const SyncSchema = Type.Object(
  {
    mode: StringEnum(SYNC_MODES, {
      description:
        "Enforce creates and reverts drift; CreateOnly creates what is missing and never updates; Observe changes nothing and only reports drift.",
      default: "Enforce",
    }),
    resyncInterval: Duration({
      description: "Period of the drift check against Keycloak, between 30s and 24h.",
      default: "5m",
    }),
    adoptExisting: Type.Boolean({
      description:
        "Adopt a realm of the same name that the operator did not create (otherwise refuse).",
      default: false,
    }),
  },
  {
    additionalProperties: false,
    description: "How the operator keeps Keycloak in sync with this spec.",
    "x-kubernetes-validations": [
      {
        rule: "duration(self.resyncInterval) >= duration('30s') && duration(self.resyncInterval) <= duration('24h')",
        message: "resyncInterval must be between 30s and 24h",
        fieldPath: ".resyncInterval",
      },
    ] satisfies CelRule[],
  },
);

export const IdentitySchema = Type.Object(
  {
    keycloak: Type.Object(
      {
        url: Type.Optional(
          Url("Base URL of Keycloak; absent uses the operator's configured Keycloak."),
        ),
        credentialsSecretRef: NamespacedSecretKeyRef(
          "Secret key holding the admin client secret the operator uses for this realm (never the master admin password).",
        ),
        clientId: Type.String({
          description: "Admin client ID matching credentialsSecretRef.",
          minLength: 1,
          maxLength: 255,
          default: "librechat-operator",
        }),
      },
      { additionalProperties: false, description: "How the operator reaches Keycloak." },
    ),
    realm: RealmSchema,
    roles: Type.Optional(
      Type.Array(RoleSchema, {
        description: "Realm roles.",
        maxItems: 32,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    ),
    groups: Type.Optional(
      Type.Array(GroupSchema, {
        description: "Realm groups.",
        maxItems: 32,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    ),
    clients: Type.Optional(
      Type.Array(ClientSchema, {
        description: "OIDC clients.",
        maxItems: 16,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["clientId"],
      }),
    ),
    identityProviders: Type.Optional(
      Type.Array(IdentityProviderSchema, {
        description: "Identity providers users may sign in with.",
        maxItems: 8,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["alias"],
      }),
    ),
    stepUp: Type.Optional(StepUpSchema),
    sync: Type.Optional(SyncSchema),
  },
  {
    additionalProperties: false,
    description: "The tenant's Keycloak realm, roles, groups, clients and identity providers.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.roles) || self.roles.all(r, !has(r.composites) || r.composites.all(c, c != r.name && self.roles.exists(x, x.name == c)))",
        message: "role composites must name other roles declared in identity.roles",
        fieldPath: ".roles",
      },
      {
        rule: "!has(self.stepUp) || !has(self.stepUp.roles) || self.stepUp.roles.all(r, has(self.roles) && self.roles.exists(x, x.name == r))",
        message: "stepUp.roles must name roles declared in identity.roles",
        fieldPath: ".stepUp.roles",
      },
      {
        rule: "!has(self.stepUp) || !has(self.stepUp.groups) || self.stepUp.groups.all(g, has(self.groups) && self.groups.exists(x, x.name == g))",
        message: "stepUp.groups must name groups declared in identity.groups",
        fieldPath: ".stepUp.groups",
      },
      {
        rule: "!has(self.stepUp) || self.stepUp.factor != 'webauthn' || (has(self.realm.webAuthn) && self.realm.webAuthn.policy != 'Disabled')",
        message: "stepUp with factor webauthn needs realm.webAuthn.policy Optional or Required",
        fieldPath: ".stepUp.factor",
      },
      {
        rule: "!has(self.stepUp) || self.stepUp.factor != 'otp' || !has(self.realm.otp) || self.realm.otp.policy != 'Disabled'",
        message: "stepUp with factor otp needs realm.otp.policy Optional or Required",
        fieldPath: ".stepUp.factor",
      },
    ] satisfies CelRule[],
  },
);

export const TenantSpecSchema = Type.Object(
  {
    displayName: Type.String({
      description: "Human-readable tenant name.",
      minLength: 1,
      maxLength: 128,
    }),
    owners: Type.Array(OwnerSchema, {
      description: "Tenant administrators.",
      minItems: 1,
      maxItems: 32,
      "x-kubernetes-list-type": "atomic",
    }),
    namespaces: Type.Optional(NamespacesSchema),
    quota: Type.Optional(QuotaSchema),
    network: Type.Optional(NetworkSchema),
    models: Type.Optional(ModelsSchema),
    identity: Type.Optional(IdentitySchema),
    deletionPolicy: StringEnum(["Delete", "Retain"] as const, {
      description:
        "What happens to namespaces and the realm when the Tenant is deleted: Delete removes them, Retain (default, safer) only removes the tenant's ownership labels.",
      default: "Retain",
    }),
  },
  {
    additionalProperties: false,
    description: "Desired state of the Tenant.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.identity) || !has(self.identity.groups) || self.identity.groups.all(g, !has(g.models) || g.models.all(m, has(self.models) && has(self.models.allowed) && m in self.models.allowed))",
        message: "identity.groups[].models must be a subset of models.allowed",
        fieldPath: ".identity.groups",
      },
    ] satisfies CelRule[],
  },
);

export const TenantStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration()),
    phase: Type.Optional(
      StringEnum(TENANT_PHASES, { description: "Summary derived from conditions." }),
    ),
    conditions: Type.Optional(
      Conditions(
        "Ready, NamespacesReady, QuotaEnforced, NetworkIsolated, IdentityReady, IdentityDrifted and Degraded, keyed by type.",
      ),
    ),
    quota: Type.Optional(
      Type.Object(
        {
          hard: Type.Optional(
            ResourceList("Sum of the hard limits of the tenant's ResourceQuotas."),
          ),
          used: Type.Optional(ResourceList("Sum of what the tenant's namespaces use.")),
        },
        {
          additionalProperties: false,
          description: "Tenant-wide quota: used and hard summed over its namespaces.",
        },
      ),
    ),
    namespaces: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: LabelName("Namespace name."),
            uid: Type.Optional(
              Type.String({ description: "UID of the namespace.", maxLength: 64 }),
            ),
            ready: Type.Boolean({
              description: "Namespace exists with its quota, limits and policies applied.",
            }),
          },
          { additionalProperties: false, description: "State of one tenant namespace." },
        ),
        {
          description: "Namespaces owned by the tenant.",
          maxItems: 100,
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
        },
      ),
    ),
    identity: Type.Optional(
      Type.Object(
        {
          realm: Type.Optional(
            Type.String({ description: "Name of the Keycloak realm.", maxLength: 63 }),
          ),
          realmId: Type.Optional(
            Type.String({ description: "Keycloak ID of the realm.", maxLength: 64 }),
          ),
          lastSyncTime: Type.Optional(Timestamp("Last successful sync with Keycloak.")),
          lastDriftCheckTime: Type.Optional(Timestamp("Last drift check.")),
          drift: Type.Optional(
            Type.Object(
              {
                detected: Type.Boolean({ description: "Keycloak differs from the spec." }),
                fields: Type.Optional(
                  Type.Array(
                    Type.String({
                      description: "Drifted setting, e.g. realm.bruteForce.failureFactor.",
                      maxLength: 256,
                    }),
                    {
                      description: "Settings that differ (at most 64 listed).",
                      maxItems: 64,
                      "x-kubernetes-list-type": "atomic",
                    },
                  ),
                ),
              },
              { additionalProperties: false, description: "Result of the last drift check." },
            ),
          ),
          clientSecrets: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  clientId: Type.String({ description: "OIDC client ID.", maxLength: 255 }),
                  secretRef: NamespacedSecretKeyRef(
                    "Secret key the generated client secret was written to.",
                  ),
                },
                {
                  additionalProperties: false,
                  description: "Where a generated client secret is stored.",
                },
              ),
              {
                description: "Generated client secrets.",
                maxItems: 16,
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["clientId"],
              },
            ),
          ),
        },
        { additionalProperties: false, description: "State of the Keycloak realm." },
      ),
    ),
    budget: Type.Optional(
      Type.Object(
        {
          spent: Type.Optional(Decimal({ description: "Spend in the current period." })),
          remaining: Type.Optional(Decimal({ description: "Budget left in the current period." })),
          periodStart: Type.Optional(Timestamp("Start of the current budget period.")),
        },
        { additionalProperties: false, description: "Budget use in the current period." },
      ),
    ),
  },
  { additionalProperties: false, description: "Observed state of the Tenant." },
);

/** Longest Tenant name: it prefixes namespace names (enforced as metadata.name maxLength in the CRD). */
export const TENANT_NAME_MAX_LENGTH = 40;

export const TenantSchema = Resource("Tenant", TenantSpecSchema, TenantStatusSchema, {
  description: `A customer of the chat platform: namespaces, quota, isolation, model access and a Keycloak realm. The name is at most ${TENANT_NAME_MAX_LENGTH} characters (it prefixes namespace names).`,
  "x-kubernetes-validations": [
    {
      // Written with size/substring/charAt rather than startsWith(self.metadata.name + '-'): the cost
      // estimator treats metadata.name as unbounded, and only == takes the smaller operand's bound.
      rule: "!has(self.spec.namespaces) || self.spec.namespaces.prefix != 'Enforced' || !has(self.spec.namespaces.items) || self.spec.namespaces.items.all(n, size(n.name) > size(self.metadata.name) && n.name.substring(0, size(self.metadata.name)) == self.metadata.name && n.name.charAt(size(self.metadata.name)) == '-')",
      message:
        "namespace names must start with the Tenant name followed by '-' while namespaces.prefix is Enforced",
      fieldPath: ".spec.namespaces.items",
    },
  ],
});
