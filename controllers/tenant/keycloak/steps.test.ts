import { test } from "node:test";
import assert from "node:assert/strict";
import { STEPS, realmOwnership, sameValue, secretHash } from "./steps.ts";
import type { Step } from "./steps.ts";
import { desired, identityTenant, matching } from "./fixtures.test-helpers.ts";
import type { RealmState } from "./state.ts";

const step = (name: string): Step => {
  const s = STEPS.find((x) => x.name === name);
  if (s === undefined) throw new Error(name);
  return s;
};
const remembered = (d = desired()): Map<string, string> =>
  new Map(
    d.idps.flatMap((p) =>
      p.clientSecret !== undefined
        ? [[`idp/${p.alias}`, secretHash(p.clientSecret)] as [string, string]]
        : [],
    ),
  );

test("a realm that matches the spec produces no drift and no writes in any step", () => {
  const d = desired();
  const o = matching(d);
  for (const s of STEPS) {
    const r = s.diff(d, o, remembered(d));
    assert.deepEqual(r.drift, [], `${s.name} drift`);
    assert.deepEqual(r.writes, [], `${s.name} writes`);
  }
});

interface Case {
  name: string;
  step: string;
  mutate: (o: RealmState) => void;
  drift: string[];
  writes: string[];
}

const cases: Case[] = [
  {
    name: "brute-force setting changed by hand",
    step: "realm settings",
    mutate: (o) => (o.realm["failureFactor"] = 30),
    drift: ["realm.failureFactor"],
    writes: ["PUT "],
  },
  {
    name: "password policy terms reordered is not drift",
    step: "realm settings",
    mutate: (o) =>
      (o.realm["passwordPolicy"] = String(o.realm["passwordPolicy"])
        .split(" and ")
        .reverse()
        .join(" and ")),
    drift: [],
    writes: [],
  },
  {
    name: "owner attribute removed",
    step: "realm settings",
    mutate: (o) => (o.realm["attributes"] = {}),
    drift: ["realm.attributes.librechat.io/tenant"],
    writes: ["PUT "],
  },
  {
    name: "role deleted by hand is recreated",
    step: "roles",
    mutate: (o) => (o.roles = o.roles.filter((r) => r.name !== "chat-admin")),
    drift: ["roles[chat-admin]"],
    writes: ["POST /roles"],
  },
  {
    name: "role description changed",
    step: "roles",
    mutate: (o) => ((o.roles[0] ?? { description: "" }).description = "x"),
    drift: ["roles[chat-admin].description"],
    writes: ["PUT /roles/chat-admin"],
  },
  {
    name: "managed role no longer declared is deleted, Keycloak's own roles are not",
    step: "roles",
    mutate: (o) =>
      o.roles.push({
        id: "id-old",
        name: "old",
        description: "",
        composites: [],
        attributes: { "librechat.io/managed": ["true"] },
      }),
    drift: ["roles[old] (not declared)"],
    writes: ["DELETE /roles-by-id/id-old"],
  },
  {
    name: "composite removed by hand is added back",
    step: "role composites",
    mutate: (o) => ((o.roles[0] ?? { composites: [] }).composites = []),
    drift: ["roles[chat-admin].composites"],
    writes: ["POST /roles-by-id/id-chat-admin/composites"],
  },
  {
    name: "extra composite is removed",
    step: "role composites",
    mutate: (o) => ((o.roles[1] ?? { composites: [] }).composites = ["offline_access"]),
    drift: ["roles[chat-user].composites"],
    writes: ["DELETE /roles-by-id/id-chat-user/composites"],
  },
  {
    name: "missing group is created",
    step: "groups",
    mutate: (o) => (o.groups = []),
    drift: ["groups[staff]"],
    writes: ["POST /groups"],
  },
  {
    name: "group models attribute changed",
    step: "groups",
    mutate: (o) => {
      const g = o.groups[0];
      if (g !== undefined) g.attributes["models"] = ["gpt-4o-mini"];
    },
    drift: ["groups[staff].attributes"],
    writes: ["PUT /groups/gid-staff"],
  },
  {
    name: "group lost its role",
    step: "group role mappings",
    mutate: (o) => ((o.groups[0] ?? { realmRoles: [] }).realmRoles = []),
    drift: ["groups[staff].realmRoles"],
    writes: ["POST /groups/gid-staff/role-mappings/realm"],
  },
  {
    name: "redirect URI added by hand is removed",
    step: "clients",
    mutate: (o) => {
      const c = o.clients[0];
      if (c !== undefined)
        c.rep["redirectUris"] = ["https://chat.acme.test/cb", "https://evil.test/*"];
    },
    drift: ["clients[librechat].redirectUris"],
    writes: ["PUT /clients/cid-librechat"],
  },
  {
    name: "unmanaged client is left alone, removed managed client deleted",
    step: "clients",
    mutate: (o) =>
      o.clients.push({
        id: "cid-old",
        clientId: "old",
        rep: { attributes: { "librechat.io/managed": "true" } },
      }),
    drift: ["clients[old] (not declared)"],
    writes: ["DELETE /clients/cid-old"],
  },
  {
    name: "audience mapper removed by hand is added back",
    step: "client audience",
    mutate: (o) => {
      const c = o.clients[0];
      if (c !== undefined) c.rep["protocolMappers"] = [];
    },
    drift: ["clients[librechat].protocolMappers[librechat-audience]"],
    writes: ["POST /clients/cid-librechat/protocol-mappers/models"],
  },
  {
    name: "audience mapper pointed elsewhere is corrected in place",
    step: "client audience",
    mutate: (o) => {
      const m = (o.clients[0]?.rep["protocolMappers"] as { config: Record<string, string> }[])[0];
      if (m !== undefined) m.config["included.custom.audience"] = "someone-else";
    },
    drift: ["clients[librechat].protocolMappers[librechat-audience].config"],
    writes: ["PUT /clients/cid-librechat/protocol-mappers/models/pm-librechat"],
  },
  {
    name: "other mappers of a client are not ours",
    step: "client audience",
    mutate: (o) => {
      const ms = o.clients[0]?.rep["protocolMappers"] as Record<string, unknown>[];
      ms.push({ id: "x", name: "locale", protocolMapper: "oidc-usermodel-attribute-mapper" });
    },
    drift: [],
    writes: [],
  },
  {
    name: "client secret changed in Keycloak is reset from the Secret",
    step: "client secrets",
    mutate: (o) => (o.clientSecrets["librechat"] = "rotated-by-hand"),
    drift: ["clients[librechat].secret"],
    writes: ["PUT /clients/cid-librechat"],
  },
  {
    name: "identity provider disabled by hand",
    step: "identity providers",
    mutate: (o) => ((o.idps[0] ?? {})["enabled"] = false),
    drift: ["identityProviders[github].enabled"],
    writes: ["PUT /identity-provider/instances/github"],
  },
  {
    name: "mapper deleted by hand",
    step: "identity provider mappers",
    mutate: (o) => (o.idpMappers = []),
    drift: ["identityProviders[github].mappers[default-role]"],
    writes: ["POST /identity-provider/instances/github/mappers"],
  },
];

for (const c of cases) {
  test(`step ${c.step}: ${c.name}`, () => {
    const d = desired();
    const o = matching(d);
    c.mutate(o);
    const r = step(c.step).diff(d, o, remembered(d));
    assert.deepEqual(r.drift, c.drift);
    assert.deepEqual(
      r.writes.map((w) => `${w.method} ${w.path}`),
      c.writes,
    );
  });
}

test("a rotated identity-provider secret is written even though Keycloak masks it", () => {
  const d = desired();
  const r = step("identity providers").diff(
    d,
    matching(d),
    new Map([["idp/github", secretHash("old")]]),
  );
  assert.deepEqual(r.drift, ["identityProviders[github].clientSecret"]);
  const body = r.writes[0]?.body as { config: Record<string, string> };
  assert.equal(body.config["clientSecret"], "github-secret-value");
  assert.deepEqual(r.remember, [["idp/github", secretHash("github-secret-value")]]);
});

test("write descriptions never carry secret values", () => {
  const d = desired();
  const empty: RealmState = {
    realm: {},
    roles: [],
    groups: [],
    clients: [],
    clientSecrets: {},
    idps: [],
    idpMappers: [],
    flows: [],
    requiredActions: [],
  };
  for (const s of STEPS)
    for (const w of s.diff(d, empty, new Map()).writes)
      assert.ok(!w.what.includes("secret-value"), w.what);
});

test("step-up adds a managed role, makes it a composite of the listed roles and maps it to listed groups", () => {
  const t = identityTenant({
    stepUp: { factor: "otp", roles: ["chat-admin"], groups: ["staff"], acrLevel: 2 },
  });
  const d = desired(t);
  assert.deepEqual(d.roles.find((r) => r.name === "chat-admin")?.composites, [
    "chat-user",
    "librechat-step-up",
  ]);
  assert.ok(d.roles.some((r) => r.name === "librechat-step-up"));
  assert.deepEqual(d.groups[0]?.realmRoles, ["chat-user", "librechat-step-up"]);
  const o = matching(d);
  o.flows = [];
  o.realm["directGrantFlow"] = "direct grant";
  const r = step("step-up flows").diff(d, o, new Map());
  assert.deepEqual(r.drift, [
    "flows[librechat-direct-grant]",
    "flows[librechat-direct-grant-step-up]",
    "flows[librechat-direct-grant-step-up-factor]",
    "realm.directGrantFlow",
  ]);
});

test("removing step-up unbinds and deletes the operator's flows", () => {
  const d = desired();
  const o = matching(d);
  o.flows = [
    { id: "f1", alias: "librechat-direct-grant", topLevel: true, executions: [] },
    { id: "b", alias: "browser", topLevel: true, executions: [] },
  ];
  o.realm["directGrantFlow"] = "librechat-direct-grant";
  const r = step("step-up flows").diff(d, o, new Map());
  assert.deepEqual(
    r.writes.map((w) => `${w.method} ${w.path}`),
    ["PUT ", "DELETE /authentication/flows/f1"],
  );
});

const owners: { name: string; attrs: Record<string, unknown>; want: unknown }[] = [
  { name: "ours", attrs: { "librechat.io/tenant": "acme" }, want: "ours" },
  { name: "no marker", attrs: {}, want: "unmarked" },
  { name: "other tenant", attrs: { "librechat.io/tenant": "globex" }, want: { owner: "globex" } },
];
for (const c of owners) {
  test(`realmOwnership: ${c.name}`, () => {
    const o = matching(desired());
    o.realm["attributes"] = c.attrs;
    assert.deepEqual(realmOwnership(o, "acme"), c.want);
  });
}

test("sameValue compares lists as sets and numbers with numeric strings", () => {
  assert.ok(sameValue(["b", "a"], ["a", "b"]));
  assert.ok(sameValue(5, "5"));
  assert.ok(!sameValue(["a"], ["a", "b"]));
  assert.ok(sameValue({ a: ["x"] }, { a: ["x"], b: 1 }));
});

test("a group without models is not drift when Keycloak drops the empty attribute, and gets it cleared when it has one", () => {
  const t = identityTenant({ groups: [{ name: "staff", realmRoles: ["chat-user"], models: [] }] });
  const d = desired(t);
  assert.deepEqual(d.groups[0]?.attributes["models"], []);
  const o = matching(d);
  const g = o.groups[0];
  assert.ok(g);
  g.attributes = { "librechat.io/managed": ["true"] };
  assert.deepEqual(step("groups").diff(d, o, new Map()).drift, []);
  g.attributes = { "librechat.io/managed": ["true"], models: ["gpt-4o-mini"] };
  const r = step("groups").diff(d, o, new Map());
  assert.deepEqual(r.drift, ["groups[staff].attributes"]);
  assert.deepEqual(
    (r.writes[0]?.body as { attributes: Record<string, string[]> }).attributes["models"],
    [],
  );
});

test("step client audience: with no audience wanted, our mapper is removed and nothing else", () => {
  const d = desired();
  const o = matching(d);
  for (const c of d.clients) c.audienceMapper = undefined;
  const r = step("client audience").diff(d, o, remembered(d));
  assert.deepEqual(
    r.writes.map((w) => `${w.method} ${w.path}`),
    d.clients.map(
      (c) => `DELETE /clients/cid-${c.clientId}/protocol-mappers/models/pm-${c.clientId}`,
    ),
  );
});

test("step clients: a new client is created with its audience mapper", () => {
  const d = desired();
  const o = matching(d);
  o.clients = o.clients.filter((c) => c.clientId !== "librechat");
  const r = step("clients").diff(d, o, remembered(d));
  const create = r.writes.find((w) => w.method === "POST");
  assert.deepEqual((create?.body as { protocolMappers?: unknown[] }).protocolMappers, [
    {
      name: "librechat-audience",
      protocol: "openid-connect",
      protocolMapper: "oidc-audience-mapper",
      config: {
        "access.token.claim": "true",
        "id.token.claim": "false",
        "included.custom.audience": "chat-gateway",
        "introspection.token.claim": "true",
      },
    },
  ]);
});
