// Table tests of resolving the OIDC issuers of the Tenant that owns a ChatRegion's namespace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tenant } from "./fixtures.test-helpers.ts";
import { resolveIssuers } from "./identity.ts";

const cfg = { keycloakUrl: "http://kc.local:8080/", oidcAudience: "chat-gateway" };

const cases = [
  {
    name: "no tenant label",
    label: undefined,
    t: undefined,
    ok: false,
    reason: "NoTenantLabel",
    issuers: [],
  },
  {
    name: "tenant not (yet) applied",
    label: "acme",
    t: undefined,
    ok: false,
    reason: "TenantNotFound",
    issuers: [],
  },
  {
    name: "tenant without identity",
    label: "acme",
    t: tenant("acme"),
    ok: false,
    reason: "NoRealm",
    issuers: [],
  },
  {
    name: "realm on the operator's Keycloak",
    label: "acme",
    t: tenant("acme", { realm: "acme" }),
    ok: true,
    reason: "TenantFound",
    issuers: [
      { issuer: "http://kc.local:8080/realms/acme", tenant: "acme", audience: "chat-gateway" },
    ],
  },
  {
    name: "realm on the tenant's own Keycloak",
    label: "acme",
    t: tenant("acme", { realm: "r1", url: "https://sso.acme.example" }),
    ok: true,
    reason: "TenantFound",
    issuers: [
      { issuer: "https://sso.acme.example/realms/r1", tenant: "acme", audience: "chat-gateway" },
    ],
  },
];
for (const c of cases) {
  test(`resolveIssuers: ${c.name}`, () => {
    const r = resolveIssuers("acme-chat", c.label, c.t, cfg);
    assert.equal(r.ok, c.ok);
    assert.equal(r.reason, c.reason);
    assert.deepEqual(r.issuers, c.issuers);
  });
}
