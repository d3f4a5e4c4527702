// Tests of the RBAC generator: rules merge by target with verbs united, per-operator roles hold
// only their modules' rules, and the committed manifests/rbac files are what the modules say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import type { ControllerModule } from "../../operators/runtime/module.ts";
import { MODULES } from "./modules.ts";
import { mergeRules, renderRbac } from "./rbac.ts";

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

test("one combined ClusterRole, one per operator, namespace rules in the leader-election Role", () => {
  const files = renderRbac([
    mod("aimodel", "inference", "aimodels"),
    mod("assistant", "inference", "assistants"),
    mod("tenant", "identity", "tenants"),
  ]);
  assert.deepEqual(Object.keys(files).sort(), [
    "cluster-role.yaml",
    "leader-election-role.yaml",
    "operators/identity.yaml",
    "operators/inference.yaml",
  ]);
  const resources = (file: string): string[] =>
    (parse(files[file] ?? "") as { rules: { resources: string[] }[] }).rules.flatMap(
      (r) => r.resources,
    );
  // Every manager reviews /metrics callers' tokens (--metrics-secure).
  const review = ["tokenreviews", "subjectaccessreviews"];
  assert.deepEqual(resources("operators/inference.yaml"), [...review, "aimodels", "assistants"]);
  assert.deepEqual(resources("operators/identity.yaml"), [...review, "tenants"]);
  const combined = (files["cluster-role.yaml"] ?? "").split("---\n")[0] ?? "";
  assert.deepEqual(
    (parse(combined) as { rules: { resources: string[] }[] }).rules.flatMap((r) => r.resources),
    [...review, "aimodels", "assistants", "tenants"],
  );
  const role = (files["leader-election-role.yaml"] ?? "").split("---\n")[0] ?? "";
  assert.deepEqual(
    (parse(role) as { rules: { resources: string[] }[] }).rules.flatMap((r) => r.resources).sort(),
    ["configmaps", "leases"],
  );
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
