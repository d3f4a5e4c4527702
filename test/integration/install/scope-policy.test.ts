/**
 * manifests/rbac/common/operator-scope-policy.yaml enforced by a real API server: the operators'
 * ServiceAccount, even with cluster-admin rights, cannot write in system namespaces, and outside
 * its own namespace writes only objects labelled app.kubernetes.io/managed-by=librechat-operator
 * (checked on the old object for DELETE), its own librechat.io kinds and Events. Another
 * ServiceAccount with the same rights is not limited (the policy scopes the operator only).
 * Requests are made with kubectl impersonation (--as), the way the API server sees the pod's token.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { createTestNamespace, kubectl, kubectlOk, waitFor } from "../../helpers/testenv.ts";
import { ROOT, kustomize, toBundle } from "./render.ts";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const MANAGED = { "app.kubernetes.io/managed-by": "librechat-operator" };

function configMap(ns: string, name: string, labels?: Record<string, string>): string {
  return stringify({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    data: { k: "v" },
  });
}

test("the operator's ServiceAccount writes only what it manages, and nothing in system namespaces", async (t) => {
  // The policy ships in the rbac bundle.
  const rbac = toBundle(await kustomize("manifests/rbac"));
  assert.ok([...rbac.values()].some((o) => o.kind === "ValidatingAdmissionPolicy"));
  const applied = await kubectl(
    ["apply", "--server-side", "--force-conflicts", "--field-manager=scope-policy-test", "-f", "-"],
    await readFile(join(ROOT, "manifests/rbac/common/operator-scope-policy.yaml"), "utf8"),
  );
  assert.equal(applied.code, 0, applied.stderr);
  // Removed afterwards, so that a later `kubectl apply -k manifests/default` owns it alone.
  t.after(() =>
    kubectl([
      "delete",
      "--ignore-not-found",
      "validatingadmissionpolicybinding/librechat-operator-scope",
      "validatingadmissionpolicy/librechat-operator-scope",
    ]),
  );

  const own = await createTestNamespace("scope-own", t);
  const other = await createTestNamespace("scope-other", t);
  const operator = `system:serviceaccount:${own.name}:librechat-operators`;
  const someone = `system:serviceaccount:${own.name}:someone-else`;
  // Both get cluster-admin for the test: only the policy stands in the operator's way.
  const binding = `scope-test-${own.name}`;
  await kubectlOk([
    "create",
    "clusterrolebinding",
    binding,
    "--clusterrole=cluster-admin",
    `--serviceaccount=${own.name}:librechat-operators`,
    `--serviceaccount=${own.name}:someone-else`,
  ]);
  t.after(() => kubectl(["delete", "clusterrolebinding", binding, "--ignore-not-found"]));
  const as = (user: string, args: string[], input?: string) =>
    kubectl([`--as=${user}`, ...args], input);

  // Policies are loaded asynchronously: wait for the first denial.
  // A new name each try: a probe admitted before the policy loaded would be "unchanged" after.
  let attempt = 0;
  await waitFor("the policy enforced", 30_000, async () => {
    const r = await as(operator, ["apply", "-f", "-"], configMap(other.name, `probe-${++attempt}`));
    return r.code !== 0 && r.stderr.includes("librechat-operator-scope");
  });

  const sys = await as(
    operator,
    ["apply", "-f", "-"],
    configMap("kube-system", "lc-probe", MANAGED),
  );
  assert.notEqual(sys.code, 0, "a labelled object in kube-system is still refused");
  assert.match(sys.stderr, /does not write in the system namespace kube-system/);

  const unlabelled = await as(operator, ["apply", "-f", "-"], configMap(other.name, "plain"));
  assert.notEqual(unlabelled.code, 0);
  assert.match(
    unlabelled.stderr,
    /writes only objects labelled app.kubernetes.io\/managed-by=librechat-operator .*configmaps .*\/plain is not/,
  );

  const labelled = await as(operator, ["apply", "-f", "-"], configMap(other.name, "mine", MANAGED));
  assert.equal(labelled.code, 0, labelled.stderr);
  const inOwn = await as(operator, ["apply", "-f", "-"], configMap(own.name, "own-plain"));
  assert.equal(inOwn.code, 0, `its own namespace is its own: ${inOwn.stderr}`);

  // DELETE is judged by the old object: the operator cannot delete what it does not manage.
  await kubectlOk(["apply", "-f", "-"], configMap(other.name, "users"));
  const del = await as(operator, ["-n", other.name, "delete", "configmap", "users"]);
  assert.notEqual(del.code, 0, "deleting an unlabelled object is refused");
  const delMine = await as(operator, ["-n", other.name, "delete", "configmap", "mine"]);
  assert.equal(delMine.code, 0, delMine.stderr);

  // A pod eviction (ChaosPolicy PodDelete) is allowed; deleting the same unlabelled pod is not.
  await kubectlOk(
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "victim", namespace: other.name },
      spec: { containers: [{ name: "c", image: "example.invalid/fake:1" }] },
    }),
  );
  const delPod = await as(operator, ["-n", other.name, "delete", "pod", "victim", "--wait=false"]);
  assert.notEqual(delPod.code, 0, "deleting an unlabelled pod is refused");
  const evict = await as(
    operator,
    ["create", "--raw", `/api/v1/namespaces/${other.name}/pods/victim/eviction`, "-f", "-"],
    JSON.stringify({
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: "victim", namespace: other.name },
    }),
  );
  assert.equal(evict.code, 0, evict.stderr);

  // Another identity with the same rights is not limited by this policy.
  const other1 = await as(someone, ["apply", "-f", "-"], configMap(other.name, "someone"));
  assert.equal(other1.code, 0, other1.stderr);
});
