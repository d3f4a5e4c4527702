// Test-only builders: a Tenant with a full identity block, and a RealmState that matches it.
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { tenant } from "../fixtures.test-helpers.ts";
import type { DesiredRealm } from "./desired.ts";
import { DEFAULT_TOKEN_AUDIENCE, desiredRealm } from "./desired.ts";
import type { RealmState } from "./state.ts";

export function identityTenant(
  extra: Partial<NonNullable<Tenant["spec"]["identity"]>> = {},
): Tenant {
  return tenant({
    models: { allowed: ["gpt-4o-mini", "llama-3.1-8b"] },
    identity: {
      keycloak: {
        clientId: "librechat-operator",
        credentialsSecretRef: { name: "kc", namespace: "librechat-system", key: "client-secret" },
      },
      realm: {
        name: "acme",
        displayName: "Acme Chat",
        passwordPolicy: {
          minLength: 14,
          upperCase: 1,
          lowerCase: 1,
          digits: 1,
          specialChars: 1,
          notUsername: true,
          passwordHistory: 5,
        },
        bruteForce: {
          enabled: true,
          failureFactor: 5,
          waitIncrementSeconds: 60,
          maxFailureWaitSeconds: 900,
          quickLoginCheckMilliSeconds: 1000,
          minimumQuickLoginWaitSeconds: 60,
          maxDeltaTimeSeconds: 43200,
          permanentLockout: false,
        },
      },
      roles: [
        { name: "chat-user", description: "May chat" },
        { name: "chat-admin", description: "Admin", composites: ["chat-user"] },
      ],
      groups: [{ name: "staff", realmRoles: ["chat-user"], models: ["llama-3.1-8b"] }],
      clients: [
        {
          clientId: "librechat",
          type: "confidential",
          directAccessGrants: true,
          redirectUris: ["https://chat.acme.test/cb"],
          secretRef: { name: "s", namespace: "acme-chat", key: "k" },
        },
      ],
      identityProviders: [
        {
          alias: "github",
          type: "github",
          enabled: true,
          trustEmail: false,
          clientId: "gh",
          clientSecretRef: { name: "gh", namespace: "x", key: "k" },
          mappers: [{ name: "default-role", type: "HardcodedRole", config: { role: "chat-user" } }],
        },
      ],
      ...extra,
    },
  });
}

export const SECRETS = {
  clients: { librechat: "client-secret-value" },
  idps: { github: "github-secret-value" },
};

export function desired(t: Tenant = identityTenant()): DesiredRealm {
  const d = desiredRealm(t, SECRETS, { tokenAudience: DEFAULT_TOKEN_AUDIENCE });
  if (d === undefined) throw new Error("no identity");
  return d;
}

/** A RealmState exactly as Keycloak would show `d` after a full sync (ids made up). */
export function matching(original: DesiredRealm): RealmState {
  const d = structuredClone(original);
  return {
    realm: {
      realm: d.name,
      ...d.settings,
      attributes: { ...d.attributes, other: "x" },
      directGrantFlow: d.stepUp?.bindings.directGrantFlow ?? "direct grant",
    },
    roles: [
      ...d.roles.map((r) => ({
        id: `id-${r.name}`,
        name: r.name,
        description: r.description,
        composites: r.composites,
        attributes: { "librechat.io/managed": ["true"] },
      })),
      { id: "id-offline", name: "offline_access", description: "", composites: [], attributes: {} },
    ],
    groups: d.groups.map((g) => ({
      id: `gid-${g.name}`,
      name: g.name,
      attributes: g.attributes,
      realmRoles: g.realmRoles,
    })),
    clients: [
      ...d.clients.map((c) => ({
        id: `cid-${c.clientId}`,
        clientId: c.clientId,
        rep: {
          ...c.rep,
          attributes: { ...(c.rep["attributes"] as object), "post.logout.redirect.uris": "+" },
          fullScopeAllowed: true,
          protocolMappers:
            c.audienceMapper === undefined
              ? []
              : [
                  {
                    ...c.audienceMapper,
                    id: `pm-${c.clientId}`,
                    consentRequired: false,
                    config: { ...c.audienceMapper.config, "lightweight.claim": "false" },
                  },
                ],
        },
      })),
      { id: "cid-account", clientId: "account", rep: { clientId: "account", attributes: {} } },
    ],
    clientSecrets: Object.fromEntries(d.clients.map((c) => [c.clientId, c.secret])),
    idps: d.idps.map((p) => ({
      ...p.rep,
      internalId: `iid-${p.alias}`,
      config: {
        ...p.rep.config,
        "librechat.io/managed": "true",
        clientSecret: "**********",
        syncMode: "LEGACY",
      },
    })),
    idpMappers: d.idps.flatMap((p) =>
      p.mappers.map((m) => ({ id: `mid-${m.name}`, identityProviderAlias: p.alias, ...m })),
    ),
    flows: (d.stepUp?.flows ?? []).map((f) => ({
      id: `fid-${f.alias}`,
      alias: f.alias,
      topLevel: f.topLevel,
      executions: f.executions.map((e) => ({ ...e })),
    })),
    requiredActions: [
      { alias: "CONFIGURE_TOTP", enabled: true, defaultAction: false },
      { alias: "webauthn-register", enabled: true, defaultAction: false },
    ],
  };
}
