/**
 * Valid and invalid Tenant objects (cluster-scoped) with the error each must produce. Used by the
 * offline tests and by integration tests against a real API server.
 */
import { mergePatch, withSpec } from "../../shared/cases.ts";
import type { InvalidCase, JsonObject, ValidCase } from "../../shared/cases.ts";

const secret = (name: string): JsonObject => ({
  name,
  namespace: "librechat-system",
  key: "secret",
});

const base: JsonObject = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "Tenant",
  metadata: { name: "acme" },
  spec: { displayName: "Acme", owners: [{ kind: "User", name: "alice@acme.test" }] },
};

const identity = {
  keycloak: { credentialsSecretRef: secret("acme-keycloak") },
  realm: { name: "acme" },
};

const withIdentity = (name: string, patch: JsonObject): JsonObject =>
  mergePatch(base, { metadata: { name }, spec: { identity: mergePatch(identity, patch) } });

export const validCases: readonly ValidCase[] = [
  { name: "minimal", object: base },
  {
    name: "service account owner with namespace",
    object: withSpec(base, "sa-owner", {
      owners: [{ kind: "ServiceAccount", name: "ci", namespace: "ci" }],
    }),
  },
  {
    name: "prefixed namespaces within maxCount",
    object: withSpec(base, "pfx", {
      namespaces: {
        maxCount: 2,
        items: [{ name: "pfx-chat" }, { name: "pfx-models", labels: { team: "ml" } }],
      },
    }),
  },
  {
    name: "unprefixed namespaces when prefix is Disabled",
    object: withSpec(base, "free", {
      namespaces: { prefix: "Disabled", items: [{ name: "anything" }] },
    }),
  },
  {
    name: "quota, network and models",
    object: withSpec(base, "full", {
      quota: {
        perNamespace: { hard: { "requests.cpu": "8", "requests.nvidia.com/gpu": "2" } },
        limitRange: { default: { memory: "1Gi" } },
      },
      network: { allowFrom: ["ingress", "monitoring"] },
      models: {
        allowed: ["gpt-4o-mini"],
        budget: { amount: "100.00" },
        rateLimits: { requestsPerMinute: 600 },
      },
    }),
  },
  {
    name: "identity with policies and providers",
    object: withIdentity("idp", {
      realm: {
        passwordPolicy: { minLength: 12 },
        bruteForce: {},
        otp: { policy: "Required" },
        webAuthn: { policy: "Optional", rpEntityName: "Acme" },
        tokenSettings: { ssoSessionIdleTimeout: "30m", ssoSessionMaxLifespan: "10h" },
      },
      identityProviders: [
        {
          alias: "google",
          type: "google",
          clientId: "g",
          clientSecretRef: secret("google"),
          hostedDomain: "acme.test",
        },
        {
          alias: "entra",
          type: "microsoft",
          clientId: "m",
          clientSecretRef: secret("ms"),
          tenantId: "acme.onmicrosoft.com",
        },
      ],
    }),
  },
  {
    name: "groups within allowed models",
    object: mergePatch(
      withIdentity("groups", {
        roles: [{ name: "chat-user" }, { name: "chat-admin", composites: ["chat-user"] }],
        groups: [{ name: "staff", realmRoles: ["chat-user"], models: ["gpt-4o-mini"] }],
      }),
      { spec: { models: { allowed: ["gpt-4o-mini", "llama-3.1-8b"] } } },
    ),
  },
  {
    name: "identity sync every 10m in Observe mode",
    object: withIdentity("sync", { sync: { mode: "Observe", resyncInterval: "10m" } }),
  },
  {
    name: "hotp with initialCounter",
    object: withIdentity("hotp", { realm: { otp: { type: "hotp", initialCounter: 0 } } }),
  },
  {
    name: "confidential client with secretRef",
    object: withIdentity("client", {
      clients: [
        {
          clientId: "librechat",
          type: "confidential",
          redirectUris: ["https://chat.acme.test/*"],
          secretRef: secret("librechat-client"),
        },
      ],
    }),
  },
  {
    name: "step-up OTP for an admin role and a group",
    object: withIdentity("stepup", {
      roles: [{ name: "chat-admin" }],
      groups: [{ name: "admins" }],
      stepUp: { factor: "otp", roles: ["chat-admin"], groups: ["admins"], acrLevel: 2 },
    }),
  },
  {
    name: "step-up WebAuthn with WebAuthn enabled",
    object: withIdentity("stepwa", {
      realm: { webAuthn: { policy: "Optional", rpEntityName: "Acme" } },
      roles: [{ name: "chat-admin" }],
      stepUp: { factor: "webauthn", roles: ["chat-admin"] },
    }),
  },
  {
    name: "generic OIDC provider",
    object: withIdentity("oidc", {
      identityProviders: [
        {
          alias: "corp",
          type: "oidc",
          clientId: "c",
          clientSecretRef: secret("corp"),
          oidc: {
            authorizationUrl: "https://sso.corp.test/authorize",
            tokenUrl: "https://sso.corp.test/token",
            issuer: "https://sso.corp.test",
          },
        },
      ],
    }),
  },
  {
    name: "realm name unchanged on update",
    object: withIdentity("same-realm", { realm: { displayName: "New" } }),
    oldObject: withIdentity("same-realm", {}),
  },
];

export const invalidCases: readonly InvalidCase[] = [
  {
    name: "tenant name longer than 40",
    object: mergePatch(base, { metadata: { name: "a".repeat(41) } }),
    expectFieldPath: "metadata.name",
    expectMessageIncludes: "Too long: may not be more than 40 bytes",
  },
  {
    name: "namespace without tenant prefix",
    object: withSpec(base, "acme2", { namespaces: { items: [{ name: "other-chat" }] } }),
    expectFieldPath: "spec.namespaces.items",
    expectMessageIncludes: "namespace names must start with the Tenant name followed by '-'",
  },
  {
    name: "namespace equal to tenant name",
    object: withSpec(base, "acme3", { namespaces: { items: [{ name: "acme3" }] } }),
    expectFieldPath: "spec.namespaces.items",
    expectMessageIncludes: "namespace names must start with the Tenant name followed by '-'",
  },
  {
    name: "more namespaces than maxCount",
    object: withSpec(base, "many", {
      namespaces: { maxCount: 1, items: [{ name: "many-a" }, { name: "many-b" }] },
    }),
    expectFieldPath: "spec.namespaces.items",
    expectMessageIncludes: "the number of namespaces must not exceed maxCount",
  },
  {
    name: "namespace sets the managed tenant label",
    object: withSpec(base, "spoof", {
      namespaces: { items: [{ name: "spoof-a", labels: { "librechat.io/tenant": "other" } }] },
    }),
    expectFieldPath: "spec.namespaces.items[0].labels",
    expectMessageIncludes: "the librechat.io/tenant label is managed by the operator",
  },
  {
    name: "service account owner without namespace",
    object: withSpec(base, "sa-nons", { owners: [{ kind: "ServiceAccount", name: "ci" }] }),
    expectFieldPath: "spec.owners[0].namespace",
    expectMessageIncludes: "namespace is required for ServiceAccount owners",
  },
  {
    name: "allowFrom with isolation None",
    object: withSpec(base, "noiso", { network: { isolation: "None", allowFrom: ["ingress"] } }),
    expectFieldPath: "spec.network.allowFrom",
    expectMessageIncludes: "allowFrom has no effect when isolation is None",
  },
  {
    name: "character classes exceed minLength",
    object: withIdentity("pw", {
      realm: { passwordPolicy: { minLength: 8, upperCase: 4, lowerCase: 4, digits: 1 } },
    }),
    expectFieldPath: "spec.identity.realm.passwordPolicy.minLength",
    expectMessageIncludes: "must not exceed minLength",
  },
  {
    name: "wait increment above max wait",
    object: withIdentity("bf1", {
      realm: { bruteForce: { waitIncrementSeconds: 1000, maxFailureWaitSeconds: 900 } },
    }),
    expectFieldPath: "spec.identity.realm.bruteForce.waitIncrementSeconds",
    expectMessageIncludes: "waitIncrementSeconds must not exceed maxFailureWaitSeconds",
  },
  {
    name: "quick login wait above max wait",
    object: withIdentity("bf2", {
      realm: { bruteForce: { minimumQuickLoginWaitSeconds: 1000, maxFailureWaitSeconds: 900 } },
    }),
    expectFieldPath: "spec.identity.realm.bruteForce.minimumQuickLoginWaitSeconds",
    expectMessageIncludes: "minimumQuickLoginWaitSeconds must not exceed maxFailureWaitSeconds",
  },
  {
    name: "initialCounter with totp",
    object: withIdentity("totp", { realm: { otp: { initialCounter: 1 } } }),
    expectFieldPath: "spec.identity.realm.otp.initialCounter",
    expectMessageIncludes: "initialCounter is only allowed when type is hotp",
  },
  {
    name: "OTP digits 7",
    object: withIdentity("digits", { realm: { otp: { digits: 7 } } }),
    expectFieldPath: "spec.identity.realm.otp.digits",
    expectMessageIncludes: "Unsupported value",
  },
  {
    name: "webauthn enabled without rpEntityName",
    object: withIdentity("wa1", { realm: { webAuthn: { policy: "Required" } } }),
    expectFieldPath: "spec.identity.realm.webAuthn.rpEntityName",
    expectMessageIncludes: "rpEntityName is required unless policy is Disabled",
  },
  {
    name: "passwordless without resident key",
    object: withIdentity("wa2", { realm: { webAuthn: { passwordless: true } } }),
    expectFieldPath: "spec.identity.realm.webAuthn.requireResidentKey",
    expectMessageIncludes: "passwordless WebAuthn requires requireResidentKey: true",
  },
  {
    name: "idle timeout above max lifespan",
    object: withIdentity("tok1", {
      realm: { tokenSettings: { ssoSessionIdleTimeout: "12h", ssoSessionMaxLifespan: "10h" } },
    }),
    expectFieldPath: "spec.identity.realm.tokenSettings.ssoSessionIdleTimeout",
    expectMessageIncludes: "ssoSessionIdleTimeout must not exceed ssoSessionMaxLifespan",
  },
  {
    name: "access token lifespan above 24h",
    object: withIdentity("tok2", { realm: { tokenSettings: { accessTokenLifespan: "25h" } } }),
    expectFieldPath: "spec.identity.realm.tokenSettings.accessTokenLifespan",
    expectMessageIncludes: "accessTokenLifespan must be at most 24h",
  },
  {
    name: "realm renamed",
    object: withIdentity("renamed", { realm: { name: "other" } }),
    oldObject: withIdentity("renamed", {}),
    expectFieldPath: "spec.identity.realm.name",
    expectMessageIncludes: "realm.name is immutable",
  },
  {
    name: "composite naming an undeclared role",
    object: withIdentity("roles", { roles: [{ name: "a", composites: ["b"] }] }),
    expectFieldPath: "spec.identity.roles",
    expectMessageIncludes: "role composites must name other roles declared in identity.roles",
  },
  {
    name: "composite naming itself",
    object: withIdentity("roles2", { roles: [{ name: "a", composites: ["a"] }] }),
    expectFieldPath: "spec.identity.roles",
    expectMessageIncludes: "role composites must name other roles declared in identity.roles",
  },
  {
    name: "group model outside models.allowed",
    object: withIdentity("gm", { groups: [{ name: "staff", models: ["gpt-5"] }] }),
    expectFieldPath: "spec.identity.groups",
    expectMessageIncludes: "identity.groups[].models must be a subset of models.allowed",
  },
  {
    name: "bare wildcard redirect URI",
    object: withIdentity("wild", {
      clients: [{ clientId: "web", type: "public", redirectUris: ["*"] }],
    }),
    expectFieldPath: "spec.identity.clients[0].redirectUris",
    expectMessageIncludes: "redirectUris must not contain a bare wildcard",
  },
  {
    name: "public client with secretRef",
    object: withIdentity("pub", {
      clients: [{ clientId: "web", type: "public", secretRef: secret("x") }],
    }),
    expectFieldPath: "spec.identity.clients[0].secretRef",
    expectMessageIncludes: "secretRef is only allowed for confidential clients",
  },
  {
    name: "tenantId on a github provider",
    object: withIdentity("gh", {
      identityProviders: [
        {
          alias: "github",
          type: "github",
          clientId: "x",
          clientSecretRef: secret("gh"),
          tenantId: "t",
        },
      ],
    }),
    expectFieldPath: "spec.identity.identityProviders[0].tenantId",
    expectMessageIncludes: "tenantId is only allowed for type microsoft",
  },
  {
    name: "hostedDomain on a microsoft provider",
    object: withIdentity("ms", {
      identityProviders: [
        {
          alias: "ms",
          type: "microsoft",
          clientId: "x",
          clientSecretRef: secret("ms"),
          hostedDomain: "acme.test",
        },
      ],
    }),
    expectFieldPath: "spec.identity.identityProviders[0].hostedDomain",
    expectMessageIncludes: "hostedDomain is only allowed for type google",
  },
  {
    name: "identity provider without clientSecretRef",
    object: withIdentity("nosecret", {
      identityProviders: [{ alias: "google", type: "google", clientId: "x" }],
    }),
    expectFieldPath: "spec.identity.identityProviders[0].clientSecretRef",
    expectMessageIncludes: "Required value",
  },
  {
    name: "secret reference missing its key",
    object: withIdentity("nokey", {
      keycloak: { credentialsSecretRef: { key: null } },
    }),
    expectFieldPath: "spec.identity.keycloak.credentialsSecretRef.key",
    expectMessageIncludes: "Required value",
  },
  {
    name: "step-up without roles or groups",
    object: withIdentity("stepnone", { stepUp: { factor: "otp" } }),
    expectFieldPath: "spec.identity.stepUp",
    expectMessageIncludes: "stepUp needs at least one role or group",
  },
  {
    name: "step-up naming an undeclared role",
    object: withIdentity("stepundecl", { stepUp: { factor: "otp", roles: ["root"] } }),
    expectFieldPath: "spec.identity.stepUp.roles",
    expectMessageIncludes: "stepUp.roles must name roles declared in identity.roles",
  },
  {
    name: "step-up naming an undeclared group",
    object: withIdentity("stepgrp", {
      groups: [{ name: "staff" }],
      stepUp: { factor: "otp", groups: ["admins"] },
    }),
    expectFieldPath: "spec.identity.stepUp.groups",
    expectMessageIncludes: "stepUp.groups must name groups declared in identity.groups",
  },
  {
    name: "step-up WebAuthn while WebAuthn is disabled",
    object: withIdentity("stepwa2", {
      roles: [{ name: "chat-admin" }],
      stepUp: { factor: "webauthn", roles: ["chat-admin"] },
    }),
    expectFieldPath: "spec.identity.stepUp.factor",
    expectMessageIncludes: "stepUp with factor webauthn needs realm.webAuthn.policy",
  },
  {
    name: "step-up OTP while OTP is disabled",
    object: withIdentity("stepotp", {
      realm: { otp: { policy: "Disabled" } },
      roles: [{ name: "chat-admin" }],
      stepUp: { factor: "otp", roles: ["chat-admin"] },
    }),
    expectFieldPath: "spec.identity.stepUp.factor",
    expectMessageIncludes: "stepUp with factor otp needs realm.otp.policy",
  },
  {
    name: "oidc provider without endpoints",
    object: withIdentity("oidc1", {
      identityProviders: [
        { alias: "corp", type: "oidc", clientId: "c", clientSecretRef: secret("c") },
      ],
    }),
    expectFieldPath: "spec.identity.identityProviders[0].oidc",
    expectMessageIncludes: "oidc endpoints are required for type oidc and forbidden otherwise",
  },
  {
    name: "oidc endpoints on a google provider",
    object: withIdentity("oidc2", {
      identityProviders: [
        {
          alias: "google",
          type: "google",
          clientId: "c",
          clientSecretRef: secret("c"),
          oidc: { authorizationUrl: "https://a.test/auth", tokenUrl: "https://a.test/token" },
        },
      ],
    }),
    expectFieldPath: "spec.identity.identityProviders[0].oidc",
    expectMessageIncludes: "oidc endpoints are required for type oidc and forbidden otherwise",
  },
  {
    name: "resync interval below 30s",
    object: withIdentity("resync1", { sync: { resyncInterval: "10s" } }),
    expectFieldPath: "spec.identity.sync.resyncInterval",
    expectMessageIncludes: "resyncInterval must be between 30s and 24h",
  },
  {
    name: "resync interval not a duration",
    object: withIdentity("resync2", { sync: { resyncInterval: "5 minutes" } }),
    expectFieldPath: "spec.identity.sync.resyncInterval",
    expectMessageIncludes: "should match",
  },
  {
    name: "no owners",
    object: withSpec(base, "noowners", { owners: [] }),
    expectFieldPath: "spec.owners",
    expectMessageIncludes: "should have at least 1 items",
  },
];
