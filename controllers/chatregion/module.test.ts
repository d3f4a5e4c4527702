// Tests of the ChatRegion ControllerModule: its RBAC covers every kind it caches (list + watch),
// writes (create + patch) and nothing more (no update, no delete but the PDB's, no wildcard), and
// bad flag values fail before anything connects, naming the flag.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config.ts";
import { POD } from "../../operators/runtime/core-kinds.ts";
import { groupOf } from "../../operators/runtime/keys.ts";
import type { ControllerContext } from "../../operators/runtime/module.ts";
import type { GroupVersionKind } from "../../operators/runtime/types.ts";
import { CHATREGION_RULES, chatRegionModule } from "./module.ts";

function allowed(
  gvk: Pick<GroupVersionKind, "apiVersion" | "plural">,
  verb: string,
  resource = gvk.plural,
): boolean {
  return CHATREGION_RULES.some(
    (r) =>
      r.apiGroups.includes(groupOf(gvk.apiVersion)) &&
      r.resources.includes(resource) &&
      r.verbs.includes(verb),
  );
}

/** Sets the module up against a recording fake manager; returns the kinds it caches and owns. */
function setUp(): { cached: GroupVersionKind[]; owned: GroupVersionKind[] } {
  const cached: GroupVersionKind[] = [];
  const owned: GroupVersionKind[] = [];
  const informer = { get: () => undefined, list: () => [] };
  const mgr = {
    informer: (gvk: GroupVersionKind) => {
      cached.push(gvk);
      return informer;
    },
    addController: (def: {
      for: GroupVersionKind;
      owns?: GroupVersionKind[];
      watches?: { gvk: GroupVersionKind }[];
    }) => {
      cached.push(def.for, ...(def.owns ?? []), ...(def.watches ?? []).map((w) => w.gvk));
      owned.push(...(def.owns ?? []));
    },
  };
  const flags = Object.fromEntries(
    Object.entries(chatRegionModule.flags ?? {}).map(([k, v]) => [k, v.default]),
  );
  void chatRegionModule.setup({
    mgr,
    client: {},
    log: {},
    flags,
    operatorNamespace: "ops",
  } as unknown as ControllerContext);
  return { cached, owned };
}

test("RBAC: every cached kind may be listed and watched, every owned kind created and patched", () => {
  const { cached, owned } = setUp();
  assert.ok(cached.length >= 8);
  for (const k of cached)
    for (const v of ["list", "watch"]) assert.ok(allowed(k, v), `${v} ${k.plural}`);
  assert.ok(owned.length === 4);
  for (const k of owned)
    for (const v of ["create", "patch"]) assert.ok(allowed(k, v), `${v} ${k.plural}`);
  assert.ok(
    allowed(
      { apiVersion: "librechat.io/v1alpha1", plural: "chatregions" },
      "patch",
      "chatregions/status",
    ),
  );
  // Pods: listed for their load, patched for pod-deletion-cost, nothing else.
  assert.ok(allowed(POD, "list") && allowed(POD, "patch"));
  assert.ok(!allowed(POD, "delete") && !allowed(POD, "create") && !allowed(POD, "watch"));
});

test("RBAC: least privilege (no wildcard, no update of children, delete only on PDBs)", () => {
  for (const r of CHATREGION_RULES) {
    assert.ok(![...r.apiGroups, ...r.resources, ...r.verbs].includes("*"), JSON.stringify(r));
    if (r.verbs.includes("delete")) assert.deepEqual(r.resources, ["poddisruptionbudgets"]);
    if (r.verbs.includes("update")) assert.deepEqual(r.resources, ["events"]);
  }
  assert.ok(!allowed({ apiVersion: "v1", plural: "secrets" }, "patch"), "Secrets are read-only");
});

const badFlags = [
  { flag: "chatregion-sync-period", value: "0" },
  { flag: "chatregion-sync-period", value: "soon" },
  { flag: "chatregion-concurrency", value: "-1" },
];
for (const c of badFlags) {
  test(`flags: --${c.flag}=${c.value} is refused naming the flag`, () => {
    assert.throws(
      () => chatRegionModule.checkFlags?.({ [c.flag]: c.value }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(`--${c.flag}`),
    );
  });
}
