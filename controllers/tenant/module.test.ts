// Tests of the Tenant module: flag checks name the flag, the RBAC it declares stays least-privilege
// (no escalate, bind only on the shipped tenant-admin role, Secrets never listed or watched), and
// the Namespace watch maps a freed name to the Tenants that declare it.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { ConfigError } from "../../lib/config.ts";
import { TENANT_RULES, tenantConfig, tenantModule, tenantsDeclaring } from "./module.ts";

const flags = (
  f: Record<string, string>,
): { flags: Record<string, string>; operatorNamespace: string } => ({
  flags: { "tenant-deletion-timeout": "5m", "tenant-concurrency": "4", ...f },
  operatorNamespace: "librechat-system",
});

const bad: { name: string; flags: Record<string, string>; names: RegExp }[] = [
  {
    name: "deletion timeout without a unit",
    flags: { "tenant-deletion-timeout": "300" },
    names: /--tenant-deletion-timeout/,
  },
  { name: "zero workers", flags: { "tenant-concurrency": "0" }, names: /--tenant-concurrency/ },
  {
    name: "Keycloak URL without a scheme",
    flags: { "keycloak-url": "keycloak:8080" },
    names: /--keycloak-url/,
  },
];

for (const c of bad) {
  test(`tenantConfig rejects ${c.name}, naming the flag`, () => {
    assert.throws(
      () => tenantConfig(flags(c.flags)),
      (err: unknown) => err instanceof ConfigError && c.names.test(err.message),
    );
    assert.throws(() => tenantModule.checkFlags?.(flags(c.flags).flags), ConfigError);
  });
}

test("tenantConfig turns the flags into the controller's settings", () => {
  assert.deepEqual(
    tenantConfig(
      flags({
        "keycloak-url": "http://127.0.0.1:8080",
        "tenant-deletion-timeout": "1m30s",
        "tenant-concurrency": "2",
      }),
    ),
    {
      keycloakUrl: "http://127.0.0.1:8080",
      deletionTimeoutMs: 90_000,
      tokenAudience: "chat-gateway",
      concurrency: 2,
      operatorNamespace: "librechat-system",
    },
  );
  assert.equal(tenantConfig(flags({ "keycloak-url": "" })).keycloakUrl, undefined);
});

test("the Tenant module is the identity operator's and asks for no escalate, bind only on the tenant-admin role, and never lists Secrets", () => {
  assert.equal(tenantModule.operator, "identity");
  assert.equal(tenantModule.clusterRules, TENANT_RULES);
  assert.ok(
    !TENANT_RULES.some(
      (r) => r.verbs.includes("escalate") || r.verbs.includes("*") || r.resources.includes("*"),
    ),
  );
  const binds = TENANT_RULES.filter((r) => r.verbs.includes("bind"));
  assert.deepEqual(
    binds.map((r) => r.resourceNames),
    [["librechat-tenant-admin"]],
  );
  const secrets = TENANT_RULES.filter((r) => r.resources.includes("secrets"));
  assert.deepEqual(secrets.flatMap((r) => r.verbs).sort(), ["create", "get", "patch"]);
});

test("tenantsDeclaring maps a namespace to the Tenants that declare its name", () => {
  const tenant = (name: string, ns: string[]): Tenant =>
    ({
      apiVersion: "librechat.io/v1alpha1",
      kind: "Tenant",
      metadata: { name },
      spec: { namespaces: { items: ns.map((n) => ({ name: n })) } },
    }) as unknown as Tenant;
  const tenants = {
    list: (): Tenant[] => [tenant("acme", ["acme-a", "acme-b"]), tenant("beta", ["beta-a"])],
  };
  assert.deepEqual(tenantsDeclaring(tenants, { metadata: { name: "acme-b" } }), ["acme"]);
  assert.deepEqual(tenantsDeclaring(tenants, { metadata: { name: "other" } }), []);
});
