// Tests of the install variants (least privilege, issue 11): each manifests/operators/<operator>
// binds only its own ClusterRole (the union of its modules' rules) to only its own ServiceAccount,
// the one its Deployment runs as; manifests/default keeps the combined role; variants installed side
// by side never ship two different objects under one name. Reads the committed files the way
// kustomize does (hack/generate/install.ts kustomizeFiles); test/integration/install checks the
// same with the real `kubectl kustomize`, `helm template` and an API server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { MODULES } from "../../cmd/manager/modules.ts";
import { MANAGER_RULES, SERVICE_ACCOUNT, mergeRules } from "../../cmd/manager/rbac.ts";
import type { PolicyRule } from "../../operators/runtime/module.ts";
import { OPERATORS, helmCondition, kustomizeFiles, variantDirs } from "./install.ts";

const ROOT = join(import.meta.dirname, "../..");

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
  spec?: { template?: { spec?: { serviceAccountName?: string } } };
}

const keyOf = (o: Obj): string =>
  `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** The objects a kustomization of these manifests/ directories renders, by key. */
function render(dirs: readonly string[]): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const file of dirs.flatMap((d) => kustomizeFiles(ROOT, d))) {
    for (const doc of parseAllDocuments(readFileSync(join(ROOT, file), "utf8"))) {
      const o = doc.toJS() as Obj | null;
      if (o !== null) out.set(keyOf(o), o);
    }
  }
  return out;
}

// Every install: what it renders, the ServiceAccount its operator Deployment runs as, its own
// ClusterRole and the modules that role must cover.
const INSTALLS = [
  {
    name: "manifests/default",
    objects: render(["crd", "rbac", "manager", "webhook", "inference-gateway", "network-policies"]),
    deployment: "librechat-operators",
    serviceAccount: SERVICE_ACCOUNT,
    clusterRole: "librechat-operators",
    modules: MODULES,
  },
  ...Object.entries(OPERATORS).map(([op, v]) => ({
    name: `manifests/operators/${op}`,
    objects: render([...variantDirs(op), `components/${op}`]),
    deployment: `librechat-${op}-operator`,
    serviceAccount: v.serviceAccount,
    clusterRole: `librechat-${op}-operator`,
    modules: MODULES.filter((m) => m.operator === op),
  })),
];

const of = (objects: Map<string, Obj>, kind: string): Obj[] =>
  [...objects.values()].filter((o) => o.kind === kind);

for (const i of INSTALLS) {
  test(`${i.name}: ${i.serviceAccount} runs the operator and is bound to ${i.clusterRole} (its modules' rules) and the webhook roles only`, () => {
    const deployment = of(i.objects, "Deployment").find((d) => d.metadata.name === i.deployment);
    assert.equal(deployment?.spec?.template?.spec?.serviceAccountName, i.serviceAccount);
    assert.ok(
      of(i.objects, "ServiceAccount").some((sa) => sa.metadata.name === i.serviceAccount),
      "the ServiceAccount ships with it",
    );
    const bindings = [...of(i.objects, "ClusterRoleBinding"), ...of(i.objects, "RoleBinding")];
    for (const b of bindings) {
      assert.deepEqual(
        b.subjects,
        [{ kind: "ServiceAccount", name: i.serviceAccount, namespace: "librechat-system" }],
        `${b.kind} ${b.metadata.name} binds only the operator`,
      );
    }
    assert.deepEqual(
      of(i.objects, "ClusterRoleBinding")
        .map((b) => b.roleRef?.name)
        .sort(),
      [i.clusterRole, "librechat-operators-webhook"],
    );
    const role = of(i.objects, "ClusterRole").find((r) => r.metadata.name === i.clusterRole);
    assert.deepEqual(
      role?.rules,
      mergeRules([...MANAGER_RULES, ...i.modules.flatMap((m) => m.clusterRules)]),
    );
    // The role the Tenant controller binds ships where a module may bind it, nowhere else.
    assert.equal(
      of(i.objects, "ClusterRole").some((r) => r.metadata.name === "librechat-tenant-admin"),
      i.modules.some((m) => m.name === "tenant"),
    );
  });
}

test("variants installed side by side never ship two different objects under one name", () => {
  const seen = new Map<string, { from: string; o: Obj }>();
  for (const i of INSTALLS.filter((x) => x.name !== "manifests/default")) {
    for (const [key, o] of i.objects) {
      const first = seen.get(key);
      if (first === undefined) seen.set(key, { from: i.name, o });
      else assert.deepEqual(o, first.o, `${key}: ${i.name} and ${first.from} differ`);
    }
  }
});

test("helmCondition: the installs an object ships with, as a Helm condition", () => {
  const all = ["a", "b"];
  const table: [boolean, string[], string | undefined][] = [
    [true, ["a", "b"], undefined],
    [true, [], "empty .Values.operators"],
    [true, ["b"], 'or (empty .Values.operators) (has "b" .Values.operators)'],
    [false, ["a"], 'has "a" .Values.operators'],
    [false, ["a", "b"], 'or (has "a" .Values.operators) (has "b" .Values.operators)'],
  ];
  for (const [allInOne, ops, want] of table) {
    assert.equal(helmCondition(allInOne, ops, all), want, JSON.stringify([allInOne, ops]));
  }
  assert.throws(() => helmCondition(false, [], all), /no install/);
});
