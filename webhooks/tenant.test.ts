// Tests of Tenant admission: realm defaulting, reserved and duplicate realms.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultTenant, effectiveRealm, validateTenant } from "./tenant.ts";
import { FakeLookup } from "./testing/fake-lookup.ts";
import { DEFAULT_POLICY } from "./types.ts";
import { TENANT_KIND } from "../crds/tenant/v1alpha1/kind.ts";
import type { KubeObject, Operation } from "./review.ts";

function tenant(name: string, identity?: unknown): KubeObject {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: identity === undefined ? {} : { identity },
  };
}

const lookup = new FakeLookup()
  .add(TENANT_KIND, tenant("acme", { realm: { name: "acme-realm" } }))
  .add(TENANT_KIND, tenant("globex", {}))
  .add(TENANT_KIND, tenant("initech"));

async function validate(
  obj: KubeObject,
  operation: Operation = "CREATE",
  oldObject: KubeObject | null = null,
): Promise<string[]> {
  const v = await validateTenant({
    operation,
    object: obj,
    oldObject,
    namespace: "",
    lookup,
    policy: DEFAULT_POLICY,
    signal: AbortSignal.timeout(1000),
  });
  return v.map((x) => `${x.field}: ${x.message}`);
}

describe("Tenant validation", () => {
  const cases: { name: string; obj: KubeObject; want: string[] }[] = [
    {
      name: "unique explicit realm",
      obj: tenant("umbrella", { realm: { name: "umbrella" } }),
      want: [],
    },
    { name: "unique defaulted realm", obj: tenant("umbrella", {}), want: [] },
    { name: "no identity owns no realm", obj: tenant("acme-realm"), want: [] },
    {
      name: "tenant without identity does not claim its name",
      obj: tenant("x", { realm: { name: "initech" } }),
      want: [],
    },
    {
      name: "explicit realm clashes with explicit",
      obj: tenant("other", { realm: { name: "acme-realm" } }),
      want: ['spec.identity.realm.name: realm "acme-realm" is already used by Tenant "acme"'],
    },
    {
      name: "explicit realm clashes with defaulted",
      obj: tenant("other", { realm: { name: "globex" } }),
      want: ['spec.identity.realm.name: realm "globex" is already used by Tenant "globex"'],
    },
    {
      name: "defaulted realm clashes with explicit",
      obj: tenant("acme-realm", {}),
      want: ['spec.identity.realm.name: realm "acme-realm" is already used by Tenant "acme"'],
    },
    {
      name: "reserved master realm",
      obj: tenant("m", { realm: { name: "master" } }),
      want: ['spec.identity.realm.name: realm "master" is reserved'],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      assert.deepEqual(await validate(c.obj), c.want);
    });
  }

  it("does not clash with itself on update", async () => {
    const acme = tenant("acme", { realm: { name: "acme-realm" } });
    assert.deepEqual(await validate(acme, "UPDATE", acme), []);
  });

  it("effectiveRealm", () => {
    assert.equal(effectiveRealm(tenant("a", { realm: { name: "r" } })), "r");
    assert.equal(effectiveRealm(tenant("a", {})), "a");
    assert.equal(effectiveRealm(tenant("a")), undefined);
    assert.equal(effectiveRealm(null), undefined);
  });
});

describe("Tenant defaulting", () => {
  const cases: { name: string; obj: KubeObject; old?: KubeObject; want: unknown }[] = [
    {
      name: "identity without realm → realm.name = metadata.name",
      obj: tenant("acme", {}),
      want: [{ op: "add", path: "/spec/identity/realm", value: { name: "acme" } }],
    },
    {
      name: "realm without name",
      obj: tenant("acme", { realm: { displayName: "Acme" } }),
      want: [{ op: "add", path: "/spec/identity/realm/name", value: "acme" }],
    },
    {
      name: "dotted tenant name → DNS-label realm",
      obj: tenant("acme.eu", {}),
      want: [{ op: "add", path: "/spec/identity/realm", value: { name: "acme-eu" } }],
    },
    { name: "realm name set → untouched", obj: tenant("acme", { realm: { name: "r" } }), want: [] },
    { name: "no identity → untouched", obj: tenant("acme"), want: [] },
    {
      name: "update keeps the old realm name",
      obj: tenant("acme", {}),
      old: tenant("acme", { realm: { name: "legacy" } }),
      want: [{ op: "add", path: "/spec/identity/realm", value: { name: "legacy" } }],
    },
    {
      name: "generateName (no name yet) → untouched",
      obj: { metadata: { generateName: "t-" }, spec: { identity: {} } },
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        defaultTenant({
          operation: c.old !== undefined ? "UPDATE" : "CREATE",
          object: c.obj,
          oldObject: c.old ?? null,
        }),
        c.want,
      );
    });
  }
});

describe("Tenant identity checks (mappers, step-up)", () => {
  const idp = (type: string, mappers: unknown[]): unknown => ({
    alias: "x",
    type,
    clientId: "c",
    mappers,
  });
  const cases: { name: string; identity: unknown; want: string[] }[] = [
    {
      name: "complete mappers are admitted",
      identity: {
        realm: { name: "r" },
        identityProviders: [
          idp("github", [{ name: "a", type: "HardcodedRole", config: { role: "chat-user" } }]),
          idp("oidc", [
            { name: "b", type: "ClaimToRole", config: { claim: "groups", role: "chat-admin" } },
          ]),
        ],
      },
      want: [],
    },
    {
      name: "ClaimToRole on a social provider",
      identity: {
        realm: { name: "r" },
        identityProviders: [
          idp("google", [{ name: "a", type: "ClaimToRole", config: { claim: "c", role: "r" } }]),
        ],
      },
      want: [
        "spec.identity.identityProviders[0].mappers[0].type: ClaimToRole mappers need a generic oidc provider (social providers expose no claims to map)",
      ],
    },
    {
      name: "HardcodedRole without a role",
      identity: {
        realm: { name: "r" },
        identityProviders: [idp("github", [{ name: "a", type: "HardcodedRole" }])],
      },
      want: [
        'spec.identity.identityProviders[0].mappers[0].config: HardcodedRole mappers need config "role"',
      ],
    },
    {
      name: "step-up naming undeclared role and group",
      identity: {
        realm: { name: "r" },
        roles: [{ name: "chat-admin" }],
        groups: [{ name: "staff" }],
        stepUp: { factor: "otp", roles: ["chat-admin", "root"], groups: ["ops"] },
      },
      want: [
        'spec.identity.stepUp.roles[1]: role "root" is not declared in spec.identity.roles',
        'spec.identity.stepUp.groups[0]: group "ops" is not declared in spec.identity.groups',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      assert.deepEqual(await validate(tenant(`t-${c.name.length}`, c.identity)), c.want);
    });
  }
});
