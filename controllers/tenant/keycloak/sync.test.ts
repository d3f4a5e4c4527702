import { test } from "node:test";
import assert from "node:assert/strict";
import { syncRealm } from "./sync.ts";
import type { ApiResponse, RealmApi } from "./sync.ts";
import type { RealmState } from "./state.ts";
import { desired, identityTenant, matching } from "./fixtures.test-helpers.ts";
import { secretHash } from "./steps.ts";

/** A recording RealmApi: `states` are returned by successive reads (the last one repeats). */
function fakeApi(
  states: (RealmState | undefined)[],
): RealmApi & { calls: string[]; reads: number } {
  const api = {
    calls: [] as string[],
    reads: 0,
    read(): Promise<RealmState | undefined> {
      const s = states.length > 1 ? states.shift() : states[0];
      api.reads++;
      return Promise.resolve(s === undefined ? undefined : structuredClone(s));
    },
    request(method: string, path: string): Promise<ApiResponse> {
      api.calls.push(`${method} ${path}`);
      return Promise.resolve({ status: 200, body: [], location: undefined });
    },
  };
  return api;
}

const memory = (): Map<string, string> =>
  new Map([["idp/github", secretHash("github-secret-value")]]);
const opts = { mode: "Enforce" as const, adoptExisting: false, tenant: "acme" };

test("idle resync of a matching realm makes one read and no writes", async () => {
  const d = desired();
  const api = fakeApi([matching(d)]);
  const out = await syncRealm(api, d, { ...opts, memory: memory() });
  assert.deepEqual(out.drift, []);
  assert.equal(out.writes, 0);
  assert.deepEqual(api.calls, []);
  assert.equal(api.reads, 1);
});

test("a missing realm is created with the owner marker, then filled in", async () => {
  const d = desired();
  const empty = matching(d);
  empty.roles = [];
  empty.groups = [];
  const api = fakeApi([undefined, empty]);
  const out = await syncRealm(api, d, { ...opts, memory: new Map() });
  assert.equal(out.created, true);
  assert.equal(api.calls[0], "POST ");
  assert.ok(api.calls.includes("POST /acme/roles"));
  assert.ok(api.calls.includes("POST /acme/groups"));
});

test("Enforce corrects drift, Observe only reports it, CreateOnly only creates", async () => {
  const d = desired();
  const drifted = matching(d);
  drifted.realm["failureFactor"] = 99;
  drifted.roles = drifted.roles.filter((r) => r.name !== "chat-admin");

  const roleOnly = matching(d);
  roleOnly.roles = roleOnly.roles.filter((r) => r.name !== "chat-admin");
  const enforce = fakeApi([drifted, roleOnly, matching(d)]);
  const e = await syncRealm(enforce, d, { ...opts, memory: memory() });
  assert.deepEqual(e.drift, ["realm.failureFactor", "roles[chat-admin]"]);
  assert.deepEqual(enforce.calls, ["PUT /acme", "POST /acme/roles"]);

  const observe = fakeApi([drifted]);
  const o = await syncRealm(observe, d, { ...opts, mode: "Observe", memory: memory() });
  assert.deepEqual(o.drift, ["realm.failureFactor", "roles[chat-admin]"]);
  assert.deepEqual(observe.calls, [], "Observe never writes");

  const createOnly = fakeApi([drifted, drifted, matching(d)]);
  await syncRealm(createOnly, d, { ...opts, mode: "CreateOnly", memory: memory() });
  assert.deepEqual(
    createOnly.calls,
    ["POST /acme/roles"],
    "CreateOnly recreates the role but leaves the setting",
  );
});

test("a realm without our marker is refused unless adoptExisting; another tenant's realm always", async () => {
  const d = desired();
  const foreign = matching(d);
  foreign.realm["attributes"] = {};
  const refused = await syncRealm(fakeApi([foreign]), d, { ...opts, memory: memory() });
  assert.equal(refused.refused?.reason, "RealmOwnedElsewhere");
  assert.match(refused.refused?.message ?? "", /realm "acme" was not created by this operator/);

  const adopt = fakeApi([foreign, matching(d)]);
  const adopted = await syncRealm(adopt, d, { ...opts, adoptExisting: true, memory: memory() });
  assert.equal(adopted.refused, undefined);
  assert.deepEqual(adopt.calls, ["PUT /acme"], "adopting writes the owner marker");

  const other = matching(d);
  other.realm["attributes"] = { "librechat.io/tenant": "globex" };
  const r = await syncRealm(fakeApi([other]), d, {
    ...opts,
    adoptExisting: true,
    memory: memory(),
  });
  assert.match(r.refused?.message ?? "", /belongs to Tenant "globex"/);
});

test("step-up flows are rebuilt and bound when missing", async () => {
  const t = identityTenant({ stepUp: { factor: "otp", roles: ["chat-admin"], acrLevel: 2 } });
  const d = desired(t);
  const before = matching(d);
  before.flows = [];
  before.realm["directGrantFlow"] = "direct grant";
  const api = fakeApi([before, matching(d)]);
  api.request = (method: string, path: string): Promise<ApiResponse> => {
    api.calls.push(`${method} ${path}`);
    const body =
      path.endsWith("/executions") && method === "GET"
        ? [1, 2, 3, 4, 5, 6, 7].map((i) => ({ id: `e${i}` }))
        : undefined;
    return Promise.resolve({ status: 200, body, location: undefined });
  };
  await syncRealm(api, d, { ...opts, memory: memory() });
  // Sub-flows are created through their parent, depth first: step-up, then its factor alternatives.
  assert.deepEqual(api.calls.slice(0, 9), [
    "POST /acme/authentication/flows",
    "POST /acme/authentication/flows/librechat-direct-grant/executions/execution",
    "POST /acme/authentication/flows/librechat-direct-grant/executions/execution",
    "POST /acme/authentication/flows/librechat-direct-grant/executions/flow",
    "POST /acme/authentication/flows/librechat-direct-grant-step-up/executions/execution",
    "POST /acme/authentication/flows/librechat-direct-grant-step-up/executions/flow",
    "POST /acme/authentication/flows/librechat-direct-grant-step-up-factor/executions/execution",
    "POST /acme/authentication/flows/librechat-direct-grant-step-up-factor/executions/execution",
    "GET /acme/authentication/flows/librechat-direct-grant/executions",
  ]);
  assert.ok(
    api.calls.includes("POST /acme/authentication/executions/e4/config"),
    "condition config on the role check",
  );
  assert.equal(api.calls.at(-1), "PUT /acme");
});
