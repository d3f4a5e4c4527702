// Tests of the RBAC generator: rules merge by target with verbs united, each operator identity
// (all-in-one or one operator) binds only its own roles to only its own ServiceAccount, roles hold
// exactly their modules' rules, the scope policy covers every identity, and the committed
// manifests/rbac files are what the modules say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { compileRule } from "../../crds/validate.ts";
import type { ControllerModule, PolicyRule } from "../../operators/runtime/module.ts";
import { MODULES } from "./modules.ts";
import {
  MANAGER_RULES,
  NAMESPACE,
  SERVICE_ACCOUNT,
  boundClusterRoles,
  boundRoleDirs,
  identityObjects,
  mergeRules,
  operatorNames,
  operatorServiceAccount,
  renderRbac,
} from "./rbac.ts";

test("mergeRules unites verbs of the same target and sorts everything", () => {
  assert.deepEqual(
    mergeRules([
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list"] },
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch", "get"] },
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["b", "a"], verbs: ["get"] },
    ]),
    [
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["a", "b"], verbs: ["get"] },
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "patch"] },
    ],
  );
});

const mod = (
  name: string,
  operator: ControllerModule["operator"],
  resource: string,
): ControllerModule => ({
  name,
  operator,
  clusterRules: [{ apiGroups: ["librechat.io"], resources: [resource], verbs: ["get"] }],
  namespaceRules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
  setup: () => undefined,
});

/** The documents of a multi-document YAML file. */
function docs(text: string | undefined): Obj[] {
  return parseAllDocuments(text ?? "").map((d) => d.toJS() as Obj);
}

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
}

const resourcesOf = (o: Obj | undefined): string[] => (o?.rules ?? []).flatMap((r) => r.resources);

test("one combined ClusterRole, one identity per operator, namespace rules in the leader-election Roles", () => {
  const files = renderRbac([
    mod("aimodel", "inference", "aimodels"),
    mod("assistant", "inference", "assistants"),
    mod("tenant", "identity", "tenants"),
  ]);
  assert.deepEqual(Object.keys(files).sort(), [
    "cluster-role.yaml",
    "leader-election-role.yaml",
    "operators/identity/kustomization.yaml",
    "operators/identity/rbac.yaml",
    "operators/inference/kustomization.yaml",
    "operators/inference/rbac.yaml",
    "service-account.yaml",
    "webhook-role-bindings.yaml",
  ]);
  // Every manager reviews /metrics callers' tokens (--metrics-secure).
  const review = ["tokenreviews", "subjectaccessreviews"];
  const role = (file: string, kind: string): Obj | undefined =>
    docs(files[file]).find((o) => o.kind === kind);
  assert.deepEqual(resourcesOf(role("operators/inference/rbac.yaml", "ClusterRole")), [
    ...review,
    "aimodels",
    "assistants",
  ]);
  assert.deepEqual(resourcesOf(role("operators/identity/rbac.yaml", "ClusterRole")), [
    ...review,
    "tenants",
  ]);
  assert.deepEqual(resourcesOf(role("cluster-role.yaml", "ClusterRole")), [
    ...review,
    "aimodels",
    "assistants",
    "tenants",
  ]);
  for (const file of ["leader-election-role.yaml", "operators/identity/rbac.yaml"]) {
    assert.deepEqual(resourcesOf(role(file, "Role")).sort(), ["configmaps", "leases"], file);
  }
});

// Each identity: who it is, and the exact (binding → role) pairs it gets; nothing else is bound.
const IDENTITIES: readonly { file: string; sa: string; bindings: string[] }[] = [
  {
    file: "cluster-role.yaml + leader-election-role.yaml + webhook-role-bindings.yaml",
    sa: SERVICE_ACCOUNT,
    bindings: [
      "ClusterRoleBinding librechat-operators -> ClusterRole librechat-operators",
      "ClusterRoleBinding librechat-operators-webhook -> ClusterRole librechat-operators-webhook",
      "RoleBinding librechat-operators-leader-election -> Role librechat-operators-leader-election",
      "RoleBinding librechat-operators-webhook-certs -> Role librechat-operators-webhook-certs",
    ],
  },
  ...operatorNames(MODULES).map((op) => ({
    file: `operators/${op}/rbac.yaml`,
    sa: `librechat-${op}-operator`,
    bindings: [
      `ClusterRoleBinding librechat-${op}-operator -> ClusterRole librechat-${op}-operator`,
      `ClusterRoleBinding librechat-${op}-operator-webhook -> ClusterRole librechat-operators-webhook`,
      `RoleBinding librechat-${op}-operator-leader-election -> Role librechat-${op}-operator-leader-election`,
      `RoleBinding librechat-${op}-operator-webhook-certs -> Role librechat-operators-webhook-certs`,
    ],
  })),
];

for (const { file, sa, bindings } of IDENTITIES) {
  test(`${sa} (${file}) binds only its own roles, to itself only`, () => {
    const files = renderRbac(MODULES);
    const objs = file.split(" + ").flatMap((f) => docs(files[f]));
    const bound = objs.filter((o) => o.roleRef !== undefined);
    assert.deepEqual(
      bound
        .map((o) => `${o.kind} ${o.metadata.name} -> ${o.roleRef?.kind} ${o.roleRef?.name}`)
        .sort(),
      bindings,
    );
    for (const o of bound) {
      assert.deepEqual(o.subjects, [{ kind: "ServiceAccount", name: sa, namespace: NAMESPACE }]);
    }
  });
}

for (const op of operatorNames(MODULES)) {
  const mine = MODULES.filter((m) => m.operator === op);
  test(`the ${op} operator's roles are exactly the union of its modules' rules (${mine.map((m) => m.name).join(", ")})`, () => {
    const objs = docs(renderRbac(MODULES)[`operators/${op}/rbac.yaml`]);
    const o = identityObjects(operatorServiceAccount(op), mine);
    assert.deepEqual(objs, [
      o.serviceAccount,
      ...o.clusterRole,
      ...o.leaderElection,
      ...o.webhookBindings,
    ]);
    assert.deepEqual(
      objs.find((x) => x.kind === "ClusterRole")?.rules,
      mergeRules([...MANAGER_RULES, ...mine.flatMap((m) => m.clusterRules)]),
    );
    const role = objs.find((x) => x.kind === "Role");
    assert.deepEqual(
      role?.rules?.filter((r) => !r.resources.includes("leases")),
      mergeRules(mine.flatMap((m) => m.namespaceRules ?? [])),
    );
  });
}

test("a shipped ClusterRole ships with the installs whose modules bind it, and only those", () => {
  const kustomization = (op: string): { resources: string[] } =>
    parse(renderRbac(MODULES)[`operators/${op}/kustomization.yaml`] ?? "") as {
      resources: string[];
    };
  for (const op of operatorNames(MODULES)) {
    assert.equal(
      kustomization(op).resources.includes("../../tenant-admin"),
      op === "identity",
      `${op} ships librechat-tenant-admin`,
    );
    assert.equal(kustomization(op).resources[0], "../../common", `${op} ships common/`);
  }
});

test("boundClusterRoles: names of the ClusterRoles `bind` allows; boundRoleDirs refuses one no dir ships", () => {
  const bind = (names: string[]): PolicyRule => ({
    apiGroups: ["rbac.authorization.k8s.io"],
    resources: ["clusterroles"],
    resourceNames: names,
    verbs: ["bind"],
  });
  const table: [PolicyRule[], string[]][] = [
    [[], []],
    [
      [bind(["b", "a"]), bind(["a"])],
      ["a", "b"],
    ],
    [[{ ...bind(["x"]), verbs: ["get"] }], []],
    [[{ ...bind(["x"]), resources: ["roles"] }], []],
  ];
  for (const [rules, want] of table) assert.deepEqual(boundClusterRoles(rules), want);
  assert.deepEqual(boundRoleDirs(MODULES), ["tenant-admin"]);
  assert.throws(
    () => boundRoleDirs([{ ...mod("x", "chat", "x"), clusterRules: [bind(["cluster-admin"])] }]),
    /cluster-admin/,
  );
});

test("the operator scope policy matches every operator's ServiceAccount, and no one else", async () => {
  const policy = parseAllDocuments(
    await readFile(
      join(import.meta.dirname, "../../manifests/rbac/common/operator-scope-policy.yaml"),
      "utf8",
    ),
  )[0]?.toJS() as { spec: { matchConditions: { expression: string }[] } };
  const [condition] = policy.spec.matchConditions;
  assert.ok(condition);
  const matches = (username: string): unknown =>
    compileRule(condition.expression)({ request: { userInfo: { username } } });
  const table: [string, boolean][] = [
    [`system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`, true],
    [`system:serviceaccount:other-ns:${SERVICE_ACCOUNT}`, true],
    ...operatorNames(MODULES).map((op): [string, boolean] => [
      `system:serviceaccount:${NAMESPACE}:${operatorServiceAccount(op)}`,
      true,
    ]),
    [`system:serviceaccount:${NAMESPACE}:someone-else`, false],
    [`system:serviceaccount:${NAMESPACE}:librechat-operators-x`, false],
    ["librechat-operators", false],
    ["alice:librechat-operators", false],
  ];
  for (const [username, want] of table) assert.equal(matches(username), want, username);
});

test("the all-in-one Deployment runs as the all-in-one ServiceAccount", async () => {
  const d = parse(
    await readFile(join(import.meta.dirname, "../../manifests/manager/deployment.yaml"), "utf8"),
  ) as { spec: { template: { spec: { serviceAccountName: string } } } };
  assert.equal(d.spec.template.spec.serviceAccountName, SERVICE_ACCOUNT);
});

test("manifests/rbac matches the modules (make manifests)", async () => {
  for (const [file, content] of Object.entries(renderRbac(MODULES))) {
    assert.equal(
      await readFile(join(import.meta.dirname, "../../manifests/rbac", file), "utf8"),
      content,
      file,
    );
  }
});
